/**
 * Loads a wg-quick file from disk: reads it, parses it with the path in every message, and lists
 * the warnings that apply (the file is readable by group or others; the Table, DNS, hooks and
 * SaveConfig policy of {@link configWarnings}).
 *
 * @example
 * ```ts
 * import { loadConfigFile } from '@splitnet/core';
 * const { config, warnings } = await loadConfigFile('/etc/wireguard/wg0.conf');
 * for (const w of warnings) console.warn(`[splitnet] ${w.message}`);
 * ```
 */
import { open } from 'node:fs/promises';
import { ConfigError, PermissionError } from '../errors.js';
import { parseConfig } from './parse.js';
import { type ConfigWarning, ConfigWarningCode, configWarnings } from './policy.js';
import type { WgQuickConfig } from './schema.js';

/** Largest file accepted: a wg-quick file with thousands of peers stays far below. */
const MAX_BYTES = 4 * 1024 * 1024;

/** Options of {@link loadConfigFile}. */
export interface LoadConfigFileOptions {
  /** The caller will run the file's hooks, so they get no warning. Default: `false`. */
  runHooks?: boolean | undefined;
  /** Cancels the read. Default: none. */
  signal?: AbortSignal | undefined;
}

/** What {@link loadConfigFile} returns. */
export interface LoadedConfig {
  /** The validated configuration. */
  config: WgQuickConfig;
  /** Everything splitnet will treat differently from wg-quick, and a loose file mode. */
  warnings: ConfigWarning[];
}

/**
 * Reads and parses a wg-quick file. Throws {@link ConfigError} when the file is missing, not a
 * regular file, too large or invalid (with line and key), and {@link PermissionError} when it
 * can not be read for lack of privilege.
 *
 * @param path - The file, e.g. `/etc/wireguard/wg0.conf`.
 * @param options - {@link LoadConfigFileOptions}.
 */
export async function loadConfigFile(
  path: string,
  options: LoadConfigFileOptions = {},
): Promise<LoadedConfig> {
  let text: string;
  let mode: number;
  try {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ConfigError(`${path} is not a regular file`);
      if (stat.size > MAX_BYTES) {
        throw new ConfigError(
          `${path} is larger than ${MAX_BYTES} bytes; expected a wg-quick file`,
        );
      }
      mode = stat.mode;
      text = await handle.readFile({ encoding: 'utf8', signal: options.signal });
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (ConfigError.is(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new PermissionError(`cannot read ${path}: permission denied. Run as root.`, {
        cause: error,
      });
    }
    const reason = code === 'ENOENT' ? 'no such file' : (code ?? 'read failed');
    throw new ConfigError(`cannot read ${path}: ${reason}`, {}, { cause: error });
  }

  const config = parseConfig(text, { source: path });
  const warnings: ConfigWarning[] = [];
  const loose = mode & 0o044;
  if (loose !== 0) {
    const who = loose === 0o044 ? 'group and others' : loose === 0o040 ? 'its group' : 'others';
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    warnings.push({
      code: ConfigWarningCode.filePermissions,
      message: `${path} is readable by ${who} (mode ${octal}) but holds a private key: chmod 600 ${path}`,
    });
  }
  warnings.push(...configWarnings(config, { runHooks: options.runHooks }));
  return { config, warnings };
}
