/**
 * @splitnet/lab: an isolated network-namespace world (home, internet, VPN provider) with a real
 * WireGuard server, an IP-echo server and DNS servers, for splitnet's tests, benchmarks, examples
 * and demo. Nothing touches the root namespace; every name is unique per run. See docs/lab.md.
 *
 * @example
 * ```ts
 * import { createLab, labAvailable } from '@splitnet/lab';
 * const available = await labAvailable();
 * if (available.ok) {
 *   const lab = await createLab();
 *   try {
 *     const { stdout } = await lab.exec('home', 'curl', ['-s', lab.echoUrl(4)]);
 *     console.log(stdout); // 192.0.2.2 (unbound traffic leaves by the home uplink)
 *   } finally {
 *     await lab.destroy();
 *   }
 * }
 * ```
 */
export {
  HOME_ROUTING_TABLE,
  LAB_ADDRESSES,
  type LabAddresses,
  LINKS,
  WG_SERVER_PORT,
} from './addresses.js';
export { type LabAvailability, type LabAvailableOptions, labAvailable } from './available.js';
export type { CounterValue, UplinkCounter, UplinkCounterOptions } from './counters.js';
export type { DnsLogEntry, DnsServerRole } from './dns.js';
export { ECHO_PORTS, ECHO_SERVER_SCRIPT, type EchoLogEntry } from './echo.js';
export {
  type CreateLabOptions,
  createLab,
  type Lab,
  type LabIdentity,
  type LabSpawnOptions,
  type LabStep,
} from './lab.js';
export { type LabNamespace, NS_PREFIX } from './namespaces.js';
export type { LabProcess } from './processes.js';
export * from './qbittorrent.js';
export type { RecordedProcess } from './state.js';
export { STATE_DIR } from './state.js';
export { type SweepResult, sweepStaleLabs } from './sweep.js';
export * from './tracker.js';
export { socketPath as wireguardSocketPath, WG_SOCKET_DIR } from './vpn-server.js';
