/**
 * @splitnet/qbittorrent: bind qBittorrent to a WireGuard interface (device binding), at runtime
 * through its Web API or before start through its config file, and prove it.
 *
 * @example
 * ```ts
 * import { resolveBindTarget } from '@splitnet/core';
 * import { qbittorrent } from '@splitnet/qbittorrent';
 * const adapter = qbittorrent({ url: 'http://127.0.0.1:8080', username: 'admin', passwordFile: '/run/secrets/qbt' });
 * const target = await resolveBindTarget('wg0');
 * const { previous } = await adapter.apply(target); // keep `previous` to revert later
 * await adapter.verify(target);
 * ```
 */
export * from './adapter.js';
export * from './client.js';
export * from './config-file.js';
export * from './credentials.js';
export * from './fake-qbittorrent.js';
export * from './listen-sockets.js';
