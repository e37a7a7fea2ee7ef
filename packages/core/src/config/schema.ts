/**
 * The zod schemas of a wg-quick configuration and the types inferred from them. Parsing a file
 * and validating a config built in code both end here, so a value is valid the same way wherever
 * it came from. Every custom message names what is expected and never repeats the input.
 *
 * @example
 * ```ts
 * import { wgQuickConfigSchema, type WgQuickConfig } from '@splitnet/core';
 * const result = wgQuickConfigSchema.safeParse(value);
 * if (result.success) useConfig(result.data satisfies WgQuickConfig);
 * ```
 */
import { z } from 'zod';
import {
  isCidr,
  isEndpointHost,
  isHostName,
  isIPAddress,
  isIPv6Cidr,
  normaliseCidr,
} from './addresses.js';

const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/**
 * True when `value` is a WireGuard key as `wg genkey` / `wg pubkey` print it: the base64 encoding
 * of exactly 32 bytes (44 characters, one `=` of padding, no stray bits in the last character).
 */
export function isValidWgKey(value: unknown): value is string {
  return typeof value === 'string' && WG_KEY.test(value);
}

/** A WireGuard key (private, public or preshared): base64 of exactly 32 bytes. */
export const wgKeySchema = z.string().regex(WG_KEY, {
  error: 'must be the base64 encoding of a 32-byte WireGuard key',
});

/** `addr` or `addr/prefix`, IPv4 or IPv6; output normalised with an explicit prefix. */
export const cidrSchema = z
  .string()
  .trim()
  .refine(isCidr, { error: 'must be an IPv4 or IPv6 address with an optional prefix' })
  .transform(normaliseCidr);

/** An IPv4 or IPv6 address of a DNS server (no zone id, no port). */
export const dnsServerSchema = z
  .string()
  .trim()
  .refine(isIPAddress, { error: 'must be an IPv4 or IPv6 address' });

/** A DNS search domain (a host name; digits-and-dots text is an address, not a domain). */
export const dnsSearchDomainSchema = z
  .string()
  .trim()
  .refine(isHostName, { error: 'must be a domain name' });

/** A PreUp/PostUp/PreDown/PostDown command: one line, non-empty, without `#`. */
export const hookCommandSchema = z
  .string()
  .trim()
  .regex(/^[^#\r\n\0]+$/, { error: 'must be a non-empty command on one line without "#"' });

function isTable(text: string): boolean {
  if (text === 'off' || text === 'auto') return true;
  if (/^[1-9]\d{0,9}$/.test(text)) return Number(text) <= 0xffff_ffff;
  const lower = text.toLowerCase();
  if (lower === 'off' || lower === 'auto') return false; // `Off` would be read as a table name
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(text);
}

/** `off`, `auto`, a routing table number (1-4294967295) or a table name, kept as written. */
export const tableSchema = z
  .string()
  .trim()
  .refine(isTable, { error: 'must be off, auto, a table number or a table name' });

/** An endpoint; `host` is an IPv4 literal, an IPv6 literal without brackets, or a host name. */
export const wgEndpointSchema = z.strictObject({
  host: z.string().refine(isEndpointHost, {
    error: 'must be an IPv4 address, an IPv6 address or a host name',
  }),
  port: z.number().int().min(1).max(65535),
});

/** The `[Interface]` section. */
export const wgInterfaceSectionSchema = z
  .strictObject({
    privateKey: wgKeySchema,
    listenPort: z.number().int().min(0).max(65535).optional(),
    fwMark: z.union([z.literal('off'), z.number().int().min(0).max(0xffff_ffff)]).optional(),
    addresses: z.array(cidrSchema).default([]),
    dns: z.array(dnsServerSchema).default([]),
    dnsSearch: z.array(dnsSearchDomainSchema).default([]),
    mtu: z.number().int().min(576).max(65535).optional(),
    table: tableSchema.optional(),
    preUp: z.array(hookCommandSchema).default([]),
    postUp: z.array(hookCommandSchema).default([]),
    preDown: z.array(hookCommandSchema).default([]),
    postDown: z.array(hookCommandSchema).default([]),
    saveConfig: z.boolean().optional(),
  })
  .superRefine((section, ctx) => {
    if (section.mtu !== undefined && section.mtu < 1280 && section.addresses.some(isIPv6Cidr)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mtu'],
        params: { explain: true },
        message: 'must be at least 1280 because an Address is IPv6 (the IPv6 minimum link MTU)',
      });
    }
  });

/** A `[Peer]` section. */
export const wgPeerSchema = z.strictObject({
  publicKey: wgKeySchema,
  presharedKey: wgKeySchema.optional(),
  allowedIPs: z.array(cidrSchema).default([]),
  endpoint: wgEndpointSchema.optional(),
  persistentKeepalive: z.number().int().min(0).max(65535).optional(),
});

/** A whole wg-quick file: one `[Interface]` and any number of `[Peer]`s with distinct keys. */
export const wgQuickConfigSchema = z
  .strictObject({
    interface: wgInterfaceSectionSchema,
    peers: z.array(wgPeerSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.peers.forEach((peer, index) => {
      const first = seen.get(peer.publicKey);
      if (first === undefined) {
        seen.set(peer.publicKey, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: ['peers', index, 'publicKey'],
        params: { explain: true },
        message: `repeats the public key of Peer[${first + 1}] (wg would merge the two peers)`,
      });
    });
  });

/** A validated, normalised wg-quick configuration. */
export type WgQuickConfig = z.infer<typeof wgQuickConfigSchema>;
/** What {@link wgQuickConfigSchema} accepts: list fields may be omitted, CIDRs may be bare. */
export type WgQuickConfigInput = z.input<typeof wgQuickConfigSchema>;
/** The `[Interface]` section of a {@link WgQuickConfig}. */
export type WgInterfaceSection = z.infer<typeof wgInterfaceSectionSchema>;
/** One `[Peer]` of a {@link WgQuickConfig}. */
export type WgPeer = z.infer<typeof wgPeerSchema>;
/** A peer endpoint, `{ host: '2001:db8::1', port: 51820 }` (no brackets in `host`). */
export type WgEndpoint = z.infer<typeof wgEndpointSchema>;
