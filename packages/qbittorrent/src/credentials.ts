/**
 * Where qBittorrent credentials come from: options, environment variables, or files (a Docker /
 * systemd secret). They are read lazily, kept in memory only, never printed and never put in an
 * error message.
 *
 * @example
 * ```ts
 * const creds = await resolveCredentials({ username: 'admin', passwordFile: '/run/secrets/qbt' });
 * ```
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@splitnet/core';

/** Environment variables read when an option is not given. */
export const QBITTORRENT_ENV = {
  username: 'SPLITNET_QBITTORRENT_USERNAME',
  password: 'SPLITNET_QBITTORRENT_PASSWORD',
  passwordFile: 'SPLITNET_QBITTORRENT_PASSWORD_FILE',
  apiKey: 'SPLITNET_QBITTORRENT_API_KEY',
  apiKeyFile: 'SPLITNET_QBITTORRENT_API_KEY_FILE',
} as const;

export interface CredentialOptions {
  /** Web UI user name. Default: `$SPLITNET_QBITTORRENT_USERNAME`, else `admin` when a password is set. */
  username?: string | undefined;
  /** Web UI password. Prefer `passwordFile` or the environment: options end up in shell history. */
  password?: string | undefined;
  /** A file holding the password (trailing newline ignored). Default: `$SPLITNET_QBITTORRENT_PASSWORD_FILE`. */
  passwordFile?: string | undefined;
  /** A qBittorrent 5.2+ API key (`qbt_…`), sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** A file holding the API key. Default: `$SPLITNET_QBITTORRENT_API_KEY_FILE`. */
  apiKeyFile?: string | undefined;
  /** Where to read the `SPLITNET_QBITTORRENT_*` variables. Default: `process.env`. */
  env?: Record<string, string | undefined> | undefined;
}

export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
  apiKey?: string | undefined;
  /** Where the secret came from (`option`, `env`, `file`, `none`): safe to show. */
  source: 'option' | 'env' | 'file' | 'none';
}

async function readSecret(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`[qbittorrent] cannot read the ${what} file ${path} (${code})`, {
      key: `${what}File`,
    });
  }
}

/** Resolves credentials: option, then file option, then env var, then env file var. */
export async function resolveCredentials(options: CredentialOptions): Promise<Credentials> {
  const env = options.env ?? process.env;
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  let apiKey: string | undefined;
  let password: string | undefined;
  let source: Credentials['source'] = 'none';

  if (options.apiKey !== undefined) [apiKey, source] = [options.apiKey, 'option'];
  else if (options.apiKeyFile)
    [apiKey, source] = [await readSecret(options.apiKeyFile, 'apiKey'), 'file'];
  else if (nonEmpty(env[QBITTORRENT_ENV.apiKey]))
    [apiKey, source] = [env[QBITTORRENT_ENV.apiKey], 'env'];
  else if (nonEmpty(env[QBITTORRENT_ENV.apiKeyFile]))
    [apiKey, source] = [await readSecret(env[QBITTORRENT_ENV.apiKeyFile]!, 'apiKey'), 'file'];

  if (options.password !== undefined) [password, source] = [options.password, 'option'];
  else if (options.passwordFile)
    [password, source] = [await readSecret(options.passwordFile, 'password'), 'file'];
  else if (nonEmpty(env[QBITTORRENT_ENV.password]))
    [password, source] = [env[QBITTORRENT_ENV.password], 'env'];
  else if (nonEmpty(env[QBITTORRENT_ENV.passwordFile]))
    [password, source] = [await readSecret(env[QBITTORRENT_ENV.passwordFile]!, 'password'), 'file'];

  if (apiKey !== undefined && !/^qbt_[A-Za-z0-9]{20,64}$/.test(apiKey)) {
    throw new ConfigError('[qbittorrent] the API key does not look like qbt_… (value not shown)', {
      key: 'apiKey',
    });
  }
  const username =
    options.username ??
    nonEmpty(env[QBITTORRENT_ENV.username]) ??
    (password !== undefined ? 'admin' : undefined);
  return { username, password, apiKey, source };
}
