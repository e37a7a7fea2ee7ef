/** Shared DNS types: what bound sockets need from a resolver. */

export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

export interface LookupOptions {
  /** 4 or 6 for one family, 0 (default) for both. */
  family?: 0 | 4 | 6 | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Anything that turns a host name into addresses. {@link createTunnelResolver} is the default
 * for bound sockets; {@link systemResolver} is the explicit, leaking fallback.
 */
export interface HostResolver {
  lookup(hostname: string, options?: LookupOptions): Promise<LookupAddress[]>;
}

/** How the resolver reaches a server; the default binds every socket to the interface. */
export interface DnsTransport {
  /** Sends one UDP query and returns the first matching response. */
  udp(
    server: string,
    port: number,
    query: Buffer,
    id: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Buffer>;
  /** Sends one query over TCP (length-prefixed) and returns the response. */
  tcp(
    server: string,
    port: number,
    query: Buffer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Buffer>;
}
