/**
 * splitnet: the command line. `createProgram()` and `main()` are exported for tests and for
 * embedding; the binary is `splitnet` (`dist/bin.js`).
 *
 * @example
 * ```ts
 * import { main } from 'splitnet';
 * const code = await main(['bind', 'qbittorrent', '--interface', 'wg0', '--password-file', '/run/secrets/qbt']);
 * ```
 */

export * from './config/index.js';
export { EXIT, type Io } from './output.js';
export { createProgram, main } from './program.js';
export * from './reconcile/index.js';
export { type BindingRecord, defaultStateDir, readState, type StateFile } from './state.js';
export { type StatusEntry, status } from './status.js';
export { eventConcerns, type WatchEvent, type WatchOptions, watch } from './watch/loop.js';
