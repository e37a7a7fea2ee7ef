/**
 * Offline provisioning: bind qBittorrent in its config file while it is stopped, so that the very
 * first announce after it starts is already bound (setting it through the API after start leaves a
 * window for torrents already in the session). The file is edited line by line: every other line,
 * comment and key order is kept, and it is replaced atomically (temp file + rename, same mode and
 * owner). Plus the `WebUI\Password_PBKDF2` value for provisioning credentials.
 *
 * @example
 * ```ts
 * const path = qbittorrentConfigPath({ profile: '/srv/qbt' }); // /srv/qbt/qBittorrent/config/qBittorrent.conf
 * const { previous } = await provisionConfig(path, { interfaceName: 'wg0' });
 * // … later
 * await revertConfig(path, previous);
 * ```
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chown, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type AdapterWarning,
  type BindingState,
  bindingState,
  ConfigError,
  parseInterfaceName,
} from '@splitnet/core';

/** The INI keys qBittorrent (4.1 to 5.x) keeps the binding in, all in section `[BitTorrent]`. */
export const BINDING_KEYS = {
  section: 'BitTorrent',
  interface: 'Session\\Interface',
  interfaceName: 'Session\\InterfaceName',
  interfaceAddress: 'Session\\InterfaceAddress',
} as const;

export interface ConfigPathOptions {
  /** The `--profile` directory qBittorrent runs with. Default: none (the user's config dir). */
  profile?: string | undefined;
  /** The `--configuration` name (adds `_<name>`). */
  configuration?: string | undefined;
  /** Home directory when there is no profile. Default: `$XDG_CONFIG_HOME` or `~/.config`. */
  configHome?: string | undefined;
}

/** Where qbittorrent-nox keeps `qBittorrent.conf`. */
export function qbittorrentConfigPath(options: ConfigPathOptions = {}): string {
  const suffix = options.configuration ? `_${options.configuration}` : '';
  if (options.profile) {
    return join(options.profile, `qBittorrent${suffix}`, 'config', `qBittorrent${suffix}.conf`);
  }
  const home = options.configHome ?? process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(home, `qBittorrent${suffix}`, `qBittorrent${suffix}.conf`);
}

// ---- a line-preserving editor for QSettings INI files -------------------------------------------

/** One change: set `key` in `[section]` to `value`, or remove it (`value: undefined`). */
export interface IniChange {
  section: string;
  key: string;
  value: string | undefined;
  /** Write `value` verbatim (already QSettings-encoded, e.g. a quoted `@ByteArray(…)`). */
  raw?: boolean | undefined;
}

/** QSettings value encoding for plain strings (quotes when needed; `@` is escaped as `@@`). */
export function encodeIniValue(value: string): string {
  const escaped = value.startsWith('@') ? `@${value}` : value;
  if (/^[A-Za-z0-9_.\-:+/*!#$%&'()<>?^`{|}~@ ]*$/.test(escaped) && !/^ | $/.test(escaped)) {
    return escaped;
  }
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Decodes a QSettings value written by qBittorrent or {@link encodeIniValue}. */
export function decodeIniValue(raw: string): string {
  let v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return v.startsWith('@@') ? v.slice(1) : v;
}

interface Line {
  text: string;
  section: string | undefined;
  key: string | undefined;
}

function parseLines(text: string): { lines: Line[]; eol: string; finalEol: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalEol = text === '' || text.endsWith('\n');
  const raw = text.split(/\r?\n/);
  if (finalEol) raw.pop();
  let section: string | undefined;
  const lines = raw.map((line): Line => {
    const header = /^\s*\[(.*)\]\s*$/.exec(line);
    if (header) {
      section = header[1];
      return { text: line, section, key: undefined };
    }
    const eq = line.indexOf('=');
    const isComment = /^\s*[;#]/.test(line);
    return {
      text: line,
      section,
      key: eq > 0 && !isComment ? line.slice(0, eq).trim() : undefined,
    };
  });
  return { lines, eol, finalEol };
}

/** Reads `[section] key` (decoded), or undefined. */
export function readIniValue(text: string, section: string, key: string): string | undefined {
  const line = parseLines(text).lines.find((l) => l.section === section && l.key === key);
  if (!line) return undefined;
  return decodeIniValue(line.text.slice(line.text.indexOf('=') + 1));
}

/** Applies changes, keeping every other line as it was. Values are written encoded. */
export function editIni(text: string, changes: readonly IniChange[]): string {
  const { lines, eol, finalEol } = parseLines(text);
  for (const change of changes) {
    const matches = lines
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.section === change.section && l.key === change.key);
    const newLine = (): Line => ({
      text: `${change.key}=${change.raw ? (change.value ?? '') : encodeIniValue(change.value ?? '')}`,
      section: change.section,
      key: change.key,
    });
    // Remove duplicates (QSettings would read the last one): keep one line at the first position.
    for (const { i } of matches.slice(1).reverse()) lines.splice(i, 1);
    const first = matches[0];
    if (change.value === undefined) {
      if (first) lines.splice(first.i, 1);
      continue;
    }
    if (first) {
      lines[first.i] = newLine();
      continue;
    }
    const inSection = lines
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => l.section === change.section);
    if (inSection.length > 0) {
      // After the section's last key line (or its header).
      const lastKey =
        [...inSection].reverse().find(({ l }) => l.key !== undefined) ?? inSection[0]!;
      lines.splice(lastKey.i + 1, 0, newLine());
    } else {
      if (lines.length > 0 && lines[lines.length - 1]!.text.trim() !== '') {
        lines.push({ text: '', section: undefined, key: undefined });
      }
      lines.push({ text: `[${change.section}]`, section: change.section, key: undefined });
      lines.push(newLine());
    }
  }
  const out = lines.map((l) => l.text).join(eol);
  return finalEol || lines.length === 0 ? `${out}${eol}` : out;
}

// ---- atomic file replacement --------------------------------------------------------------------

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `[qbittorrent] cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
      { key: 'configPath' },
      { cause: error },
    );
  }
}

/** Writes `text` to `path` atomically, keeping the old file's mode and owner. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const old = await stat(path).catch(() => undefined);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.splitnet-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', old ? old.mode & 0o7777 : 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (old && process.getuid?.() === 0 && (old.uid !== 0 || old.gid !== 0)) {
      await chown(tmp, old.uid, old.gid);
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

// ---- provisioning --------------------------------------------------------------------------------

/** Reads the binding from a config file (a missing file or key means "not bound"). */
export async function readConfigBinding(path: string): Promise<BindingState> {
  const text = (await readIfExists(path)) ?? '';
  const iface = readIniValue(text, BINDING_KEYS.section, BINDING_KEYS.interface) ?? '';
  const address = readIniValue(text, BINDING_KEYS.section, BINDING_KEYS.interfaceAddress) ?? '';
  const name = readIniValue(text, BINDING_KEYS.section, BINDING_KEYS.interfaceName);
  return bindingState(iface, address, name === undefined ? undefined : { interfaceName: name });
}

/** Warnings for config-file settings that undercut the binding. */
export function configWarnings(text: string): AdapterWarning[] {
  const warnings: AdapterWarning[] = [];
  const get = (section: string, key: string) => readIniValue(text, section, key);
  // qBittorrent's default for UPnP/NAT-PMP is ON.
  if ((get('Network', 'PortForwardingEnabled') ?? 'true') !== 'false') {
    warnings.push({
      code: 'upnp-enabled',
      message:
        'UPnP/NAT-PMP is on ([Network] PortForwardingEnabled): it maps the listen port on the home router, outside the tunnel; turn it off',
    });
  }
  if ((get('Preferences', 'General\\UseRandomPort') ?? 'false') === 'true') {
    warnings.push({
      code: 'random-port',
      message:
        'a random listen port is chosen at each start (General\\UseRandomPort): a forwarded VPN port cannot follow it',
    });
  }
  return warnings;
}

export interface ProvisionOptions {
  /** The interface to bind to (device binding: the address is left empty). */
  interfaceName: string;
  /** Also provision Web UI credentials (the password is stored as a PBKDF2 hash). */
  webUi?: { username: string; password: string } | undefined;
  /** Further `[section] key=value` settings to write, e.g. lab hardening. */
  extra?: readonly IniChange[] | undefined;
}

export interface ProvisionResult {
  /** The binding in the file before; pass it to {@link revertConfig}. */
  previous: BindingState;
  changed: boolean;
  warnings: AdapterWarning[];
}

/**
 * Writes `Session\Interface`, `Session\InterfaceName` (= the interface) and an empty
 * `Session\InterfaceAddress` into the stopped qBittorrent's config. qBittorrent must be stopped:
 * a running one writes its own settings back on exit.
 */
export async function provisionConfig(
  path: string,
  options: ProvisionOptions,
): Promise<ProvisionResult> {
  const name = parseInterfaceName(options.interfaceName);
  const text = (await readIfExists(path)) ?? '';
  const previous = await readConfigBinding(path);
  const { section } = BINDING_KEYS;
  const changes: IniChange[] = [
    { section, key: BINDING_KEYS.interface, value: name },
    { section, key: BINDING_KEYS.interfaceName, value: name },
    { section, key: BINDING_KEYS.interfaceAddress, value: '' },
  ];
  const storedHash = readIniValue(text, 'Preferences', 'WebUI\\Password_PBKDF2');
  if (options.webUi) {
    const same =
      storedHash !== undefined && verifyWebUiPassword(options.webUi.password, storedHash);
    changes.push(
      { section: 'Preferences', key: 'WebUI\\Username', value: options.webUi.username },
      // A @ByteArray value, written quoted exactly as qBittorrent writes it (not string-encoded).
      ...(same
        ? []
        : [
            {
              section: 'Preferences',
              key: 'WebUI\\Password_PBKDF2',
              value: `"${hashWebUiPassword(options.webUi.password)}"`,
              raw: true,
            },
          ]),
    );
  }
  changes.push(...(options.extra ?? []));
  const next = editIni(text, changes);
  const changed = next !== text;
  if (changed) await writeFileAtomic(path, next);
  return { previous, changed, warnings: configWarnings(next) };
}

/** Restores the binding keys as {@link provisionConfig} found them (other keys untouched). */
export async function revertConfig(path: string, previous: BindingState): Promise<void> {
  const text = (await readIfExists(path)) ?? '';
  const { section } = BINDING_KEYS;
  const details = previous.details as { interfaceName?: string } | undefined;
  const unset = previous.interfaceName === '' && previous.address === '';
  const next = editIni(text, [
    { section, key: BINDING_KEYS.interface, value: unset ? undefined : previous.interfaceName },
    {
      section,
      key: BINDING_KEYS.interfaceName,
      value: unset ? details?.interfaceName : (details?.interfaceName ?? previous.interfaceName),
    },
    { section, key: BINDING_KEYS.interfaceAddress, value: unset ? undefined : previous.address },
  ]);
  if (next !== text) await writeFileAtomic(path, next);
}

// ---- Web UI password hash ------------------------------------------------------------------------

const PBKDF2 = { iterations: 100_000, keyLength: 64, digest: 'sha512', saltLength: 16 } as const;

/**
 * The `WebUI\Password_PBKDF2` value for `password`: `@ByteArray(<salt b64>:<key b64>)` with
 * PBKDF2-HMAC-SHA512, 100 000 iterations, a 16-byte random salt and a 64-byte key (qBittorrent's
 * `Utils::Password::PBKDF2`). Write it quoted: `WebUI\Password_PBKDF2="@ByteArray(…)"`.
 */
export function hashWebUiPassword(
  password: string,
  salt: Uint8Array = randomBytes(PBKDF2.saltLength),
): string {
  if (salt.length !== PBKDF2.saltLength) {
    throw new ConfigError('[qbittorrent] the PBKDF2 salt must be 16 bytes', { key: 'salt' });
  }
  const key = pbkdf2Sync(password, salt, PBKDF2.iterations, PBKDF2.keyLength, PBKDF2.digest);
  return `@ByteArray(${Buffer.from(salt).toString('base64')}:${key.toString('base64')})`;
}

/** Checks `password` against a `WebUI\Password_PBKDF2` value (quoted or not). */
export function verifyWebUiPassword(password: string, value: string): boolean {
  const m = /^"?@ByteArray\(([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)\)"?$/.exec(value.trim());
  if (!m) return false;
  const salt = Buffer.from(m[1]!, 'base64');
  const expected = Buffer.from(m[2]!, 'base64');
  const key = pbkdf2Sync(password, salt, PBKDF2.iterations, expected.length || 64, PBKDF2.digest);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
