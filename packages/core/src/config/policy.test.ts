import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import {
  assertInterfaceName,
  ConfigWarningCode,
  configWarnings,
  isValidInterfaceName,
  loadConfigFile,
  parseConfig,
} from './index.js';
import { interfaceNameSchema } from './interface-name.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const base = `[Interface]\nPrivateKey = ${key(1)}\nAddress = 10.66.0.2/32\n`;

describe('configWarnings', () => {
  it('warns that an absent Table (auto) is ignored in favour of Table=off', () => {
    const warnings = configWarnings(parseConfig(base));
    expect(warnings.map((w) => w.code)).toEqual([ConfigWarningCode.table]);
    expect(warnings[0]?.message).toMatch(/Table = auto \(the default\) is ignored.*Table = off/);
  });

  it('is silent for a plain Table = off file', () => {
    expect(configWarnings(parseConfig(`${base}Table = off\n`))).toEqual([]);
  });

  it('warns about Table 1234, DNS (once), hooks and SaveConfig', () => {
    const config = parseConfig(
      `${base}Table = 1234\nDNS = 10.64.0.1, 10.64.0.2\nDNS = example.com\nPostUp = echo up\nSaveConfig = true\n`,
    );
    const warnings = configWarnings(config);
    expect(warnings.map((w) => w.code)).toEqual([
      ConfigWarningCode.table,
      ConfigWarningCode.dns,
      ConfigWarningCode.hooks,
      ConfigWarningCode.saveConfig,
    ]);
    expect(warnings[0]?.message).toContain('Table = 1234 is ignored');
    expect(warnings[1]?.message).toMatch(/not applied to the host's resolver/);
    expect(warnings[2]?.message).toContain('runHooks: true');
    expect(configWarnings(config, { runHooks: true }).map((w) => w.code)).not.toContain(
      ConfigWarningCode.hooks,
    );
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitnet-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a private file with the policy warnings only', async () => {
    const path = join(dir, 'wg0.conf');
    await writeFile(path, `${base}Table = off\n`, { mode: 0o600 });
    await chmod(path, 0o600);
    const { config, warnings } = await loadConfigFile(path);
    expect(config.interface.addresses).toEqual(['10.66.0.2/32']);
    expect(warnings).toEqual([]);
  });

  it('warns when the file is readable by group or others', async () => {
    const path = join(dir, 'wg1.conf');
    await writeFile(path, `${base}Table = off\n`);
    await chmod(path, 0o644);
    const { warnings } = await loadConfigFile(path);
    expect(warnings).toEqual([
      {
        code: ConfigWarningCode.filePermissions,
        message: `${path} is readable by group and others (mode 0644) but holds a private key: chmod 600 ${path}`,
      },
    ]);
    await chmod(path, 0o640);
    expect((await loadConfigFile(path)).warnings[0]?.message).toContain('readable by its group');
  });

  it('names the file and line of a problem', async () => {
    const path = join(dir, 'bad.conf');
    await writeFile(path, `${base}MTU = 9\n`, { mode: 0o600 });
    await expect(loadConfigFile(path)).rejects.toMatchObject({
      code: 'SPLITNET_ERR_CONFIG',
      line: 4,
      key: 'Interface.MTU',
      message: expect.stringContaining(`${path} line 4: Interface.MTU is out of range`),
    });
  });

  it('throws ConfigError for a missing file or a directory', async () => {
    await expect(loadConfigFile(join(dir, 'nope.conf'))).rejects.toThrow(/no such file/);
    await expect(loadConfigFile(dir)).rejects.toSatisfy(ConfigError.is);
  });
});

describe('interface names', () => {
  it.each(['wg0', 'wg-vpn', 'a', 'x'.repeat(15), 'wg_0.1', 'wg=+'])('accepts %j', (name) => {
    expect(isValidInterfaceName(name)).toBe(true);
    expect(() => assertInterfaceName(name)).not.toThrow();
    expect(interfaceNameSchema.safeParse(name).success).toBe(true);
  });

  it.each([
    '',
    '.',
    '..',
    'x'.repeat(16),
    'wg/0',
    'wg 0',
    'wg\t0',
    'wg:0',
    'wg%d',
    '-wg0',
    'wg\u0000',
    'ééééééééé',
  ])('refuses %j', (name) => {
    expect(isValidInterfaceName(name)).toBe(false);
    expect(() => assertInterfaceName(name)).toThrow(ConfigError);
    expect(interfaceNameSchema.safeParse(name).success).toBe(false);
  });

  it('refuses non-strings with a ConfigError keyed InterfaceName', () => {
    expect(() => assertInterfaceName(undefined)).toThrow(
      expect.objectContaining({ key: 'InterfaceName', code: 'SPLITNET_ERR_CONFIG' }),
    );
  });
});
