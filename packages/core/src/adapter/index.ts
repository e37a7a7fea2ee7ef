/**
 * The adapter contract, its helpers, an in-memory adapter and the shared adapter test suite.
 *
 * @example
 * ```ts
 * import { resolveBindTarget } from '@splitnet/core';
 * import { qbittorrent } from '@splitnet/qbittorrent';
 * const adapter = qbittorrent({ url: 'http://127.0.0.1:8080', username: 'admin', passwordFile: '/run/secrets/qbt' });
 * const { previous } = await adapter.apply(await resolveBindTarget('wg0'));
 * ```
 */
export * from './contract.js';
export * from './memory.js';
export * from './target.js';
export * from './test-suite.js';
