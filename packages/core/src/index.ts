/**
 * @splitnet/core: table-off WireGuard interfaces, policy routing, and sockets bound to them.
 *
 * @example
 * ```ts
 * import { parseConfig, up, down } from '@splitnet/core';
 * const config = parseConfig(await readFile('/etc/wireguard/wg0.conf', 'utf8'));
 * const iface = await up(config, { name: 'wg0' });
 * console.log(iface.ifindex, iface.implementation); // 7 'wireguard-go'
 * await down('wg0');
 * ```
 */

export * from './adapter/index.js';
export * from './config/index.js';
export * from './dns/index.js';
export * from './errors.js';
export * from './exec.js';
export * from './routing/index.js';
export * from './socket/index.js';
export * from './wireguard/index.js';
