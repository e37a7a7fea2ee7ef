/**
 * `createBoundDispatcher()`: an undici `Agent` whose every connection is bound to an interface,
 * for `fetch(url, { dispatcher })` or `setGlobalDispatcher()`, over `http:` and `https:`.
 * Requires npm `undici` 6 or 7 on Node 20 (same family as the `fetch` bundled in Node).
 *
 * @example
 * ```ts
 * import { setGlobalDispatcher } from 'undici';
 * const dispatcher = createBoundDispatcher('wg0', { dns: ['10.66.0.1'] });
 * await fetch('https://example.com/', { dispatcher });
 * ```
 */
import { Agent, buildConnector } from 'undici';
import type { HostResolver } from '../dns/types.js';
import { createBoundSocket } from './connect.js';

export interface BoundDispatcherOptions {
  /** Tunnel DNS servers for host names (see `createBoundSocket`). */
  dns?: readonly string[] | undefined;
  /** A resolver, or `'system'` (leaks names outside the tunnel). */
  resolver?: HostResolver | 'system' | undefined;
  /** Milliseconds for DNS plus connect (plus TLS handshake). Default: 10 000. */
  connectTimeout?: number | undefined;
  /** 4 or 6 to use one family only. Default: both (raced). */
  family?: 0 | 4 | 6 | undefined;
  /** TLS options for `https:` (e.g. `ca`, `rejectUnauthorized`). */
  tls?: buildConnector.BuildOptions | undefined;
  /** Other undici `Agent` options (keep-alive, pipelining, …); `connect` is ours. */
  agent?: Omit<Agent.Options, 'connect'> | undefined;
}

export function createBoundDispatcher(ifname: string, options: BoundDispatcherOptions = {}): Agent {
  const timeout = options.connectTimeout ?? 10_000;
  const tlsConnect = buildConnector({ ...options.tls, timeout });
  const connect: buildConnector.connector = (opts, callback) => {
    const https = opts.protocol === 'https:';
    createBoundSocket(ifname, {
      host: opts.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(opts.port) || (https ? 443 : 80),
      family: options.family,
      dns: options.dns,
      resolver: options.resolver,
      timeout,
    }).then(
      (raw) => {
        if (!https) {
          callback(null, raw);
          return;
        }
        // undici's own connector does TLS (SNI, ALPN, session cache) over our bound socket.
        tlsConnect({ ...opts, httpSocket: raw }, (error, socket) => {
          if (error) raw.destroy();
          if (error) callback(error, null);
          else callback(null, socket!);
        });
      },
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({ ...options.agent, connect });
}
