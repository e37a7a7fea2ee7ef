/** `apps[]` entries with `adapter: qbittorrent`: options of `@splitnet/qbittorrent`. */
import { ConfigError } from '@splitnet/core';
import { qbittorrent } from '@splitnet/qbittorrent';
import { z } from 'zod';
import type { AdapterContext, AppAdapterEntry } from './apps.js';

const inline = (what: string, file: string, env: string) =>
  z
    .never({
      error: `inline ${what}s are refused (they end up in backups and bug reports): put it in a file and set ${file}, or name an environment variable with ${env}`,
    })
    .optional()
    .describe(`Refused: use ${file} or ${env}.`);

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' });

export const qbittorrentAppSchema = z
  .strictObject({
    adapter: z.literal('qbittorrent'),
    url: z
      .url({ protocol: /^https?$/, error: 'expected a URL (http:// or https://)' })
      .default('http://127.0.0.1:8080')
      .describe('Web UI URL. Default: http://127.0.0.1:8080.'),
    username: z
      .string()
      .min(1)
      .optional()
      .describe('Web UI user. Default: $SPLITNET_QBITTORRENT_USERNAME, else admin.'),
    password: inline('password', 'passwordFile', 'passwordEnv'),
    passwordFile: z
      .string()
      .min(1)
      .optional()
      .describe('File holding the Web UI password (relative to this file).'),
    passwordEnv: envName
      .optional()
      .describe(
        'Environment variable holding the Web UI password. Default: SPLITNET_QBITTORRENT_PASSWORD.',
      ),
    apiKey: inline('API key', 'apiKeyFile', 'apiKeyEnv'),
    apiKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe('File holding a qBittorrent 5.2+ API key (qbt_…).'),
    apiKeyEnv: envName.optional().describe('Environment variable holding the API key.'),
    auth: z
      .enum(['auto', 'session', 'basic', 'apikey', 'none'])
      .default('auto')
      .describe('How to authenticate. Default: auto.'),
    timeout: z
      .number()
      .positive()
      .max(600)
      .default(10)
      .describe('Per-request timeout in seconds. Default: 10.'),
    sockets: z
      .enum(['auto', 'check', 'skip'])
      .default('auto')
      .describe('Check the listen sockets with ss (auto: when the URL is local). Default: auto.'),
  })
  .describe('qBittorrent, bound through its Web API (device binding).');

export type QbittorrentAppConfig = z.output<typeof qbittorrentAppSchema>;

function fromEnv(env: Record<string, string | undefined>, name: string, key: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`[qbittorrent] the environment variable ${name} (${key}) is not set`, {
      key,
    });
  }
  return value;
}

export const qbittorrentApp: AppAdapterEntry<typeof qbittorrentAppSchema> = {
  schema: qbittorrentAppSchema,
  create: (o, context: AdapterContext) => {
    const env = context.env ?? process.env;
    return qbittorrent({
      url: o.url,
      username: o.username,
      passwordFile: o.passwordFile,
      password: o.passwordEnv ? fromEnv(env, o.passwordEnv, 'passwordEnv') : undefined,
      apiKeyFile: o.apiKeyFile,
      apiKey: o.apiKeyEnv ? fromEnv(env, o.apiKeyEnv, 'apiKeyEnv') : undefined,
      auth: o.auth,
      timeout: Math.round(o.timeout * 1000),
      sockets: o.sockets,
      socketsNetns: context.netns,
      env,
    });
  },
  describe: (o) => `qbittorrent (${o.url})`,
  calls: {
    bind: (o, name) => [
      `POST ${api(o.url)}/app/setPreferences json=${JSON.stringify({ current_network_interface: name, current_interface_address: '' })}`,
      `GET ${api(o.url)}/app/preferences (read back)`,
    ],
    rebind: (o, name) => [
      `POST ${api(o.url)}/app/setPreferences json=${JSON.stringify({ current_network_interface: name, current_interface_address: '', listen_port: '<port+1>' })}`,
      `POST ${api(o.url)}/app/setPreferences json={"listen_port":<port>} (new listen sockets on the new ifindex)`,
    ],
  },
};

const api = (url: string) => `${url.replace(/\/+$/, '')}/api/v2`;
