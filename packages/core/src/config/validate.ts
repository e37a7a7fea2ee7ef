/**
 * Validates a configuration built in code (or read from JSON) with the same rules as a parsed
 * file, and normalises it (bare addresses get /32 or /128, omitted lists become `[]`).
 *
 * @example
 * ```ts
 * import { validateConfig } from '@splitnet/core';
 * const config = validateConfig({
 *   interface: { privateKey, addresses: ['10.66.0.2'], table: 'off' },
 *   peers: [{ publicKey, allowedIPs: ['0.0.0.0/0'], endpoint: { host: 'vpn.example.com', port: 51820 } }],
 * });
 * config.interface.addresses; // [ '10.66.0.2/32' ]
 * ```
 */
import { problemsFromZod, throwProblems } from './issues.js';
import { type WgQuickConfig, wgQuickConfigSchema } from './schema.js';

/**
 * Checks `value` against {@link wgQuickConfigSchema} and returns the normalised config. Throws
 * {@link ConfigError} naming the key (`Interface.MTU`, `Peer[2].Endpoint`; peers count from 1)
 * and what is expected; the message never contains a value, so keys do not leak.
 *
 * @param value - A candidate configuration, e.g. `{ interface: {…}, peers: [{…}] }`.
 */
export function validateConfig(value: unknown): WgQuickConfig {
  const result = wgQuickConfigSchema.safeParse(value);
  if (result.success) return result.data;
  return throwProblems(problemsFromZod(result.error, value));
}
