/**
 * A DNS resolver that asks the tunnel's own servers (`DNS =` of the wg-quick file) from sockets
 * bound to the tunnel interface: UDP first, TCP when the reply is truncated; A and AAAA; a TTL
 * cache; per-try timeouts and retries across servers. Encoding and decoding use `dns-packet`.
 *
 * @example
 * ```ts
 * const resolver = createTunnelResolver({ interface: 'wg0', servers: config.interface.dns });
 * await resolver.lookup('example.com'); // [{ address: '2001:db8::1', family: 6 }, …]
 * ```
 */
import { randomInt } from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { z } from 'zod';
import { ConfigError, DnsError, TimeoutError } from '../errors.js';
import { validateInterfaceName } from '../native/binding.js';
import { isFatal } from '../socket/race.js';
import { createTtlCache } from './cache.js';
import { createBoundTransport } from './transport.js';
import type { DnsTransport, HostResolver, LookupAddress, LookupOptions } from './types.js';

export interface TunnelResolverOptions {
  /** The interface every query is bound to, e.g. `wg0`. */
  interface: string;
  /**
   * DNS servers: IP literals, e.g. `config.interface.dns`. Entries that are not IP addresses
   * (wg-quick also puts search domains in `DNS =`) are ignored.
   */
  servers: readonly string[];
  /** Server port. Default: 53. */
  port?: number | undefined;
  /** Milliseconds to wait for one server to answer one query. Default: 2000. */
  timeout?: number | undefined;
  /** Rounds over the server list before giving up. Default: 2. */
  attempts?: number | undefined;
  /** Cached names (A and AAAA counted apart); 0 disables the cache. Default: 1000. */
  cacheSize?: number | undefined;
  /** Upper bound on any TTL, in seconds. Default: 3600. */
  maxTtl?: number | undefined;
  /** Seconds to cache NXDOMAIN / no-data answers when the reply has no SOA. Default: 5. */
  negativeTtl?: number | undefined;
  /** How queries reach the servers. Default: sockets bound to `interface`. Tests inject one. */
  transport?: DnsTransport | undefined;
}

const optionsSchema = z.object({
  interface: z.string(),
  servers: z.array(z.string()),
  port: z.number().int().min(1).max(65535).default(53),
  timeout: z.number().int().positive().default(2000),
  attempts: z.number().int().min(1).max(10).default(2),
  cacheSize: z.number().int().min(0).default(1000),
  maxTtl: z.number().min(0).default(3600),
  negativeTtl: z.number().min(0).default(5),
});

export interface TunnelResolver extends HostResolver {
  /** The servers queried, in order. */
  readonly servers: readonly string[];
  /** Addresses and TTL (seconds) of one record type, from cache or the servers. */
  resolve(hostname: string, type: 'A' | 'AAAA', signal?: AbortSignal): Promise<string[]>;
  /** Drops every cached answer. */
  clearCache(): void;
}

type Answer = { type: string; name: string; ttl?: number; data: unknown };

function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function createTunnelResolver(options: TunnelResolverOptions): TunnelResolver {
  validateInterfaceName(options.interface);
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new ConfigError(`[dns] invalid resolver options: ${parsed.error.message}`);
  const opts = parsed.data;
  const servers = opts.servers.filter((s) => net.isIP(s) !== 0);
  if (servers.length === 0) {
    throw new ConfigError(
      `[dns] no DNS server IP addresses for ${opts.interface} (got ${JSON.stringify(options.servers)}): set DNS = in the tunnel config or pass servers`,
    );
  }
  const transport = options.transport ?? createBoundTransport(opts.interface);
  const cache = createTtlCache(opts.cacheSize);
  const inflight = new Map<string, Promise<string[]>>();

  async function ask(server: string, name: string, type: 'A' | 'AAAA') {
    const id = randomInt(0, 65536);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    });
    let response = dnsPacket.decode(
      await transport.udp(server, opts.port, query, id, opts.timeout),
    );
    if (response.flag_tc) {
      response = dnsPacket.decode(await transport.tcp(server, opts.port, query, opts.timeout));
    }
    if (response.id !== id) throw new Error(`[dns] ${server} answered another query`);
    return response as typeof response & { rcode?: string };
  }

  async function query(name: string, type: 'A' | 'AAAA'): Promise<string[]> {
    let lastError: unknown;
    for (let round = 0; round < opts.attempts; round++) {
      for (const server of servers) {
        let response: Awaited<ReturnType<typeof ask>>;
        try {
          response = await ask(server, name, type);
        } catch (error) {
          // The interface is missing or down (or no permission): no server can help.
          if (isFatal(error)) throw error;
          lastError = error;
          continue;
        }
        const rcode = response.rcode ?? 'NOERROR';
        const answers = (response.answers ?? []) as Answer[];
        if (
          rcode === 'NXDOMAIN' ||
          (rcode === 'NOERROR' && !answers.some((a) => a.type === type))
        ) {
          const soa = ((response.authorities ?? []) as Answer[]).find((a) => a.type === 'SOA');
          const ttl = Math.min(soa?.ttl ?? opts.negativeTtl, opts.maxTtl);
          const code = rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NODATA';
          cache.set(`${name}\0${type}`, {
            addresses: [],
            rcode: code,
            expires: Date.now() + ttl * 1000,
          });
          throw new DnsError(
            name,
            code,
            `[dns] ${name} ${type}: ${code} from ${server} via ${opts.interface}`,
          );
        }
        if (rcode !== 'NOERROR') {
          lastError = new DnsError(
            name,
            rcode,
            `[dns] ${name} ${type}: ${rcode} from ${server} via ${opts.interface}`,
          );
          continue;
        }
        const records = answers.filter((a) => a.type === type);
        const ttl = Math.min(...answers.map((a) => a.ttl ?? 0), opts.maxTtl);
        const addresses = records.map((a) => String(a.data));
        cache.set(`${name}\0${type}`, { addresses, rcode, expires: Date.now() + ttl * 1000 });
        return addresses;
      }
    }
    if (DnsError.is(lastError)) throw lastError;
    const timedOut = TimeoutError.is(lastError);
    throw new DnsError(
      name,
      timedOut ? 'TIMEOUT' : 'ERROR',
      `[dns] ${name} ${type}: no answer from ${servers.join(', ')} via ${opts.interface} after ${opts.attempts} round(s)${lastError ? ` (${(lastError as Error).message})` : ''}`,
      { cause: lastError },
    );
  }

  function resolve(hostname: string, type: 'A' | 'AAAA', signal?: AbortSignal): Promise<string[]> {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const key = `${name}\0${type}`;
    const hit = cache.get(key);
    if (hit) {
      if (hit.addresses.length > 0) return Promise.resolve(hit.addresses);
      return Promise.reject(
        new DnsError(name, hit.rcode, `[dns] ${name} ${type}: ${hit.rcode} (cached)`),
      );
    }
    let pending = inflight.get(key);
    if (!pending) {
      // Shared by concurrent callers, so it runs without any one caller's signal (each try is
      // bounded by `timeout`); every caller still stops waiting when its own signal aborts.
      pending = query(name, type).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return withSignal(pending, signal);
  }

  async function lookup(
    hostname: string,
    lookupOptions: LookupOptions = {},
  ): Promise<LookupAddress[]> {
    const literal = net.isIP(hostname);
    if (literal) return [{ address: hostname, family: literal as 4 | 6 }];
    const family = lookupOptions.family ?? 0;
    const types: ('A' | 'AAAA')[] = family === 4 ? ['A'] : family === 6 ? ['AAAA'] : ['AAAA', 'A'];
    const results = await Promise.allSettled(
      types.map((t) => resolve(hostname, t, lookupOptions.signal)),
    );
    const out: LookupAddress[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        for (const address of result.value) out.push({ address, family: types[i] === 'A' ? 4 : 6 });
      }
    });
    if (out.length > 0) return out;
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    // Prefer the most telling failure: an abort, then NXDOMAIN, then anything else.
    if (lookupOptions.signal?.aborted) throw lookupOptions.signal.reason;
    throw (
      errors.find((e) => isFatal(e)) ??
      errors.find((e) => DnsError.is(e) && e.rcode === 'NXDOMAIN') ??
      errors.find((e) => DnsError.is(e) && e.rcode !== 'NODATA') ??
      errors.find((e) => e !== undefined) ??
      new DnsError(hostname, 'NODATA', `[dns] ${hostname}: no addresses`)
    );
  }

  return { servers, resolve, lookup, clearCache: () => cache.clear() };
}

/**
 * The operating system's resolver (`dns.lookup`). **This leaks**: queries leave by the host's
 * normal path, not the tunnel, and reveal every name the bound service contacts. Only pass it
 * explicitly, when the names are not sensitive and no tunnel DNS is available.
 */
export const systemResolver: HostResolver = {
  async lookup(hostname, options = {}) {
    const all = await dns.promises.lookup(hostname, { all: true, family: options.family ?? 0 });
    return all.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  },
};
