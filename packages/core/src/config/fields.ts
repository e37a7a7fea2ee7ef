/**
 * What each wg-quick key is called in a file, which camelCase field holds it, how its text is
 * read, and what a valid value looks like (the "expected …" part of every error message).
 *
 * @example
 * ```ts
 * import { interfaceFields } from './fields.js';
 * interfaceFields.mtu.name; // 'MTU'
 * ```
 */

/** How the parser turns the text after `=` into a field value. */
export type FieldKind =
  | 'key'
  | 'int'
  | 'keepalive'
  | 'fwmark'
  | 'addresses'
  | 'allowedips'
  | 'dns'
  | 'hook'
  | 'table'
  | 'bool'
  | 'endpoint';

export interface FieldInfo {
  /** The key as wg-quick spells it (`PrivateKey`, `AllowedIPs`). Matched case-insensitively. */
  name: string;
  /** How the value text is read. */
  kind: FieldKind;
  /** What a valid value looks like; ends every error message about this key. */
  expected: string;
  /** Holds a secret: its value never appears in any message. */
  secret?: boolean;
}

const KEY = 'the base64 encoding of a 32-byte WireGuard key (44 characters ending in "=")';
const HOOK = 'a non-empty command without "#" (wg-quick starts a comment at "#")';

export const interfaceFields = {
  privateKey: { name: 'PrivateKey', kind: 'key', expected: KEY, secret: true },
  listenPort: { name: 'ListenPort', kind: 'int', expected: 'an integer from 0 to 65535' },
  fwMark: {
    name: 'FwMark',
    kind: 'fwmark',
    expected: '"off" or an integer from 0 to 4294967295 (decimal or 0x hex)',
  },
  addresses: {
    name: 'Address',
    kind: 'addresses',
    expected:
      'IPv4 or IPv6 addresses with an optional prefix (/0-32 for IPv4, /0-128 for IPv6), separated by commas',
  },
  dns: {
    name: 'DNS',
    kind: 'dns',
    expected: 'IPv4 or IPv6 addresses of DNS servers and search domains, separated by commas',
  },
  dnsSearch: {
    name: 'DNS',
    kind: 'dns',
    expected: 'IPv4 or IPv6 addresses of DNS servers and search domains, separated by commas',
  },
  mtu: {
    name: 'MTU',
    kind: 'int',
    expected: 'an integer from 576 to 65535 (at least 1280 when an Address is IPv6)',
  },
  table: {
    name: 'Table',
    kind: 'table',
    expected:
      '"off", "auto", a table number from 1 to 4294967295, or a table name (letters, digits, "_", ".", "-")',
  },
  preUp: { name: 'PreUp', kind: 'hook', expected: HOOK },
  postUp: { name: 'PostUp', kind: 'hook', expected: HOOK },
  preDown: { name: 'PreDown', kind: 'hook', expected: HOOK },
  postDown: { name: 'PostDown', kind: 'hook', expected: HOOK },
  saveConfig: { name: 'SaveConfig', kind: 'bool', expected: '"true" or "false"' },
} as const satisfies Record<string, FieldInfo>;

export const peerFields = {
  publicKey: { name: 'PublicKey', kind: 'key', expected: KEY },
  presharedKey: { name: 'PresharedKey', kind: 'key', expected: KEY, secret: true },
  allowedIPs: {
    name: 'AllowedIPs',
    kind: 'allowedips',
    expected:
      'IPv4 or IPv6 addresses with an optional prefix (/0-32 for IPv4, /0-128 for IPv6), separated by commas',
  },
  endpoint: {
    name: 'Endpoint',
    kind: 'endpoint',
    expected:
      'host:port with an IPv4 address (1.2.3.4:51820), a bracketed IPv6 address ([2001:db8::1]:51820) or a host name (vpn.example.com:51820), and a port from 1 to 65535',
  },
  persistentKeepalive: {
    name: 'PersistentKeepalive',
    kind: 'keepalive',
    expected: '"off" or an integer from 0 to 65535 (seconds)',
  },
} as const satisfies Record<string, FieldInfo>;

export type InterfaceField = keyof typeof interfaceFields;
export type PeerField = keyof typeof peerFields;

function byLowerName<T extends string>(fields: Record<T, FieldInfo>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [prop, info] of Object.entries(fields) as [T, FieldInfo][]) {
    // `dns` and `dnsSearch` share the key `DNS`; the parser routes each item itself.
    if (!map.has(info.name.toLowerCase())) map.set(info.name.toLowerCase(), prop);
  }
  return map;
}

/** Lower-cased wg-quick key → field, for each section. */
export const interfaceKeys = byLowerName<InterfaceField>(interfaceFields);
export const peerKeys = byLowerName<PeerField>(peerFields);

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * A name taken from the input, to quote in a message, only when it is a near miss of one of
 * `known` (ignoring case, at most one edit per four letters of the known name, and at most 3): `PrivateKye` is quoted, but text that could be part of
 * a key (`AQEBAQEB…`) never is. Returns undefined when the name must not be shown.
 */
export function safeName(text: string, known: readonly string[]): string | undefined {
  if (!/^[A-Za-z]{1,24}$/.test(text)) return undefined;
  const lower = text.toLowerCase();
  const near = (name: string) =>
    distance(lower, name.toLowerCase()) <= Math.min(3, Math.max(1, Math.floor(name.length / 4)));
  return known.some(near) ? text : undefined;
}

/** Every wg-quick key name, for {@link safeName}. */
export const allKeyNames: readonly string[] = [
  ...Object.values(interfaceFields).map((f) => f.name),
  ...Object.values(peerFields).map((f) => f.name),
];
