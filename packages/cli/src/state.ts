/**
 * What `splitnet bind` remembers so that `unbind` (another process) can restore the previous
 * setting and `status` can check it: one JSON file, written atomically, mode 0600. It never holds
 * a secret: only where the secret lives (a file path) or that it came from the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BindingState } from '@splitnet/core';

export interface BindingRecord {
  app: 'qbittorrent';
  /** `api` (through the Web UI) or `offline` (the config file). */
  via: 'api' | 'offline';
  /** Web UI URL (api) — no credentials in it. */
  url?: string | undefined;
  /** Config file (offline). */
  configPath?: string | undefined;
  interfaceName: string;
  ifindex?: number | undefined;
  /** What the app was bound to before the first bind, for `unbind`. */
  previous: BindingState;
  boundAt: string;
  /** How to authenticate again, without the secret itself. */
  auth?:
    | {
        username?: string | undefined;
        passwordFile?: string | undefined;
        apiKeyFile?: string | undefined;
        mode?: string | undefined;
        sockets?: string | undefined;
      }
    | undefined;
}

export interface StateFile {
  version: 1;
  bindings: Record<string, BindingRecord>;
}

/** `$SPLITNET_STATE_DIR`, else `/var/lib/splitnet` for root, else `$XDG_STATE_HOME/splitnet`. */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SPLITNET_STATE_DIR) return env.SPLITNET_STATE_DIR;
  if (process.getuid?.() === 0) return '/var/lib/splitnet';
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'splitnet');
}

export const bindingKey = (record: Pick<BindingRecord, 'app' | 'via' | 'url' | 'configPath'>) =>
  `${record.app} ${record.via === 'api' ? record.url : `file:${record.configPath}`}`;

export async function readState(dir: string): Promise<StateFile> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, 'bindings.json'), 'utf8')) as StateFile;
    return parsed.version === 1 && typeof parsed.bindings === 'object'
      ? parsed
      : { version: 1, bindings: {} };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, bindings: {} };
    throw error;
  }
}

export async function writeState(dir: string, state: StateFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'bindings.json');
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(tmp, file);
}
