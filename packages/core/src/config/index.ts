/**
 * The wg-quick configuration model: parse, validate, serialize, and the Table=off policy.
 * Files are read the way wg-quick reads them (any number of `[Peer]`s, repeated and comma-list
 * keys accumulate, case-insensitive keys, `#` comments); every error names the line and key and
 * never contains a key. See `docs/configuration.md`.
 *
 * @example
 * ```ts
 * import { loadConfigFile, toWgSetconf } from '@splitnet/core';
 * const { config, warnings } = await loadConfigFile('/etc/wireguard/wg0.conf');
 * warnings.forEach((w) => console.warn(w.message)); // Table = auto (the default) is ignored: …
 * console.log(config.peers[0]?.endpoint); // { host: '2001:db8::1', port: 51820 }
 * const setconf = toWgSetconf(config); // for `wg syncconf wg0 /dev/stdin`
 * ```
 */
export {
  assertInterfaceName,
  interfaceNameSchema,
  isValidInterfaceName,
} from './interface-name.js';
export { type LoadConfigFileOptions, type LoadedConfig, loadConfigFile } from './load.js';
export { type ParseConfigOptions, parseConfig } from './parse.js';
export {
  type ConfigWarning,
  ConfigWarningCode,
  type ConfigWarningsOptions,
  configWarnings,
} from './policy.js';
export {
  cidrSchema,
  dnsSearchDomainSchema,
  dnsServerSchema,
  hookCommandSchema,
  isValidWgKey,
  tableSchema,
  type WgEndpoint,
  type WgInterfaceSection,
  type WgPeer,
  type WgQuickConfig,
  type WgQuickConfigInput,
  wgEndpointSchema,
  wgInterfaceSectionSchema,
  wgKeySchema,
  wgPeerSchema,
  wgQuickConfigSchema,
} from './schema.js';
export { serializeConfig, toWgSetconf } from './serialize.js';
export { validateConfig } from './validate.js';
