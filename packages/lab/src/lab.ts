/**
 * `createLab()`: three fresh namespaces (home, internet, vpn), a real WireGuard server, an IP-echo
 * server and two DNS servers, all named per run and torn down by `destroy()`, on failure during
 * creation, on SIGINT/SIGTERM and at process exit.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@splitnet/core';
import { HOME_ROUTING_TABLE, LAB_ADDRESSES, type LabAddresses } from './addresses.js';
import { registerLiveLab, unregisterLiveLab } from './cleanup.js';
import { createUplinkCounter, type UplinkCounter, type UplinkCounterOptions } from './counters.js';
import {
  type DnsLogEntry,
  type DnsServerRole,
  dnsLogFile,
  dnsmasqArgs,
  readDnsLog,
  waitDnsReady,
} from './dns.js';
import { type EchoLogEntry, echoArgs, echoLogFile, readEchoLog, waitEchoReady } from './echo.js';
import {
  addNamespace,
  buildTopology,
  type LabNamespace,
  labNames,
  listNamespaces,
  NAMESPACE_ROLES,
  newRunId,
  parseNamespace,
} from './namespaces.js';
import { type LabProcess, processStartTime, spawnIn } from './processes.js';
import { type RunOptions, type RunResult, run } from './run.js';
import { type LabState, type RecordedProcess, readState, STATE_DIR, writeState } from './state.js';
import { teardownState, teardownStateSync } from './teardown.js';
import {
  configureVpnServer,
  generateKeyPair,
  homeConfigText,
  startWireguardGo,
} from './vpn-server.js';

/** Steps of {@link createLab}, reported to {@link CreateLabOptions.onStep}. */
export type LabStep = 'namespaces' | 'topology' | 'vpn-server' | 'echo' | 'dns' | 'ready';

export interface CreateLabOptions {
  /** Configure IPv6 everywhere (addresses, routes, tunnel, servers). Default: true. */
  ipv6?: boolean;
  /** Start the two dnsmasq servers (vpn: 10.66.0.1, internet: 198.51.100.53). Default: true. */
  dns?: boolean;
  /** Aborts creation; everything created so far is removed and the abort reason is thrown. */
  signal?: AbortSignal;
  /**
   * Called after each setup step (progress output; tests inject failures by throwing here).
   * A throw rolls everything back and is rethrown by `createLab`.
   */
  onStep?: (step: LabStep, lab: LabIdentity) => void | Promise<void>;
}

/** What {@link CreateLabOptions.onStep} learns about the lab being built. */
export interface LabIdentity {
  id: string;
  ns: Readonly<Record<LabNamespace, string>>;
  workDir: string;
}

/** Options of {@link Lab.spawn}. */
export interface LabSpawnOptions {
  /** Where stdout and stderr go. Default: a file in the lab's work directory. */
  logFile?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** A short name for logs and the state file. Default: the program name. */
  name?: string;
}

/** A running lab. Every name in it is unique to this run. */
export interface Lab {
  /** The run id (5 base36 characters), part of every name below. */
  readonly id: string;
  /** Namespace names: `snlab-<id>-home`, `snlab-<id>-internet`, `snlab-<id>-vpn`. */
  readonly ns: Readonly<Record<LabNamespace, string>>;
  /** Whether IPv6 is configured (the v6 fields of {@link Lab.addresses} are used). */
  readonly ipv6: boolean;
  /** Whether the DNS servers run. */
  readonly dns: boolean;
  readonly addresses: Readonly<LabAddresses>;
  /** The name tests should give the home WireGuard interface: `snh<id>` (not created by the lab). */
  readonly homeInterfaceName: string;
  /** The wireguard-go server interface in the vpn namespace: `snv<id>`. */
  readonly serverInterfaceName: string;
  /** A complete wg-quick file for the home side (Table = off, DNS = 10.66.0.1). */
  readonly homeConfigText: string;
  readonly serverPublicKey: string;
  /** Suggested policy routing table for the home interface (`ip rule add oif <if> table …`). */
  readonly routingTable: number;
  /** Per-run directory for logs (`/run/splitnet-lab/<id>`), removed by `destroy()`. */
  readonly workDir: string;
  /** URL of the echo server, e.g. `http://198.51.100.1/` or `http://[2001:db8:100::1]:8080/x`. */
  echoUrl(family: 4 | 6, path?: string, port?: 80 | 8080): string;
  /** Every request the echo server has answered, oldest first. */
  echoLog(): Promise<EchoLogEntry[]>;
  /** Queries logged by one of the DNS servers, oldest first (empty without `dns`). */
  dnsLog(server: DnsServerRole): Promise<DnsLogEntry[]>;
  /**
   * Runs a program to completion inside a lab namespace (argument array, no shell). `ns` is a
   * role (`'home'`) or this lab's full namespace name (`lab.ns.home`); anything else throws, so a
   * typo never runs a command in the host namespace.
   */
  exec(
    ns: LabNamespace | string,
    file: string,
    args: readonly string[],
    options?: Omit<RunOptions, 'netns'>,
  ): Promise<RunResult>;
  /**
   * Starts a long-running program in a namespace (role or full name, as for `exec`); its PID is
   * recorded and it is ended by that PID on destroy.
   */
  spawn(
    ns: LabNamespace | string,
    file: string,
    args: readonly string[],
    options?: LabSpawnOptions,
  ): Promise<LabProcess>;
  /** Adds an nftables counter on the home uplink's egress. */
  uplinkCounter(options?: UplinkCounterOptions): Promise<UplinkCounter>;
  /** The processes started so far (PID, name, start time), including those already ended. */
  processes(): readonly RecordedProcess[];
  /**
   * Ends every recorded process by PID, deletes this run's WireGuard links, namespaces and
   * control sockets, the work directory and the state file. Idempotent.
   */
  destroy(): Promise<void>;
}

function uniqueRunId(existing: Set<string>): string {
  for (let i = 0; i < 20; i++) {
    const id = newRunId();
    if (!existing.has(id) && !readState(id)) return id;
  }
  throw new Error('[splitnet] [lab] could not find an unused run id');
}

/**
 * Creates a lab. Needs root, `ip`, `wg`, `wireguard-go`, `nft` (and `dnsmasq` with `dns`); check
 * with {@link labAvailable} first.
 *
 * @example
 * ```ts
 * const lab = await createLab();
 * try {
 *   const { stdout } = await lab.exec('home', 'curl', ['-s', lab.echoUrl(4)]);
 *   console.log(stdout); // 192.0.2.2
 * } finally {
 *   await lab.destroy();
 * }
 * ```
 */
export async function createLab(options: CreateLabOptions = {}): Promise<Lab> {
  const ipv6 = options.ipv6 ?? true;
  const dns = options.dns ?? true;
  const { signal } = options;
  signal?.throwIfAborted();

  const taken = new Set(
    (await listNamespaces()).map((n) => parseNamespace(n)?.id).filter((x) => x !== undefined),
  );
  const id = uniqueRunId(taken);
  const names = labNames(id);
  const workDir = join(STATE_DIR, id);
  const state: LabState = {
    version: 1,
    id,
    ownerPid: process.pid,
    ownerStart: processStartTime(process.pid),
    createdAt: new Date().toISOString(),
    namespaces: NAMESPACE_ROLES.map((role) => names.ns[role]),
    wgNames: [names.serverInterface, names.homeInterface],
    processes: [],
    workDir,
  };
  writeState(state);
  mkdirSync(workDir, { recursive: true, mode: 0o700 });

  const handles: LabProcess[] = [];
  let destroying: Promise<void> | undefined;
  let destroyed = false;
  const destroy = () => {
    destroying ??= (async () => {
      try {
        await Promise.allSettled(handles.map((p) => p.stop()));
        await teardownState(state);
        destroyed = true;
      } finally {
        unregisterLiveLab(id);
      }
    })();
    return destroying;
  };
  registerLiveLab(id, {
    destroy,
    destroySync: () => {
      if (!destroyed) teardownStateSync(state);
    },
  });

  const record = (rec: RecordedProcess, proc: LabProcess) => {
    state.processes.push(rec);
    handles.push(proc);
    writeState(state);
  };
  let logCount = 0;
  /** Role or full name → this lab's namespace name; throws for anything else. */
  const nsName = (ns: LabNamespace | string): string => {
    if (Object.hasOwn(names.ns, ns)) return names.ns[ns as LabNamespace];
    if (Object.values(names.ns).includes(ns)) return ns;
    throw new ConfigError(
      `[lab] ${JSON.stringify(ns)} is not a namespace of lab ${id} (use 'home', 'internet', 'vpn' or lab.ns.*)`,
    );
  };
  const spawnRecorded = async (
    ns: LabNamespace | string,
    file: string,
    args: readonly string[],
    opts: LabSpawnOptions = {},
  ): Promise<LabProcess> => {
    if (destroying) throw new Error(`[splitnet] [lab] lab ${id} is destroyed`);
    const name = opts.name ?? file.split('/').pop() ?? file;
    logCount += 1;
    const logFile =
      opts.logFile ?? join(workDir, `${logCount}-${name.replace(/[^\w.-]+/g, '_')}.log`);
    const { process: proc, record: rec } = await spawnIn(nsName(ns), file, args, {
      name,
      logFile,
      env: opts.env,
    });
    record(rec, proc);
    return proc;
  };

  const step = async (s: LabStep) => {
    signal?.throwIfAborted();
    await options.onStep?.(s, { id, ns: names.ns, workDir });
  };

  let serverPublicKey: string;
  let configText: string;
  try {
    for (const role of NAMESPACE_ROLES) await addNamespace(names.ns[role], signal);
    await step('namespaces');

    await buildTopology(names, { ipv6, signal });
    await step('topology');

    const server = await generateKeyPair(signal);
    const home = await generateKeyPair(signal);
    await startWireguardGo(
      names.ns.vpn,
      names.serverInterface,
      join(workDir, `wireguard-go-${names.serverInterface}.log`),
      record,
      signal,
    );
    await configureVpnServer(names, { server, home, ipv6, workDir }, signal);
    serverPublicKey = server.publicKey;
    configText = homeConfigText({ server, home, ipv6, workDir });
    await step('vpn-server');

    const echo = await spawnRecorded(
      'internet',
      process.execPath,
      echoArgs(echoLogFile(workDir), [LAB_ADDRESSES.echo4, ...(ipv6 ? [LAB_ADDRESSES.echo6] : [])]),
      { name: 'echo-server' },
    );
    await waitEchoReady(echo, signal);
    await step('echo');

    if (dns) {
      for (const role of ['vpn', 'internet'] as const) {
        const proc = await spawnRecorded(role, 'dnsmasq', dnsmasqArgs(role, workDir, ipv6), {
          name: `dnsmasq-${role}`,
        });
        await waitDnsReady(proc, names.ns[role], role, signal);
      }
      await step('dns');
    }
    await step('ready');
  } catch (error) {
    await destroy().catch(() => {
      // the original error matters more; the stale sweep removes what is left
    });
    throw signal?.aborted ? signal.reason : error;
  }

  const lab: Lab = {
    id,
    ns: Object.freeze({ ...names.ns }),
    ipv6,
    dns,
    addresses: LAB_ADDRESSES,
    homeInterfaceName: names.homeInterface,
    serverInterfaceName: names.serverInterface,
    homeConfigText: configText,
    serverPublicKey,
    routingTable: HOME_ROUTING_TABLE,
    workDir,
    echoUrl(family, path = '/', port = 80) {
      const host = family === 6 ? `[${LAB_ADDRESSES.echo6}]` : LAB_ADDRESSES.echo4;
      const suffix = path.startsWith('/') ? path : `/${path}`;
      return `http://${host}${port === 80 ? '' : `:${port}`}${suffix}`;
    },
    echoLog: () => readEchoLog(echoLogFile(workDir)),
    dnsLog: (server) => readDnsLog(dnsLogFile(workDir, server)),
    exec: async (ns, file, args, opts = {}) => run(file, args, { ...opts, netns: nsName(ns) }),
    spawn: spawnRecorded,
    uplinkCounter: (opts) => createUplinkCounter(names.ns.home, opts),
    processes: () => [...state.processes],
    destroy,
  };
  return lab;
}
