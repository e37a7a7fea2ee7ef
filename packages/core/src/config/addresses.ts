/**
 * Address helpers for the wg-quick model: IPv4/IPv6 literals, CIDR normalisation, host names.
 * Pure functions over strings; the zod schemas in `schema.ts` are built on them.
 *
 * @example
 * ```ts
 * import { normaliseCidr } from './addresses.js';
 * normaliseCidr('10.66.0.2'); // '10.66.0.2/32'
 * ```
 */
import { isIPv4 as netIsIPv4, isIPv6 as netIsIPv6 } from 'node:net';

/** True for a dotted-quad IPv4 literal without leading zeros (`10.0.0.1`, not `010.0.0.1`). */
export function isIPv4(text: string): boolean {
  return netIsIPv4(text);
}

/** True for an IPv6 literal without brackets and without a zone id (`%eth0` is refused). */
export function isIPv6(text: string): boolean {
  return !text.includes('%') && netIsIPv6(text);
}

/** True for an IPv4 or IPv6 literal. */
export function isIPAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** A parsed CIDR: the address as written and its prefix length. */
export interface ParsedCidr {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/**
 * Parses `addr` or `addr/prefix`. A bare address gets /32 (IPv4) or /128 (IPv6). Prefixes are
 * decimal without leading zeros, 0-32 for IPv4 and 0-128 for IPv6. Returns undefined if invalid.
 */
export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: max, family };
  const prefixText = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/** True when {@link parseCidr} accepts the text. */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

/** `10.66.0.2` → `10.66.0.2/32`, `fd00::2` → `fd00::2/128`; other text is returned unchanged. */
export function normaliseCidr(text: string): string {
  const parsed = parseCidr(text);
  return parsed ? `${parsed.address}/${parsed.prefix}` : text;
}

/** True when a normalised CIDR (or bare address) is IPv6. */
export function isIPv6Cidr(text: string): boolean {
  return parseCidr(text)?.family === 6;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * True for a DNS host name (RFC 1123 labels of letters, digits and inner hyphens, at most 253
 * characters). Text made only of digits and dots is refused: it is a (possibly broken) IPv4
 * literal, never a name, which is also how wg-quick tells DNS servers from search domains.
 */
export function isHostName(text: string): boolean {
  if (text.length === 0 || text.length > 253 || /^[\d.]+$/.test(text)) return false;
  return text.split('.').every((label) => LABEL.test(label));
}

/** True for an Endpoint host: an IPv4 literal, an IPv6 literal (unbracketed) or a host name. */
export function isEndpointHost(text: string): boolean {
  return isIPAddress(text) || isHostName(text);
}

/** Writes an endpoint as wg(8) and wg-quick read it: `1.2.3.4:51820`, `[2001:db8::1]:51820`. */
export function formatEndpoint(endpoint: { host: string; port: number }): string {
  const host = isIPv6(endpoint.host) ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}
