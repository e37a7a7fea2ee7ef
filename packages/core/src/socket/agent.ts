/**
 * `createBoundHttpAgent()` / `createBoundHttpsAgent()`: `http.Agent` / `https.Agent` whose every
 * socket (fresh, kept alive and reused, and under TLS) is bound to an interface. They override
 * `createConnection` in its asynchronous form: resolve through the tunnel, race, then hand the
 * connected socket to the agent (never a Promise: Node would adopt it as the socket).
 *
 * @example
 * ```ts
 * const agent = createBoundHttpsAgent('wg0', { dns: ['10.66.0.1'], keepAlive: true });
 * https.get('https://example.com/', { agent }, (res) => res.resume());
 * ```
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostResolver } from '../dns/types.js';
import { type BoundSocketOptions, createBoundSocket } from './connect.js';

/** What bound agents add to the usual agent options. */
export interface BoundAgentOptions {
  /** Tunnel DNS servers for host names (see `createBoundSocket`). */
  dns?: readonly string[] | undefined;
  /** A resolver, or `'system'` (leaks names outside the tunnel). */
  resolver?: HostResolver | 'system' | undefined;
  /** Milliseconds for DNS plus connect of each new socket. Default: 10 000. */
  connectTimeout?: number | undefined;
  /** 4 or 6 to use one family only. Default: both (raced). */
  family?: 0 | 4 | 6 | undefined;
}

type ConnectOptions = http.ClientRequestArgs & { servername?: string; signal?: AbortSignal };
type Callback = (error: Error | null, socket?: Duplex) => void;

function connectFor(
  ifname: string,
  bound: BoundAgentOptions,
  options: ConnectOptions,
  defaultPort: number,
) {
  const host = (options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  const family = options.family === 4 || options.family === 6 ? options.family : bound.family;
  const connectOptions: BoundSocketOptions = {
    host,
    port: Number(options.port) || defaultPort,
    family,
    dns: bound.dns,
    resolver: bound.resolver,
    timeout: bound.connectTimeout,
    signal: options.signal,
  };
  return createBoundSocket(ifname, connectOptions);
}

class BoundHttpAgent extends http.Agent {
  readonly interfaceName: string;
  readonly #bound: BoundAgentOptions;
  constructor(ifname: string, options: http.AgentOptions & BoundAgentOptions) {
    super(options);
    this.interfaceName = ifname;
    this.#bound = options;
  }
  override createConnection(options: ConnectOptions, callback: Callback): undefined {
    connectFor(this.interfaceName, this.#bound, options, 80).then(
      (socket) => callback(null, socket),
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

class BoundHttpsAgent extends https.Agent {
  readonly interfaceName: string;
  readonly #bound: BoundAgentOptions;
  constructor(ifname: string, options: https.AgentOptions & BoundAgentOptions) {
    super(options);
    this.interfaceName = ifname;
    this.#bound = options;
  }
  override createConnection(options: ConnectOptions, callback: Callback): undefined {
    connectFor(this.interfaceName, this.#bound, options, 443).then(
      (raw: net.Socket) => {
        let tlsSocket: Duplex;
        try {
          // https.Agent's own createConnection does tls.connect() plus its TLS session cache;
          // `socket` makes it wrap our bound, connected socket instead of dialling.
          const headers = options.headers as Record<string, unknown> | undefined;
          const hostHeader = typeof headers?.host === 'string' ? headers.host : undefined;
          const servername = options.servername ?? hostHeader?.replace(/:\d+$/, '');
          const create = https.Agent.prototype.createConnection as unknown as (
            this: https.Agent,
            o: object,
          ) => Duplex;
          tlsSocket = create.call(this, {
            ...options,
            ...(servername ? { servername } : {}),
            socket: raw,
          });
        } catch (error) {
          raw.destroy();
          callback(error as Error);
          return;
        }
        callback(null, tlsSocket);
      },
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

/** An `http.Agent` whose sockets are all bound to `ifname`. */
export function createBoundHttpAgent(
  ifname: string,
  options: http.AgentOptions & BoundAgentOptions = {},
): http.Agent {
  return new BoundHttpAgent(ifname, options);
}

/** An `https.Agent` whose sockets (under TLS) are all bound to `ifname`. */
export function createBoundHttpsAgent(
  ifname: string,
  options: https.AgentOptions & BoundAgentOptions = {},
): https.Agent {
  return new BoundHttpsAgent(ifname, options);
}
