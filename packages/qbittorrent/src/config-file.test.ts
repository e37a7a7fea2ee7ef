import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@splitnet/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeIniValue,
  editIni,
  encodeIniValue,
  hashWebUiPassword,
  provisionConfig,
  qbittorrentConfigPath,
  readConfigBinding,
  readIniValue,
  revertConfig,
  verifyWebUiPassword,
} from './config-file.js';

// Shaped like a qBittorrent 4.5.2 file (Qt writes sections in alphabetical order).
const SAMPLE = `[AutoRun]
enabled=false
program=

[BitTorrent]
Session\\DefaultSavePath=/srv/downloads
Session\\Port=16881
Session\\QueueingSystemEnabled=true

[LegalNotice]
Accepted=true

[Meta]
MigrationVersion=4

[Network]
Cookies=@Invalid()
PortForwardingEnabled=false

[Preferences]
WebUI\\Port=18080
WebUI\\Password_PBKDF2="@ByteArray(ARQ77eY1NUZaQsuDHbIMCA==:0WMRkYTUWVT9wVvdDtHAjU9b3b7uB8NR1Gur2hmQCvCDpm39Q+PsJRJPaCU51dEiz+dTzh8qbPsL8WkFljQYFQ==)"
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitnet-qbt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('INI editing', () => {
  it('changes only the lines it must', () => {
    const out = editIni(SAMPLE, [
      { section: 'BitTorrent', key: 'Session\\Interface', value: 'wg0' },
      { section: 'Network', key: 'PortForwardingEnabled', value: 'true' },
    ]);
    const before = SAMPLE.split('\n');
    const after = out.split('\n');
    expect(after.length).toBe(before.length + 1);
    expect(after).toContain('Session\\Interface=wg0');
    expect(after.indexOf('Session\\Interface=wg0')).toBe(
      before.indexOf('Session\\QueueingSystemEnabled=true') + 1,
    );
    expect(after.filter((l) => !before.includes(l))).toEqual([
      'Session\\Interface=wg0',
      'PortForwardingEnabled=true',
    ]);
  });

  it('adds a missing section at the end, keeps CRLF and a missing final newline', () => {
    expect(editIni('[A]\r\nx=1', [{ section: 'B', key: 'y', value: '2' }])).toBe(
      '[A]\r\nx=1\r\n\r\n[B]\r\ny=2',
    );
    expect(editIni('', [{ section: 'B', key: 'y', value: '' }])).toBe('[B]\ny=\n');
  });

  it('removes keys and duplicates', () => {
    const text = '[S]\na=1\nb=2\na=3\n';
    expect(editIni(text, [{ section: 'S', key: 'a', value: '9' }])).toBe('[S]\na=9\nb=2\n');
    expect(editIni(text, [{ section: 'S', key: 'a', value: undefined }])).toBe('[S]\nb=2\n');
  });

  it('encodes like QSettings', () => {
    expect(encodeIniValue('wg0')).toBe('wg0');
    expect(encodeIniValue('a;b')).toBe('"a;b"');
    expect(encodeIniValue('@x')).toBe('@@x');
    expect(decodeIniValue('"a\\"b"')).toBe('a"b');
    expect(decodeIniValue(encodeIniValue('@x'))).toBe('@x');
    expect(readIniValue(SAMPLE, 'Preferences', 'WebUI\\Port')).toBe('18080');
  });
});

describe('offline provisioning', () => {
  it('writes the three binding keys atomically, keeps everything else and the file mode', async () => {
    const path = join(dir, 'qBittorrent.conf');
    await writeFile(path, SAMPLE, { mode: 0o640 });
    const result = await provisionConfig(path, { interfaceName: 'wg0' });
    expect(result.changed).toBe(true);
    expect(result.previous).toEqual({ interfaceName: '', address: '', mode: 'none' });
    const text = await readFile(path, 'utf8');
    expect(text).toContain(
      'Session\\Interface=wg0\nSession\\InterfaceName=wg0\nSession\\InterfaceAddress=\n',
    );
    expect(text.replace(/Session\\Interface.*\n/g, '')).toBe(SAMPLE);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readConfigBinding(path)).toMatchObject({
      interfaceName: 'wg0',
      address: '',
      mode: 'device',
    });
    // Idempotent.
    expect((await provisionConfig(path, { interfaceName: 'wg0' })).changed).toBe(false);
    // Revert restores the original bytes.
    await revertConfig(path, result.previous);
    expect(await readFile(path, 'utf8')).toBe(SAMPLE);
  });

  it('reverts to a previous explicit binding', async () => {
    const path = join(dir, 'qBittorrent.conf');
    const original =
      '[BitTorrent]\nSession\\Interface=eth0\nSession\\InterfaceName=eth0\nSession\\InterfaceAddress=192.0.2.2\n';
    await writeFile(path, original);
    const { previous } = await provisionConfig(path, { interfaceName: 'wg0' });
    expect(previous).toMatchObject({
      interfaceName: 'eth0',
      address: '192.0.2.2',
      mode: 'address',
    });
    await revertConfig(path, previous);
    expect(await readFile(path, 'utf8')).toBe(original);
  });

  it('creates a missing file (and directories) with mode 0600', async () => {
    const path = qbittorrentConfigPath({ profile: dir });
    expect(path).toBe(join(dir, 'qBittorrent', 'config', 'qBittorrent.conf'));
    const { warnings } = await provisionConfig(path, {
      interfaceName: 'wg0',
      webUi: { username: 'splitnet', password: 'pw' },
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^WebUI\\Password_PBKDF2="@ByteArray\(.+\)"$/m);
    expect(
      verifyWebUiPassword('pw', readIniValue(text, 'Preferences', 'WebUI\\Password_PBKDF2')!),
    ).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(['upnp-enabled']); // qBittorrent's default is on
    // Same password again: the hash (random salt) is not rewritten.
    expect(
      (
        await provisionConfig(path, {
          interfaceName: 'wg0',
          webUi: { username: 'splitnet', password: 'pw' },
        })
      ).changed,
    ).toBe(false);
  });

  it('rejects a bad interface name', async () => {
    await expect(provisionConfig(join(dir, 'x.conf'), { interfaceName: 'a/b' })).rejects.toSatisfy(
      ConfigError.is,
    );
  });

  it('config paths', () => {
    expect(qbittorrentConfigPath({ profile: '/p', configuration: 'x' })).toBe(
      '/p/qBittorrent_x/config/qBittorrent_x.conf',
    );
    expect(qbittorrentConfigPath({ configHome: '/h/.config' })).toBe(
      '/h/.config/qBittorrent/qBittorrent.conf',
    );
  });
});

describe('Web UI password hash', () => {
  it('is PBKDF2-SHA512, 100000 iterations, 16-byte salt, 64-byte key', () => {
    const salt = Buffer.alloc(16, 1);
    const value = hashWebUiPassword('adminadmin', salt);
    const m = /^@ByteArray\(([^:]+):([^)]+)\)$/.exec(value)!;
    expect(Buffer.from(m[1]!, 'base64')).toEqual(salt);
    expect(Buffer.from(m[2]!, 'base64').length).toBe(64);
    expect(verifyWebUiPassword('adminadmin', value)).toBe(true);
    expect(verifyWebUiPassword('other', value)).toBe(false);
    expect(hashWebUiPassword('adminadmin')).not.toBe(hashWebUiPassword('adminadmin'));
  });

  it('verifies the value qBittorrent 4.5 ships for adminadmin', () => {
    const stored = readIniValue(SAMPLE, 'Preferences', 'WebUI\\Password_PBKDF2')!;
    expect(verifyWebUiPassword('adminadmin', stored)).toBe(true);
  });
});
