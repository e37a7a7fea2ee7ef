/**
 * Writes a configuration back out: {@link serializeConfig} gives canonical wg-quick text (so
 * `parseConfig(serializeConfig(c))` deep-equals `c`), {@link toWgSetconf} gives only what
 * `wg setconf` / `wg syncconf` accept, like `wg-quick strip`.
 *
 * @example
 * ```ts
 * import { run } from '../exec.js';
 * import { parseConfig, toWgSetconf } from './index.js';
 * const config = parseConfig(text);
 * // secrets travel on stdin, never in argv
 * await run('wg', ['syncconf', 'wg0', '/dev/stdin'], { input: toWgSetconf(config) });
 * ```
 */
import { formatEndpoint } from './addresses.js';
import type { WgPeer, WgQuickConfig } from './schema.js';
import { validateConfig } from './validate.js';

function formatFwMark(mark: number | 'off'): string {
  return mark === 'off' ? 'off' : `0x${mark.toString(16)}`;
}

function peerLines(peer: WgPeer): string[] {
  const lines = ['[Peer]', `PublicKey = ${peer.publicKey}`];
  if (peer.presharedKey !== undefined) lines.push(`PresharedKey = ${peer.presharedKey}`);
  if (peer.allowedIPs.length > 0) lines.push(`AllowedIPs = ${peer.allowedIPs.join(', ')}`);
  if (peer.endpoint !== undefined) lines.push(`Endpoint = ${formatEndpoint(peer.endpoint)}`);
  if (peer.persistentKeepalive !== undefined) {
    lines.push(`PersistentKeepalive = ${peer.persistentKeepalive}`);
  }
  return lines;
}

function join(sections: string[][]): string {
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/**
 * Writes canonical wg-quick text: `[Interface]` then each `[Peer]`, keys in a fixed order, list
 * keys on one line as comma lists, hooks one line per command, FwMark in hex, IPv6 endpoints in
 * brackets. The config is validated first (a hook with a newline could otherwise inject keys);
 * throws {@link ConfigError} if it is not valid. Comments of a parsed file are not kept.
 *
 * @param config - The configuration to write.
 * @returns The file text, ending with a newline. It holds the private key: write it mode 0600.
 */
export function serializeConfig(config: WgQuickConfig): string {
  const { interface: section, peers } = validateConfig(config);
  const lines = ['[Interface]', `PrivateKey = ${section.privateKey}`];
  if (section.listenPort !== undefined) lines.push(`ListenPort = ${section.listenPort}`);
  if (section.fwMark !== undefined) lines.push(`FwMark = ${formatFwMark(section.fwMark)}`);
  if (section.addresses.length > 0) lines.push(`Address = ${section.addresses.join(', ')}`);
  const dns = [...section.dns, ...section.dnsSearch];
  if (dns.length > 0) lines.push(`DNS = ${dns.join(', ')}`);
  if (section.mtu !== undefined) lines.push(`MTU = ${section.mtu}`);
  if (section.table !== undefined) lines.push(`Table = ${section.table}`);
  for (const [name, commands] of [
    ['PreUp', section.preUp],
    ['PostUp', section.postUp],
    ['PreDown', section.preDown],
    ['PostDown', section.postDown],
  ] as const) {
    for (const command of commands) lines.push(`${name} = ${command}`);
  }
  if (section.saveConfig !== undefined) lines.push(`SaveConfig = ${section.saveConfig}`);
  return join([lines, ...peers.map(peerLines)]);
}

/**
 * Writes the text `wg setconf` / `wg syncconf` read: Interface `PrivateKey`, `ListenPort`,
 * `FwMark` and every peer's `PublicKey`, `PresharedKey`, `AllowedIPs`, `Endpoint` (IPv6 as
 * `[addr]:port`) and `PersistentKeepalive`; the wg-quick-only keys (Address, DNS, MTU, Table,
 * hooks, SaveConfig) are left out, as `wg-quick strip` does. Validates first; throws
 * {@link ConfigError} if the config is not valid.
 *
 * @param config - The configuration to convert.
 * @returns Text for `wg setconf <iface> /dev/stdin` (pass it as stdin: it holds the private key).
 */
export function toWgSetconf(config: WgQuickConfig): string {
  const { interface: section, peers } = validateConfig(config);
  const lines = ['[Interface]', `PrivateKey = ${section.privateKey}`];
  if (section.listenPort !== undefined) lines.push(`ListenPort = ${section.listenPort}`);
  if (section.fwMark !== undefined) lines.push(`FwMark = ${formatFwMark(section.fwMark)}`);
  return join([lines, ...peers.map(peerLines)]);
}
