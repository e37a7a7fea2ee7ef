/**
 * The interface lifecycle: `up()`, `reconfigure()`, `down()`.
 *
 * `up()` creates a table-off WireGuard interface (kernel module, else wireguard-go), configures
 * keys and peers through stdin, adds addresses without prefix routes (the main table stays
 * byte-for-byte as it was), sets the MTU, brings the link up and installs splitnet's policy table
 * and rules. Any failure rolls back every step already done. `reconfigure()` changes keys, peers
 * and addresses in place: the ifindex, which every bound socket holds, never changes. `down()`
 * removes exactly what `up()` added.
 *
 * @example
 * ```ts
 * import { loadConfigFile, up, down } from '@splitnet/core';
 * const { config } = await loadConfigFile('/etc/wireguard/wg0.conf');
 * const iface = await up(config, { name: 'wg0' });
 * console.log(iface.ifindex, iface.implementation);
 * await down('wg0');
 * ```
 */
import {
  assertInterfaceName,
  toWgSetconf,
  validateConfig,
  type WgQuickConfig,
} from '../config/index.js';
import { InterfaceError, InterfaceNotFoundError } from '../errors.js';
import { run } from '../exec.js';
import {
  getAddresses,
  getLink,
  type IpOptions,
  ip,
  ipBatch,
  ipTry,
  parseLinks,
} from '../routing/ip.js';
import {
  assertTableFree,
  DEFAULT_RULE_PRIORITY,
  DEFAULT_TABLE,
  desiredRouting,
  ensureRouting,
  familyOf,
  type PolicyRoutingSpec,
  type RoutingReport,
  readRouting,
  removeRouting,
  removeRoutingItems,
} from '../routing/policy-routing.js';
import {
  createLink,
  deleteLink,
  type ImplementationChoice,
  stopProcess,
} from './implementation.js';
import {
  type Implementation,
  type InterfaceRecord,
  readRecord,
  removeRecord,
  writeRecord,
} from './state.js';
import { type WgDump, wgApply, wgDump } from './wg.js';

/** What `wg syncconf` can change, without counters and handshake times. */
function peerSignature(dump: WgDump): string {
  return JSON.stringify([
    dump.publicKey,
    dump.listenPort,
    dump.fwMark,
    dump.peers.map((p) => [
      p.publicKey,
      p.hasPresharedKey,
      p.endpoint,
      p.allowedIPs,
      p.persistentKeepalive,
    ]),
  ]);
}

/** Default MTU, as wg-quick's when it cannot work one out. */
export const DEFAULT_MTU = 1420;

/** The steps of `up()`, in order, as reported to `onStep`. */
export type UpStep =
  | 'pre-up'
  | 'create-link'
  | 'configure-keys'
  | 'configure-link'
  | 'routing'
  | 'post-up';

export interface InterfaceOptions {
  /** Network namespace to work in (an `ip netns` name). Default: the caller's. */
  netns?: string | undefined;
  /** Cancels the operation; a cancelled `up()` rolls back. */
  signal?: AbortSignal | undefined;
}

export interface UpOptions extends InterfaceOptions {
  /** Interface name: at most 15 bytes, no `/`, whitespace or leading `-`. */
  name: string;
  /** Policy table for the interface's routes. Default: 51820. */
  table?: number | undefined;
  /** Priority of the `oif` rules (`from` rules use the next number). Default: 10000. */
  priority?: number | undefined;
  /** `auto` (default): the kernel module if it works, else wireguard-go. */
  implementation?: ImplementationChoice | undefined;
  /** Run the file's PreUp/PostUp (and later PreDown/PostDown) hooks. Default: false. */
  runHooks?: boolean | undefined;
  /** Called before each step; progress for people, and a throw here rolls back like any failure. */
  onStep?: ((step: UpStep) => void | Promise<void>) | undefined;
}

/** What `up()` and `reconfigure()` leave behind. `status()` reads peers and handshakes. */
export interface UpResult {
  name: string;
  netns: string | undefined;
  /** The kernel's index of the interface: what every bound socket holds. */
  ifindex: number;
  implementation: Implementation;
  /** The wireguard-go process, when userspace. */
  pid: number | undefined;
  addresses: string[];
  mtu: number;
  /** Policy table and `oif` rule priority. */
  table: number;
  priority: number;
  /** False when the interface was already up as asked (up twice is a no-op). */
  changed: boolean;
}

function result(record: InterfaceRecord, changed: boolean): UpResult {
  const { name, netns, ifindex, implementation, pid, addresses, mtu, table, priority } = record;
  return { name, netns, ifindex, implementation, pid, addresses, mtu, table, priority, changed };
}

function hookCommand(command: string, name: string): string {
  return command.replaceAll('%i', name);
}

async function runHooks(commands: readonly string[], name: string, options: InterfaceOptions) {
  for (const command of commands) {
    await run('bash', ['-c', hookCommand(command, name)], {
      netns: options.netns,
      signal: options.signal,
    });
  }
}

function addressArgs(cidr: string, action: 'add' | 'del', name: string): string[] {
  const extra =
    action === 'add' ? (familyOf(cidr) === 6 ? ['noprefixroute', 'nodad'] : ['noprefixroute']) : [];
  return ['addr', action, cidr, 'dev', name, ...extra];
}

function routingSpec(
  record: Pick<InterfaceRecord, 'name' | 'addresses' | 'table' | 'priority'>,
): PolicyRoutingSpec {
  return {
    interfaceName: record.name,
    addresses: record.addresses,
    table: record.table,
    priority: record.priority,
  };
}

/**
 * Brings a table-off WireGuard interface up. Idempotent: when the interface is already up under
 * splitnet with this configuration, nothing changes; with another configuration, it is
 * reconfigured in place.
 */
export async function up(input: WgQuickConfig, options: UpOptions): Promise<UpResult> {
  const config = validateConfig(input);
  const { name, netns, signal } = options;
  assertInterfaceName(name);
  const ipOptions: IpOptions = { netns, signal };
  const table = options.table ?? DEFAULT_TABLE;
  const priority = options.priority ?? DEFAULT_RULE_PRIORITY;

  // The routing snapshot is read alongside (for a fresh interface it is needed next; for an
  // existing one it is one wasted read, run in parallel).
  const [existing, link, snapshot] = await Promise.all([
    readRecord(name, netns),
    getLink(name, ipOptions),
    readRouting(table, ipOptions),
  ]);
  if (existing && link && link.ifindex === existing.ifindex) {
    if (existing.table !== table || existing.priority !== priority) {
      throw new InterfaceError(
        name,
        `${name} is already up with table ${existing.table} and priority ${existing.priority}; take it down first to change them`,
      );
    }
    const { record, changed } = await reconfigureRecord(existing, config, ipOptions);
    return result(record, changed);
  }
  if (link) {
    throw new InterfaceError(
      name,
      `an interface named ${name} already exists${netns ? ` in ${netns}` : ''} and splitnet did not create it; remove it (ip link del ${name}) or choose another name`,
    );
  }
  if (existing) await removeRecord(name, netns); // stale: its link is gone

  const addresses = [...config.interface.addresses];
  const spec: PolicyRoutingSpec = { interfaceName: name, addresses, table, priority };
  await assertTableFree(spec, { ...ipOptions, snapshot });

  const undo: Array<() => Promise<unknown>> = [];
  let record: InterfaceRecord;
  const step = async (s: UpStep) => {
    signal?.throwIfAborted();
    await options.onStep?.(s);
  };
  try {
    if (options.runHooks) {
      await step('pre-up');
      await runHooks(config.interface.preUp, name, options);
    }
    await step('create-link');
    const created = await createLink(name, {
      ...ipOptions,
      implementation: options.implementation,
    });
    undo.push(() => deleteLink(name, created, ipOptions));

    await step('configure-keys');
    // Keep IPv6 addresses across link down/up, as IPv4 ones are kept. It runs alongside the
    // next steps (it only needs the link to exist) and is awaited before up() returns.
    const keepAddresses = run('sysctl', ['-qw', `net/ipv6/conf/${name}/keep_addr_on_down=1`], {
      netns,
      reject: false,
    });
    await wgApply('setconf', name, toWgSetconf(config), {
      netns,
      signal,
      userspace: created.implementation === 'wireguard-go',
    });

    await step('configure-link');
    const mtu = config.interface.mtu ?? DEFAULT_MTU;
    const { stdout } = await ipBatch(
      undefined,
      [
        // No IPv6 link-local address: it would put an fe80::/64 route into the main table.
        ['link', 'set', 'dev', name, 'addrgenmode', 'none'],
        ...addresses.map((cidr) => addressArgs(cidr, 'add', name)),
        ['link', 'set', 'dev', name, 'mtu', String(mtu), 'up'],
        ['link', 'show', 'dev', name],
      ],
      { ...ipOptions, json: true, details: true },
    );
    const after = parseLinks(stdout)[0];
    if (!after)
      throw new InterfaceNotFoundError(name, `${name} vanished while it was being brought up`);

    await step('routing');
    const { added } = await ensureRouting(spec, { ...ipOptions, snapshot, link: after });
    undo.push(() => removeRoutingItems(added, ipOptions));
    await keepAddresses;

    record = {
      version: 1,
      name,
      netns,
      implementation: created.implementation,
      pid: created.pid,
      ifindex: after.ifindex,
      table,
      priority,
      addresses,
      mtu,
      hooks: options.runHooks
        ? { preDown: config.interface.preDown, postDown: config.interface.postDown }
        : undefined,
      createdAt: new Date().toISOString(),
    };
    await writeRecord(record);
    undo.push(() => removeRecord(name, netns));

    if (options.runHooks) {
      await step('post-up');
      await runHooks(config.interface.postUp, name, options);
    }
  } catch (error) {
    for (const fn of undo.reverse()) await fn().catch(() => {});
    throw error;
  }
  return result(record, true);
}

/** Applies `config` to a managed interface in place; true when anything changed. */
async function reconfigureRecord(
  record: InterfaceRecord,
  config: WgQuickConfig,
  options: IpOptions,
): Promise<{ record: InterfaceRecord; changed: boolean }> {
  const { name, netns } = record;
  const wgOptions = {
    netns,
    signal: options.signal,
    userspace: record.implementation === 'wireguard-go',
  };
  const current = await wgDump(name, wgOptions);
  const before = peerSignature(current);
  // Without ListenPort, wg would pick a new random port on every sync: keep the one in use.
  const wanted =
    config.interface.listenPort === undefined
      ? { ...config, interface: { ...config.interface, listenPort: current.listenPort } }
      : config;
  await wgApply('syncconf', name, toWgSetconf(wanted), wgOptions);
  let changed = peerSignature(await wgDump(name, wgOptions)) !== before;

  const next = [...config.interface.addresses];
  const removed = record.addresses.filter((a) => !next.includes(a));
  const added = next.filter((a) => !record.addresses.includes(a));
  if (removed.length > 0) {
    // The `from` rules of removed addresses go with them.
    const gone = { ...routingSpec(record), addresses: removed };
    const fromRules = desiredRouting(gone).filter((item) => item.kind === 'rule' && 'from' in item);
    await removeRoutingItems(fromRules, options);
  }
  for (const cidr of removed) await ipTry(addressArgs(cidr, 'del', name), options);
  for (const cidr of added) await ip(addressArgs(cidr, 'add', name), options);

  const mtu = config.interface.mtu ?? DEFAULT_MTU;
  const link = await getLink(name, options);
  if (link && link.mtu !== mtu) {
    await ip(['link', 'set', 'dev', name, 'mtu', String(mtu)], options);
    changed = true;
  }
  const updated = { ...record, addresses: next, mtu };
  const report = await ensureRouting(routingSpec(updated), options);
  changed ||= removed.length > 0 || added.length > 0 || report.added.length > 0;
  if (changed) await writeRecord(updated);
  return { record: updated, changed };
}

/**
 * Changes keys, peers, addresses and MTU of a managed interface in place (`wg syncconf`
 * semantics): existing sessions of unchanged peers survive, and the ifindex stays the same.
 */
export async function reconfigure(
  name: string,
  input: WgQuickConfig,
  options: InterfaceOptions = {},
): Promise<UpResult> {
  const config = validateConfig(input);
  const { record, changed } = await reconfigureRecord(
    await requireRecord(name, options),
    config,
    options,
  );
  return result(record, changed);
}

async function requireRecord(name: string, options: InterfaceOptions): Promise<InterfaceRecord> {
  assertInterfaceName(name);
  const record = await readRecord(name, options.netns);
  const link = await getLink(name, options);
  if (!record || !link || link.ifindex !== record.ifindex) {
    throw new InterfaceNotFoundError(
      name,
      `${name}${options.netns ? ` in ${options.netns}` : ''} is not up under splitnet; bring it up with up() (splitnet up) first`,
    );
  }
  return record;
}

export interface EnsureReport extends RoutingReport {
  /** Addresses that were missing and have been added back. */
  addresses: string[];
}

/**
 * Re-adds what the kernel took away from a managed interface: its addresses (should IPv6 ones be
 * flushed on link down) and any policy route or rule. The kernel flushes `dev` routes when a link
 * goes down and refuses them while it is down, so those come back only once it is up
 * (`deferred` lists them until then). The reconcile loop calls this on every link event.
 */
export async function ensureInterface(
  name: string,
  options: InterfaceOptions = {},
): Promise<EnsureReport> {
  const record = await requireRecord(name, options);
  const present = await getAddresses(name, options);
  const missing = record.addresses.filter((a) => !present.includes(a));
  for (const cidr of missing) await ip(addressArgs(cidr, 'add', name), options);
  const report = await ensureRouting(routingSpec(record), options);
  return { ...report, addresses: missing };
}

export interface DownResult {
  /** False when there was nothing to take down. */
  changed: boolean;
}

/**
 * Removes exactly what `up()` added: its rules and routes, the addresses and the link (and ends
 * its wireguard-go by PID). Taking down an interface that is not there is a no-op.
 */
export async function down(name: string, options: InterfaceOptions = {}): Promise<DownResult> {
  assertInterfaceName(name);
  const { netns } = options;
  const [record, link] = await Promise.all([readRecord(name, netns), getLink(name, options)]);
  if (!record) {
    if (link) {
      throw new InterfaceError(
        name,
        `${name} was not brought up by splitnet; it is left alone (remove it with ip link del ${name})`,
      );
    }
    return { changed: false };
  }
  if (record.hooks) await runHooks(record.hooks.preDown, name, options);
  const ours = link !== undefined && link.ifindex === record.ifindex;
  await Promise.all([
    removeRouting(routingSpec(record), options),
    ours
      ? deleteLink(name, { implementation: record.implementation, pid: record.pid }, options)
      : // Our link was deleted behind our back (any link by this name now is not ours): make
        // sure its wireguard-go is gone.
        record.pid !== undefined && stopProcess(record.pid, name),
  ]);
  await removeRecord(name, netns);
  if (record.hooks) await runHooks(record.hooks.postDown, name, options);
  return { changed: true };
}
