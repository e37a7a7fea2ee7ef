/**
 * `plan(config, system)`: reads the current state (interface, its routing, every app) and lists
 * the steps that bring it to what the configuration file says, each with a human description and
 * the exact commands or API calls it makes. `applyPlan()` runs them. A plan with no step means
 * everything is as configured.
 *
 * @example
 * ```ts
 * const system = createSystem(config);
 * const p = await plan(config, system);
 * for (const step of p.steps) console.log(step.description, step.commands);
 * await applyPlan(p, system);
 * ```
 */
import {
  type BindingState,
  type BindTarget,
  DEFAULT_MTU,
  describeItem,
  desiredRouting,
  type InterfaceStatus,
  isSplitnetError,
  type RoutingItem,
  type WgQuickConfig,
} from '@splitnet/core';
import { type AppConfig, describeApp, describeAppCalls } from '../config/apps.js';
import type { SplitnetConfig } from '../config/schema.js';
import { describeBinding } from '../output.js';
import { type BindingRecord, bindingKey, type StateFile } from '../state.js';
import type { ReconcileSystem } from './system.js';

export type StepKind =
  | 'interface-up'
  | 'interface-reconfigure'
  | 'link-up'
  | 'routing'
  | 'app-bind'
  | 'app-rebind';

export interface PlanStep {
  /** Stable id, e.g. `interface`, `routing`, `apps[0].bind`. */
  id: string;
  kind: StepKind;
  /** One line for people. */
  description: string;
  /** The exact commands / API calls, one per line. */
  commands: string[];
  /** The app (`apps[i]`) a step is about. */
  app?: number | undefined;
}

export interface AppView {
  index: number;
  adapter: string;
  label: string;
  /** What the app reports now (undefined when it could not be asked). */
  observed?: BindingState | undefined;
  /** `bound`, `unbound` (setting differs), `stale` (sockets on a dead ifindex), `unknown`. */
  state: 'bound' | 'unbound' | 'stale' | 'unknown';
  problems: string[];
  warnings: string[];
  error?: { code: string; message: string } | undefined;
}

export interface InterfaceView {
  name: string;
  netns?: string | undefined;
  present: boolean;
  managed: boolean;
  up: boolean;
  ifindex?: number | undefined;
  addresses: string[];
  routing?: { present: string[]; missing: string[] } | undefined;
  peers: {
    publicKey: string;
    endpoint?: string | undefined;
    latestHandshake?: string | undefined;
    /** Seconds since the latest handshake (undefined: never). */
    handshakeAge?: number | undefined;
    transferRx: number;
    transferTx: number;
  }[];
  /** True when no peer had a handshake within `health.handshakeMaxAge`. */
  handshakeStale: boolean;
}

export interface Plan {
  file: string;
  interface: InterfaceView;
  apps: AppView[];
  steps: PlanStep[];
  /** What blocks reconciling (apply fails with exit 1), e.g. a foreign interface of that name. */
  problems: string[];
  /** Internals for applyPlan (not printed). */
  readonly internal: {
    config: SplitnetConfig;
    tunnel: WgQuickConfig;
    state: StateFile;
    /** Records to write after the steps, keyed like the state file. */
    records: Map<number, BindingRecord>;
  };
}

const errorOf = (error: unknown) =>
  isSplitnetError(error)
    ? { code: error.code, message: error.message }
    : {
        code: 'SPLITNET_ERR_UNEXPECTED',
        message: error instanceof Error ? error.message : String(error),
      };

export function interfaceView(
  config: SplitnetConfig,
  st: InterfaceStatus | undefined,
  now: number = Date.now(),
): InterfaceView {
  const { name, netns } = config.interface;
  const peers = (st?.peers ?? []).map((p) => ({
    publicKey: p.publicKey,
    endpoint: p.endpoint,
    latestHandshake: p.latestHandshake?.toISOString(),
    handshakeAge: p.latestHandshake
      ? Math.max(0, Math.round((now - p.latestHandshake.getTime()) / 1000))
      : undefined,
    transferRx: p.transferRx,
    transferTx: p.transferTx,
  }));
  const max = config.health.handshakeMaxAge;
  return {
    name,
    netns,
    present: st !== undefined,
    managed: st?.managed ?? false,
    up: st?.up ?? false,
    ifindex: st?.ifindex,
    addresses: st?.addresses ?? [],
    routing: st?.routing
      ? {
          present: st.routing.present.map((i) => describeItem(i)),
          missing: st.routing.missing.map((i) => describeItem(i)),
        }
      : undefined,
    peers,
    handshakeStale:
      st !== undefined && !peers.some((p) => p.handshakeAge !== undefined && p.handshakeAge <= max),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');

/** How the running interface differs from the wg-quick file (addresses, peers); empty: same. */
function tunnelDifferences(tunnel: WgQuickConfig, st: InterfaceStatus): string[] {
  const out: string[] = [];
  const peersNow = new Map(st.peers.map((p) => [p.publicKey, p]));
  if (
    !sameSet(
      [...peersNow.keys()],
      tunnel.peers.map((p) => p.publicKey),
    )
  ) {
    out.push('peers differ from the file');
  } else {
    for (const peer of tunnel.peers) {
      const now = peersNow.get(peer.publicKey)!;
      if (!sameSet(now.allowedIPs, peer.allowedIPs)) out.push('AllowedIPs differ from the file');
      // `wg` reports 0 as "off" (undefined); the file may say 0 or nothing for the same thing.
      if ((now.persistentKeepalive || undefined) !== (peer.persistentKeepalive || undefined)) {
        out.push(`PersistentKeepalive is ${now.persistentKeepalive ?? 'off'}`);
      }
    }
  }
  if (st.mtu !== (tunnel.interface.mtu ?? DEFAULT_MTU)) out.push(`MTU is ${st.mtu}`);
  return out;
}

function upCommands(config: SplitnetConfig, tunnel: WgQuickConfig): string[] {
  const { name, table, priority } = config.interface;
  const routing: RoutingItem[] = desiredRouting({
    interfaceName: name,
    addresses: tunnel.interface.addresses,
    table,
    priority,
  });
  return [
    `ip link add dev ${name} type wireguard (or, without the kernel module: wireguard-go ${name})`,
    `wg setconf ${name} <keys and peers of ${config.interface.config}>`,
    `ip link set dev ${name} addrgenmode none`,
    ...tunnel.interface.addresses.map(
      (a) => `ip addr add ${a} dev ${name} noprefixroute${a.includes(':') ? ' nodad' : ''}`,
    ),
    `ip link set dev ${name} mtu ${tunnel.interface.mtu ?? DEFAULT_MTU} up`,
    ...routing.map((i) => describeItem(i)),
  ].map((c) => (config.interface.netns ? `[netns ${config.interface.netns}] ${c}` : c));
}

const recordKey = (app: AppConfig) => bindingKey({ app: 'qbittorrent', via: 'api', url: app.url });

/** Reads the state of the world and lists the steps to reconcile it. Changes nothing. */
export async function plan(config: SplitnetConfig, system: ReconcileSystem): Promise<Plan> {
  const { name } = config.interface;
  const [tunnel, st, state] = await Promise.all([
    system.loadTunnel(),
    system.interfaceStatus(),
    system.readState(),
  ]);
  const steps: PlanStep[] = [];
  const problems: string[] = [];
  const ns = (c: string) => (config.interface.netns ? `[netns ${config.interface.netns}] ${c}` : c);

  if (!st) {
    steps.push({
      id: 'interface',
      kind: 'interface-up',
      description: `bring ${name} up (table off, policy table ${config.interface.table}) from ${config.interface.config}`,
      commands: upCommands(config, tunnel),
    });
  } else if (!st.managed) {
    problems.push(
      `an interface named ${name} exists and splitnet did not create it: remove it (ip link del ${name}) or choose another interface.name`,
    );
  } else {
    if (
      st.routing &&
      (st.routing.table !== config.interface.table ||
        st.routing.priority !== config.interface.priority)
    ) {
      problems.push(
        `${name} is up with table ${st.routing.table} and priority ${st.routing.priority}, the file says ${config.interface.table}/${config.interface.priority}: run splitnet down, then apply`,
      );
    }
    const differences = tunnelDifferences(tunnel, st);
    const addressesChanged = !sameSet(
      st.addresses.map((a) => a.toLowerCase()),
      tunnel.interface.addresses.map((a) => a.toLowerCase()),
    );
    if (differences.length > 0 || addressesChanged) {
      steps.push({
        id: 'interface',
        kind: 'interface-reconfigure',
        description: `reconfigure ${name} in place (same ifindex ${st.ifindex}): ${[...differences, ...(addressesChanged ? ['addresses differ from the file'] : [])].join(', ')}`,
        commands: [ns(`wg syncconf ${name} <keys and peers of ${config.interface.config}>`)],
      });
    }
    if (!st.up) {
      steps.push({
        id: 'link',
        kind: 'link-up',
        description: `set ${name} up (it is administratively down)`,
        commands: [ns(`ip link set dev ${name} up`)],
      });
    }
    const missing = st.routing?.missing ?? [];
    if (missing.length > 0) {
      steps.push({
        id: 'routing',
        kind: 'routing',
        description: `re-add ${missing.length} missing policy routing item${missing.length > 1 ? 's' : ''} of ${name}`,
        commands: missing.map((i) => ns(describeItem(i))),
      });
    }
  }

  let target: BindTarget | undefined;
  if (st?.managed) target = await system.resolveTarget().catch(() => undefined);
  const apps: AppView[] = [];
  const records = new Map<number, BindingRecord>();
  for (const [index, app] of config.apps.entries()) {
    const label = describeApp(app);
    const view: AppView = {
      index,
      adapter: app.adapter,
      label,
      state: 'unknown',
      problems: [],
      warnings: [],
    };
    apps.push(view);
    const record = state.bindings[recordKey(app)];
    let observed: BindingState;
    try {
      const adapter = system.adapter(index, app);
      observed = await adapter.inspect();
      view.observed = observed;
      const setOk = observed.interfaceName === name && observed.address === '';
      if (!setOk) {
        view.state = 'unbound';
        view.problems.push(`bound to ${describeBinding(observed)}, expected ${name}`);
        steps.push({
          id: `apps[${index}].bind`,
          kind: 'app-bind',
          app: index,
          description: `bind ${label} to ${name} (now: ${describeBinding(observed)})`,
          commands: describeAppCalls(app, 'bind', name),
        });
        continue;
      }
      let rebind: string | undefined;
      if (!target) {
        if (steps.some((s) => s.kind === 'interface-up')) {
          rebind = `${name} is about to be created: its sockets must move to the new ifindex`;
        }
      } else {
        const check = await adapter.check(target);
        view.warnings = check.warnings.map((w) => w.message);
        if (check.problems.length > 0) {
          view.problems.push(...check.problems);
          rebind = check.problems.join('; ');
        } else if (record?.ifindex !== undefined && record.ifindex !== target.ifindex) {
          rebind = `${name} was re-created (ifindex ${record.ifindex} → ${target.ifindex})`;
        } else if (record?.ifindex !== target.ifindex) {
          // Bound as configured but not recorded (or recorded without an ifindex): record it.
          records.set(index, {
            ...newRecord(app, name, record?.previous ?? observed),
            ifindex: target.ifindex,
          });
        }
      }
      if (rebind) {
        view.state = 'stale';
        steps.push({
          id: `apps[${index}].rebind`,
          kind: 'app-rebind',
          app: index,
          description: `rebind ${label}: ${rebind}`,
          commands: describeAppCalls(app, 'rebind', name),
        });
      } else {
        view.state = 'bound';
      }
    } catch (error) {
      view.error = errorOf(error);
      problems.push(`${label}: ${view.error.message} (${view.error.code})`);
    }
  }

  return {
    file: config.file,
    interface: interfaceView(config, st),
    apps,
    steps,
    problems,
    internal: { config, tunnel, state, records },
  };
}

export function newRecord(app: AppConfig, name: string, previous: BindingState): BindingRecord {
  return {
    app: 'qbittorrent',
    via: 'api',
    url: app.url,
    interfaceName: name,
    previous,
    boundAt: new Date().toISOString(),
    auth: {
      username: app.username,
      passwordFile: app.passwordFile,
      apiKeyFile: app.apiKeyFile,
      mode: app.auth,
      sockets: app.sockets,
    },
  };
}

export { recordKey };
