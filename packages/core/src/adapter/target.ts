/**
 * Builds a {@link BindTarget} from a live interface (`ip -j addr show dev <name>`) or from what
 * `up()` returned.
 *
 * @example
 * ```ts
 * import { resolveBindTarget } from '@splitnet/core';
 * const target = await resolveBindTarget('wg0'); // { interfaceName: 'wg0', ifindex: 7, addresses: ['10.66.0.2'], mode: 'device' }
 * ```
 */
import { InterfaceNotFoundError } from '../errors.js';
import { run } from '../exec.js';
import { type BindMode, type BindTarget, bindTarget, parseInterfaceName } from './contract.js';

export interface ResolveBindTargetOptions {
  /** Look the interface up in this network namespace. Default: the caller's. */
  netns?: string | undefined;
  /** Bind by device or by address. Default: `device`. */
  mode?: BindMode | undefined;
  /** Include IPv6 link-local (`fe80::/10`) addresses. Default: false. */
  linkLocal?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

interface IpAddrJson {
  ifindex?: number;
  ifname?: string;
  addr_info?: { family?: string; local?: string; scope?: string }[];
}

/** Strips a prefix length and a zone: `10.66.0.2/32` → `10.66.0.2`, `fe80::1%wg0` → `fe80::1`. */
export function plainAddress(address: string): string {
  return address.split('/')[0]!.split('%')[0]!;
}

/** Reads the interface's index and addresses now. Missing → {@link InterfaceNotFoundError}. */
export async function resolveBindTarget(
  interfaceName: string,
  options: ResolveBindTargetOptions = {},
): Promise<BindTarget> {
  const name = parseInterfaceName(interfaceName);
  const result = await run('ip', ['-j', 'addr', 'show', 'dev', name], {
    netns: options.netns,
    signal: options.signal,
    timeout: 10_000,
    reject: false,
  });
  if (result.exitCode !== 0) {
    if (/does not exist|Cannot find device/i.test(result.stderr)) {
      const where = options.netns ? ` in namespace ${options.netns}` : '';
      throw new InterfaceNotFoundError(
        name,
        `interface ${name} does not exist${where}: bring it up first (splitnet up / wg-quick up)`,
      );
    }
    throw new InterfaceNotFoundError(
      name,
      `could not read interface ${name}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
    );
  }
  const links = JSON.parse(result.stdout || '[]') as IpAddrJson[];
  const link = links.find((l) => l.ifname === name) ?? links[0];
  if (!link?.ifindex) {
    throw new InterfaceNotFoundError(name, `interface ${name} does not exist`);
  }
  const addresses = (link.addr_info ?? [])
    .filter((a) => a.local && (options.linkLocal || a.scope !== 'link'))
    .map((a) => a.local!);
  return bindTarget({
    interfaceName: name,
    ifindex: link.ifindex,
    addresses,
    mode: options.mode ?? 'device',
  });
}

/** Builds a target from an interface description such as the one `up()` returns. */
export function targetFromInterface(
  iface: {
    name: string;
    ifindex: number;
    addresses?: readonly (string | { address: string })[] | undefined;
  },
  mode: BindMode = 'device',
): BindTarget {
  return bindTarget({
    interfaceName: iface.name,
    ifindex: iface.ifindex,
    addresses: (iface.addresses ?? []).map((a) =>
      plainAddress(typeof a === 'string' ? a : a.address),
    ),
    mode,
  });
}
