/**
 * `status()`: what an interface looks like right now, read from the kernel and `wg show dump`
 * (never from what splitnet believes it did). No secret is read out.
 *
 * @example
 * ```ts
 * const s = await status('wg0');
 * console.log(s.ifindex, s.up, s.peers[0]?.latestHandshake);
 * ```
 */
import { assertInterfaceName } from '../config/index.js';
import { InterfaceNotFoundError } from '../errors.js';
import { getAddresses, getLink, isLinkUp } from '../routing/ip.js';
import { inspectRouting, type RoutingItem } from '../routing/policy-routing.js';
import { type Implementation, readRecord } from './state.js';
import { type PeerStatus, wgDump } from './wg.js';

export interface InterfaceStatus {
  name: string;
  netns: string | undefined;
  ifindex: number;
  /** Administrative state (the link is set up). */
  up: boolean;
  mtu: number;
  /** Global addresses, CIDR. */
  addresses: string[];
  implementation: Implementation;
  /** The wireguard-go process, when userspace. */
  pid: number | undefined;
  /** True when splitnet brought it up (and so manages its routing). */
  managed: boolean;
  publicKey: string;
  listenPort: number;
  fwMark: number | undefined;
  peers: PeerStatus[];
  /** The policy routing splitnet keeps for it, when managed. */
  routing:
    | { table: number; priority: number; present: RoutingItem[]; missing: RoutingItem[] }
    | undefined;
}

export async function status(
  name: string,
  options: { netns?: string | undefined; signal?: AbortSignal | undefined } = {},
): Promise<InterfaceStatus> {
  assertInterfaceName(name);
  const link = await getLink(name, options);
  if (!link) {
    throw new InterfaceNotFoundError(
      name,
      `there is no interface named ${name}${options.netns ? ` in ${options.netns}` : ''}; bring it up first (splitnet up)`,
    );
  }
  const record = await readRecord(name, options.netns);
  const managed = record !== undefined && record.ifindex === link.ifindex;
  const spec = managed
    ? {
        interfaceName: name,
        addresses: record.addresses,
        table: record.table,
        priority: record.priority,
      }
    : undefined;
  const [addresses, dump, routingState] = await Promise.all([
    getAddresses(name, options),
    wgDump(name, { ...options, userspace: link.kind !== 'wireguard' }),
    spec ? inspectRouting(spec, options) : undefined,
  ]);
  const routing =
    managed && routingState
      ? { table: record.table, priority: record.priority, ...routingState }
      : undefined;
  return {
    name,
    netns: options.netns,
    ifindex: link.ifindex,
    up: isLinkUp(link),
    mtu: link.mtu,
    addresses,
    implementation: link.kind === 'wireguard' ? 'kernel' : 'wireguard-go',
    pid: managed ? record.pid : undefined,
    managed,
    publicKey: dump.publicKey,
    listenPort: dump.listenPort,
    fwMark: dump.fwMark,
    peers: dump.peers,
    routing,
  };
}
