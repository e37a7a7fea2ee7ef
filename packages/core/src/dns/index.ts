/** DNS through the tunnel: see docs/dns.md. */
export {
  createTunnelResolver,
  systemResolver,
  type TunnelResolver,
  type TunnelResolverOptions,
} from './resolver.js';
export { createBoundTransport } from './transport.js';
export type { DnsTransport, HostResolver, LookupAddress, LookupOptions } from './types.js';
