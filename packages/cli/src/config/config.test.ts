import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapterFor,
  configPathFrom,
  describeApp,
  loadSplitnetConfig,
  parseSplitnetConfig,
  SplitnetConfigFileError,
  splitnetJsonSchema,
} from './index.js';

const FILE = '/etc/splitnet/splitnet.yaml';
const parse = (text: string) => parseSplitnetConfig(text, FILE);
const errorOf = (text: string) => {
  try {
    parse(text);
  } catch (error) {
    if (SplitnetConfigFileError.isConfigFileError(error)) return error;
    throw error;
  }
  throw new Error('expected a config error');
};

const minimal = `
interface:
  config: wg0.conf
  name: wg0
apps:
  - adapter: qbittorrent
    url: http://127.0.0.1:8080
    passwordFile: secrets/qbt
`;

describe('configuration file', () => {
  it('parses YAML with defaults and resolves paths against the file', () => {
    const config = parse(minimal);
    expect(config.interface).toEqual({
      config: '/etc/splitnet/wg0.conf',
      name: 'wg0',
      table: 51820,
      priority: 10000,
    });
    expect(config.apps[0]).toMatchObject({
      adapter: 'qbittorrent',
      url: 'http://127.0.0.1:8080',
      passwordFile: '/etc/splitnet/secrets/qbt',
      auth: 'auto',
      timeout: 10,
    });
    expect(config.health).toEqual({ handshakeMaxAge: 180, interval: 30 });
    expect(config.dns).toEqual({});
    expect(config.file).toBe(FILE);
    expect(describeApp(config.apps[0]!)).toBe('qbittorrent (http://127.0.0.1:8080)');
  });

  it('parses JSON too', () => {
    const config = parse(
      JSON.stringify({
        interface: { config: '/x/wg1.conf', name: 'wg1', table: 100 },
        dns: { servers: ['10.66.0.1', '2001:db8::53'] },
        health: { handshakeMaxAge: 60, checkUrl: 'http://198.51.100.1/ip', interval: 5 },
      }),
    );
    expect(config.interface.table).toBe(100);
    expect(config.apps).toEqual([]);
    expect(config.dns.servers).toEqual(['10.66.0.1', '2001:db8::53']);
  });

  it.each([
    [
      'a bad URL',
      minimal.replace('http://127.0.0.1:8080', 'not a url'),
      /splitnet\.yaml:7: apps\[0\]\.url: expected a URL/,
    ],
    [
      'an unknown key',
      minimal.replace('  name: wg0', '  name: wg0\n  tabel: 7'),
      /splitnet\.yaml:5: interface\.tabel: unknown key/,
    ],
    [
      'an unknown adapter',
      minimal.replace('adapter: qbittorrent', 'adapter: utorrent'),
      /:6: apps\[0\]\.adapter: unknown adapter; known adapters: qbittorrent/,
    ],
    [
      'an inline password',
      `${minimal}    password: hunter2\n`,
      /apps\[0\]\.password: inline passwords are refused .*passwordFile/,
    ],
    ['a missing interface', 'apps: []\n', /splitnet\.yaml: interface: missing/],
    [
      'a bad interface name',
      minimal.replace('name: wg0', 'name: this-name-is-too-long'),
      /interface\.name: expected an interface name/,
    ],
    [
      'a reserved table',
      `${minimal}\n`.replace('  name: wg0', '  name: wg0\n  table: 254'),
      /interface\.table: tables 253-255/,
    ],
    [
      'a bad DNS server',
      `${minimal}dns:\n  servers: [dns.example]\n`,
      /dns\.servers\[0\]: expected an IP address/,
    ],
    ['not YAML', 'interface: [\n', /splitnet\.yaml:\d+: not valid YAML/],
    ['a list', '- 1\n', /expected a mapping/],
    ['a duplicate key', `${minimal}apps: []\n`, /not valid YAML\/JSON: Map keys must be unique/],
  ])('%s → one message with the file and the path', (_what, text, pattern) => {
    const error = errorOf(text);
    expect(error.code).toBe('SPLITNET_ERR_CONFIG');
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(FILE);
    expect(error.message).not.toContain('hunter2');
  });

  describe('files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'splitnet-config-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('a missing file names the file and how to point at another', async () => {
      const error = await loadSplitnetConfig(join(dir, 'nope.yaml')).catch((e: unknown) => e);
      expect(SplitnetConfigFileError.isConfigFileError(error)).toBe(true);
      expect((error as Error).message).toMatch(/nope\.yaml: no such file .*--config/);
    });

    it('loads a file, and creates its adapters', async () => {
      await writeFile(join(dir, 'splitnet.yaml'), minimal);
      const config = await loadSplitnetConfig(join(dir, 'splitnet.yaml'));
      expect(config.interface.config).toBe(join(dir, 'wg0.conf'));
      const adapter = adapterFor(config.apps[0]!, { env: {} });
      expect(adapter.name).toBe('qbittorrent');
    });

    it('passwordEnv must be set when the adapter is created', () => {
      const config = parse(`${minimal}    passwordEnv: QBT_PASS\n`);
      expect(() => adapterFor(config.apps[0]!, { env: {} })).toThrow(/QBT_PASS .* is not set/);
      expect(adapterFor(config.apps[0]!, { env: { QBT_PASS: 'x' } }).name).toBe('qbittorrent');
    });
  });

  it('config path: option, then $SPLITNET_CONFIG, then /etc/splitnet/splitnet.yaml', () => {
    expect(configPathFrom('/a.yaml', { SPLITNET_CONFIG: '/b.yaml' })).toBe('/a.yaml');
    expect(configPathFrom(undefined, { SPLITNET_CONFIG: '/b.yaml' })).toBe('/b.yaml');
    expect(configPathFrom(undefined, {})).toBe('/etc/splitnet/splitnet.yaml');
  });

  it('the committed JSON Schema is current (pnpm --filter splitnet schema)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../schema/splitnet.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(splitnetJsonSchema());
    expect(JSON.stringify(committed)).toContain('"const":"qbittorrent"');
  });
});
