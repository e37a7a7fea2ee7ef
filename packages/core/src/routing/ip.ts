/**
 * Thin typed access to `ip` (iproute2) for one network namespace: JSON reads and argument-array
 * writes, all through the shared command runner.
 */
import { CommandError } from '../errors.js';
import { type RunOptions, run } from '../exec.js';

export interface IpOptions {
  /** Network namespace (by `ip netns` name). Default: the caller's. */
  netns?: string | undefined;
  signal?: AbortSignal | undefined;
}

function nsArgs(options: IpOptions): string[] {
  return options.netns ? ['-n', options.netns] : [];
}

/** Runs `ip [-n ns] …args` and returns stdout. */
export async function ip(
  args: readonly string[],
  options: IpOptions & Pick<RunOptions, 'reject' | 'input'> = {},
): Promise<string> {
  const result = await run('ip', [...nsArgs(options), ...args], {
    signal: options.signal,
    reject: options.reject,
    input: options.input,
  });
  return result.stdout;
}

/** Runs `ip [-n ns] …args`; true when it succeeded (for deletes of what may be gone already). */
export async function ipTry(args: readonly string[], options: IpOptions = {}): Promise<boolean> {
  const result = await run('ip', [...nsArgs(options), ...args], {
    signal: options.signal,
    reject: false,
  });
  return result.exitCode === 0;
}

/** Runs `ip -j …args` and parses the JSON array (an absent FIB table reads as empty). */
export async function ipJson<T = Record<string, unknown>>(
  args: readonly string[],
  options: IpOptions = {},
): Promise<T[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('ip', [...nsArgs(options), '-j', ...args], { signal: options.signal }));
  } catch (error) {
    if (CommandError.is(error) && /does not exist|Cannot find device/i.test(error.stderr))
      return [];
    throw error;
  }
  const text = stdout.trim();
  return text ? (JSON.parse(text) as T[]) : [];
}

export interface LinkInfo {
  ifindex: number;
  ifname: string;
  mtu: number;
  flags: string[];
  operstate: string;
  /** `wireguard` for the kernel module, `tun` for wireguard-go, and so on. */
  kind: string | undefined;
}

interface LinkJson {
  ifindex: number;
  ifname: string;
  mtu: number;
  flags?: string[];
  operstate: string;
  linkinfo?: { info_kind?: string };
}

function toLinkInfo(link: LinkJson): LinkInfo {
  return {
    ifindex: link.ifindex,
    ifname: link.ifname,
    mtu: link.mtu,
    flags: link.flags ?? [],
    operstate: link.operstate,
    kind: link.linkinfo?.info_kind,
  };
}

/** The links in `ip -j -d link show` output (also as the last command of an `ip -j -batch`). */
export function parseLinks(stdout: string): LinkInfo[] {
  return parseJsonLines<LinkJson>(stdout)
    .flat()
    .filter((l) => 'ifindex' in l)
    .map(toLinkInfo);
}

/** The link, or undefined when there is none by that name. */
export async function getLink(
  name: string,
  options: IpOptions = {},
): Promise<LinkInfo | undefined> {
  const [link] = await ipJson<LinkJson>(['-d', 'link', 'show', 'dev', name], options);
  return link ? toLinkInfo(link) : undefined;
}

export function isLinkUp(link: LinkInfo): boolean {
  return link.flags.includes('UP');
}

/** Addresses on a link as CIDR strings (global and site scope; link-local left out). */
export async function getAddresses(name: string, options: IpOptions = {}): Promise<string[]> {
  const [entry] = await ipJson<{
    addr_info?: Array<{ local: string; prefixlen: number; scope: string }>;
  }>(['addr', 'show', 'dev', name], options);
  return (entry?.addr_info ?? [])
    .filter((a) => a.scope !== 'link' && a.scope !== 'host')
    .map((a) => `${a.local}/${a.prefixlen}`);
}

/**
 * Runs several `ip` commands in one process (`ip -batch -`), for one family. With `force`, a
 * failing line does not stop the rest (deletes of what is already gone). Returns stdout.
 */
export async function ipBatch(
  family: 4 | 6 | undefined,
  lines: readonly (readonly string[])[],
  options: IpOptions & {
    force?: boolean;
    json?: boolean;
    details?: boolean;
    reject?: boolean;
  } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  if (lines.length === 0) return { stdout: '', stderr: '', exitCode: 0 };
  const args = [
    ...nsArgs(options),
    ...(family ? [`-${family}`] : []),
    ...(options.json ? ['-j'] : []),
    ...(options.details ? ['-d'] : []),
    ...(options.force ? ['-force'] : []),
    '-batch',
    '-',
  ];
  const result = await run('ip', args, {
    signal: options.signal,
    input: `${lines.map((l) => l.join(' ')).join('\n')}\n`,
    reject: options.reject,
  });
  return result;
}

/** Parses the concatenated JSON arrays that `ip -j -batch` prints, one per command. */
export function parseJsonLines<T>(stdout: string): T[][] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('['))
    .map((line) => JSON.parse(line) as T[]);
}
