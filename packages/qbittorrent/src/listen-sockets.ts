/**
 * Reads qBittorrent's peer listen sockets with `ss` and tells whether they are tied to the live
 * interface. libtorrent keeps a device-bound socket on the ifindex it was opened on: after the
 * interface is deleted and re-created, `ss` shows `10.66.0.2%if7:16881` (a dead index, no name)
 * instead of `10.66.0.2%wg0:16881`, and incoming peers are refused until the socket is re-opened.
 *
 * @example
 * ```ts
 * const sockets = await listenSockets(16881); // [{ proto: 'tcp', address: '10.66.0.2', device: 'wg0', port: 16881 }]
 * ```
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CommandError, MissingToolError } from '@splitnet/core';

const execFileAsync = promisify(execFile);

// TODO(core): use core's run() once @splitnet/core exports it; this is the same contract
// (argument array, optional namespace, timeout, signal, typed errors).
async function runSs(args: string[], netns: string | undefined, signal: AbortSignal | undefined) {
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, 'ss', ...args]] : ['ss', args];
  try {
    return await execFileAsync(file, argv, { timeout: 10_000, signal, encoding: 'utf8' });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; code?: string | number };
    if (e.code === 'ENOENT')
      throw new MissingToolError('ss', 'install iproute2 (apt-get install iproute2)');
    throw new CommandError(
      `${[file, ...argv].join(' ')} failed: ${String(e.stderr ?? e.message).trim()}`,
      {
        command: [file, ...argv],
        exitCode: typeof e.code === 'number' ? e.code : undefined,
        stderr: String(e.stderr ?? ''),
      },
      { cause: error },
    );
  }
}

export interface ListenSocket {
  proto: 'tcp' | 'udp';
  /** Local address without brackets; `*` or `0.0.0.0`/`::` when unspecified. */
  address: string;
  /** The device the socket is bound to as `ss` prints it (`wg0`, `if7` for a dead index), or undefined. */
  device: string | undefined;
  port: number;
  /** The owning process name, when `ss -p` could see it. */
  process: string | undefined;
}

/** Parses one `ss -H -l -n -t -u -p` line. */
export function parseSsLine(line: string): ListenSocket | undefined {
  const cols = line.trim().split(/\s+/);
  const proto = cols[0];
  if (proto !== 'tcp' && proto !== 'udp') return undefined;
  const local = cols[4];
  if (!local) return undefined;
  const colon = local.lastIndexOf(':');
  const port = Number.parseInt(local.slice(colon + 1), 10);
  let host = local.slice(0, colon);
  let device: string | undefined;
  const close = host.lastIndexOf(']');
  const pct = host.indexOf('%', close === -1 ? 0 : close);
  if (pct !== -1) {
    device = host.slice(pct + 1);
    host = host.slice(0, pct);
  }
  host = host.replace(/^\[|\]$/g, '');
  const proc = /users:\(\("([^"]+)"/.exec(line)?.[1];
  return { proto, address: host, device, port, process: proc };
}

export interface ListenSocketsOptions {
  /** Run `ss` in this network namespace. Default: the caller's. */
  netns?: string | undefined;
  /** Keep only sockets of processes whose name contains this (when `ss` can see owners). */
  processName?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** TCP and UDP sockets listening on `port` (owned by qBittorrent when `ss -p` can tell). */
export async function listenSockets(
  port: number,
  options: ListenSocketsOptions = {},
): Promise<ListenSocket[]> {
  const { stdout } = await runSs(
    ['-H', '-l', '-n', '-t', '-u', '-p', 'sport', '=', `:${port}`],
    options.netns,
    options.signal,
  );
  const all = stdout
    .split('\n')
    .map(parseSsLine)
    .filter((s): s is ListenSocket => s !== undefined && s.port === port);
  const name = options.processName ?? 'qbittorrent';
  const owned = all.filter((s) => s.process?.includes(name));
  return all.some((s) => s.process !== undefined) ? owned : all;
}

/** Problems with the sockets for a device binding to `interfaceName` (empty = all on it). */
export function socketProblems(
  sockets: readonly ListenSocket[],
  interfaceName: string,
  port: number,
): string[] {
  if (sockets.length === 0) {
    return [
      `no listen socket on port ${port}: qBittorrent is not listening (the interface has no address, or this process is not in qBittorrent's network namespace)`,
    ];
  }
  return sockets
    .filter((s) => s.device !== interfaceName)
    .map((s) =>
      s.device && /^if\d+$/.test(s.device)
        ? `${s.proto} listen socket ${s.address}:${s.port} is still on the deleted interface (ifindex ${s.device.slice(2)}): run rebind`
        : `${s.proto} listen socket ${s.address}:${s.port} is bound to ${s.device ?? 'no device'}, not ${interfaceName}`,
    );
}
