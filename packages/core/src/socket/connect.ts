/**
 * `createBoundSocket()`: a connected TCP `net.Socket` whose fd is bound to a network interface
 * (`SO_BINDTODEVICE`), so its traffic can only leave through that interface. Host names are
 * resolved through the tunnel, then attempts race across families (RFC 8305 style), each on its
 * own bound fd. Every connect has a timeout and honours an `AbortSignal`.
 *
 * @example
 * ```ts
 * const socket = await createBoundSocket('wg0', { host: 'example.com', port: 80, dns: ['10.66.0.1'] });
 * socket.end('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * ```
 */
import net from 'node:net';
import { z } from 'zod';
import { createTunnelResolver, systemResolver } from '../dns/resolver.js';
import type { HostResolver, LookupAddress } from '../dns/types.js';
import { ConfigError } from '../errors.js';
import type { IpFamily } from '../native/binding.js';
import { validateInterfaceName } from '../native/binding.js';
import { connectBound, connectTimeoutError, startBoundConnect } from './attempt.js';
import { diagnoseFamily, interfaceFamilies } from './families.js';
import { interleave, race } from './race.js';

/** Default for {@link BoundSocketOptions.timeout}. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

export interface BoundSocketOptions {
  /** IP literal or host name. Names are resolved through the tunnel (see `dns` / `resolver`). */
  host: string;
  /** TCP port. */
  port: number;
  /** Only this family (4 or 6); 0 (default) races both. */
  family?: 0 | 4 | 6 | undefined;
  /** Cancels DNS and every pending attempt; the promise rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds for DNS plus connect, then {@link TimeoutError}. A socket bound to a device that
   * cannot reach the destination hangs rather than failing, so this is never infinite.
   * Default: 10 000.
   */
  timeout?: number | undefined;
  /**
   * DNS servers reached through the interface (the tunnel's `DNS =`, e.g.
   * `config.interface.dns`). Used when `resolver` is not given. Needed for host names.
   */
  dns?: readonly string[] | undefined;
  /**
   * A resolver to use instead (e.g. a shared `createTunnelResolver()`), or `'system'` for the
   * operating system's resolver, which **leaks** every name by the normal path. Default: a tunnel
   * resolver for `dns`.
   */
  resolver?: HostResolver | 'system' | undefined;
  /** Milliseconds before the next address is tried while one is pending. Default: 250. */
  attemptDelay?: number | undefined;
}

const schema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  family: z.union([z.literal(0), z.literal(4), z.literal(6)]).optional(),
  timeout: z.number().positive().optional(),
  attemptDelay: z.number().min(0).optional(),
  dns: z.array(z.string()).readonly().optional(),
});

/**
 * The common shape (host, port, optional family and timeout, nothing else to check) in a few
 * comparisons. It accepts only what {@link schema} accepts; anything else goes to the schema, which
 * stays the one definition of valid options and the source of the error message.
 */
function plainShape(options: BoundSocketOptions): boolean {
  if (typeof options !== 'object' || options === null) return false;
  const { host, port, family, timeout } = options;
  return (
    typeof host === 'string' &&
    host.length > 0 &&
    Number.isInteger(port) &&
    port >= 1 &&
    port <= 65535 &&
    (family === undefined || family === 0 || family === 4 || family === 6) &&
    (timeout === undefined || (Number.isFinite(timeout) && timeout > 0)) &&
    options.attemptDelay === undefined &&
    options.dns === undefined
  );
}

const resolvers = new Map<string, HostResolver>();

/** The tunnel resolver for an interface and server list, shared so its cache is shared. */
export function tunnelResolverFor(ifname: string, servers: readonly string[]): HostResolver {
  const key = `${ifname}|${servers.join(',')}`;
  let resolver = resolvers.get(key);
  if (!resolver) {
    resolver = createTunnelResolver({ interface: ifname, servers });
    resolvers.set(key, resolver);
  }
  return resolver;
}

function pickResolver(ifname: string, options: BoundSocketOptions): HostResolver {
  if (options.resolver === 'system') return systemResolver;
  if (options.resolver) return options.resolver;
  if (options.dns && options.dns.length > 0) return tunnelResolverFor(ifname, options.dns);
  throw new ConfigError(
    `cannot resolve ${options.host} for a socket bound to ${ifname}: pass dns (the tunnel's DNS servers, e.g. config.interface.dns) or a resolver. resolver: 'system' works but leaks the name outside the tunnel.`,
  );
}

/** Settles with `promise`, or rejects with `signal.reason` first (a resolver may ignore it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Drops a family the interface has no address for, unless that would leave nothing. */
function usable(ifname: string, addresses: LookupAddress[]): LookupAddress[] {
  if (!addresses.some((a) => a.family === 4) || !addresses.some((a) => a.family === 6)) {
    return addresses;
  }
  const families = interfaceFamilies(ifname);
  if (!families) return addresses;
  const kept = addresses.filter((a) => families.has(a.family));
  return kept.length > 0 ? kept : addresses;
}

/**
 * Resolves, races and connects. Resolves with a connected socket bound to `ifname`; rejects with
 * InterfaceNotFoundError, InterfaceDownError, PermissionError, FamilyUnavailableError,
 * TimeoutError, DnsError, ConfigError, a Node system error (e.g. ECONNREFUSED) or `signal.reason`.
 * Never throws synchronously.
 */
export function createBoundSocket(
  ifname: string,
  options: BoundSocketOptions,
): Promise<net.Socket> {
  try {
    validateInterfaceName(ifname);
    if (!plainShape(options)) {
      const checked = schema.safeParse(options);
      if (!checked.success) {
        throw new ConfigError(`invalid createBoundSocket options: ${checked.error.message}`);
      }
    }
    options.signal?.throwIfAborted();
    const { host, port } = options;
    const literal = net.isIP(host) as 0 | IpFamily;
    if (!literal) return resolveAndConnect(ifname, options);
    // Fast path: an IP literal needs no DNS and no race. The fd is created and connected in this
    // very tick, with a deadline on the shared timer and no AbortController.
    if (options.family && options.family !== literal) {
      throw new ConfigError(
        `host ${host} is IPv${literal} but family ${options.family} was asked for`,
      );
    }
    const timeout = options.timeout ?? DEFAULT_CONNECT_TIMEOUT;
    return connectBound(ifname, literal, host, port, timeout, options.signal);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Host names: resolve through the tunnel (bounded by the timeout and signal), then race. */
async function resolveAndConnect(ifname: string, options: BoundSocketOptions): Promise<net.Socket> {
  const timeout = options.timeout ?? DEFAULT_CONNECT_TIMEOUT;
  const { host, port } = options;
  const family = options.family ?? 0;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(connectTimeoutError(ifname, host, port, timeout)),
    Math.min(timeout, 2 ** 31 - 1), // Node timers hold at most 2^31 - 1 ms
  );
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const addresses = usable(
      ifname,
      await untilAborted(
        pickResolver(ifname, options).lookup(host, { family, signal: controller.signal }),
        controller.signal,
      ),
    );
    controller.signal.throwIfAborted();
    try {
      return await race(
        interleave(addresses),
        (a) => startBoundConnect(ifname, a.family, a.address, port),
        { attemptDelay: options.attemptDelay ?? 250, signal: controller.signal },
      );
    } catch (error) {
      const only = addresses.length === 1 ? addresses[0] : undefined;
      throw only ? diagnoseFamily(error, ifname, only.family) : error;
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
