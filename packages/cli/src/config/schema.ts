/**
 * The splitnet configuration file (`/etc/splitnet/splitnet.yaml`): which tunnel, which apps, the
 * tunnel DNS and the health thresholds. The JSON Schema for editors
 * (`packages/cli/schema/splitnet.schema.json`) is generated from this zod schema by
 * `pnpm --filter splitnet schema`.
 */
import { z } from 'zod';
import { APP_ADAPTERS, type AppConfig } from './apps.js';

/** Default location of the file; `$SPLITNET_CONFIG` or `--config` override it. */
export const DEFAULT_CONFIG_PATH = '/etc/splitnet/splitnet.yaml';

const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9_=+.-]{1,15}$/, {
    error: 'expected an interface name (1-15 letters, digits, _=+.-)',
  })
  .refine((n) => !n.startsWith('-') && n !== '.' && n !== '..', {
    error: 'expected an interface name (1-15 letters, digits, _=+.-)',
  });

export const interfaceSchema = z
  .strictObject({
    config: z
      .string()
      .min(1, { error: 'expected the path of a wg-quick file' })
      .describe('The wg-quick file (e.g. /etc/wireguard/wg0.conf), relative to this file.'),
    name: interfaceName.describe(
      'Interface name, e.g. wg0. With wireguard-go, unique on the host.',
    ),
    table: z
      .int()
      .min(1)
      .max(4_294_967_294)
      .refine((t) => t < 253 || t > 255, { error: 'tables 253-255 are the kernel own' })
      .default(51820)
      .describe('Policy routing table. Default: 51820.'),
    priority: z
      .int()
      .min(1)
      .max(32_765)
      .default(10_000)
      .describe('Priority of the oif rules (from rules use the next one). Default: 10000.'),
    netns: z
      .string()
      .min(1)
      .optional()
      .describe('Network namespace (ip netns name) the interface lives in. Default: this one.'),
  })
  .describe('The table-off WireGuard interface splitnet keeps up.');

const appSchemas = Object.values(APP_ADAPTERS).map((entry) => entry.schema) as [
  (typeof APP_ADAPTERS)[keyof typeof APP_ADAPTERS]['schema'],
];

export const dnsSchema = z
  .strictObject({
    servers: z
      .array(z.union([z.ipv4(), z.ipv6()], { error: 'expected an IP address' }))
      .min(1)
      .optional()
      .describe('Resolvers reached through the tunnel. Default: the DNS = of the wg-quick file.'),
  })
  .describe('DNS for bound connections.');

export const healthSchema = z
  .strictObject({
    handshakeMaxAge: z
      .int()
      .positive()
      .default(180)
      .describe('A handshake older than this many seconds is reported as stale. Default: 180.'),
    checkUrl: z
      .url({ protocol: /^https?$/, error: 'expected a URL (http:// or https://)' })
      .optional()
      .describe('An IP-echo URL (answers with the caller address) used by splitnet check.'),
    interval: z
      .number()
      .min(1)
      .max(3600)
      .default(30)
      .describe('Seconds between two full reconciles in splitnet watch. Default: 30.'),
  })
  .describe('Health thresholds.');

export const splitnetConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
    interface: interfaceSchema,
    apps: z
      .array(z.discriminatedUnion('adapter', appSchemas))
      .default([])
      .describe('The applications to bind to the interface.'),
    dns: dnsSchema.default({}),
    health: healthSchema.default({ handshakeMaxAge: 180, interval: 30 }),
    stateDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Where splitnet records what it did. Default: $SPLITNET_STATE_DIR, /var/lib/splitnet (root).',
      ),
  })
  .describe('splitnet: per-application split tunnelling over a table-off WireGuard interface.');

type Parsed = z.output<typeof splitnetConfigSchema>;

/** A validated configuration file; paths are absolute (resolved against the file's directory). */
export interface SplitnetConfig extends Omit<Parsed, 'apps'> {
  apps: AppConfig[];
  /** The file it was read from (absolute). */
  file: string;
}

/** The JSON Schema of the file, for editors (`yaml-language-server`, VS Code `json.schemas`). */
export function splitnetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(splitnetConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'splitnet configuration',
  };
}
