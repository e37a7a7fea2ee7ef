/**
 * The declarative configuration file: schema, loader, adapter registry.
 *
 * @example
 * ```ts
 * import { adapterFor, loadSplitnetConfig } from './config/index.js';
 * const config = await loadSplitnetConfig('/etc/splitnet/splitnet.yaml');
 * for (const app of config.apps) await adapterFor(app).inspect();
 * ```
 */
export * from './apps.js';
export * from './load.js';
export { type QbittorrentAppConfig, qbittorrentAppSchema } from './qbittorrent-app.js';
export * from './schema.js';
