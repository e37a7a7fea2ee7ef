import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@splitnet/core';
import { describe, expect, it } from 'vitest';
import { resolveCredentials } from './credentials.js';

describe('credentials', () => {
  it('options first, then files, then the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitnet-cred-'));
    try {
      const file = join(dir, 'pw');
      await writeFile(file, 'from-file\n');
      const env = {
        SPLITNET_QBITTORRENT_PASSWORD: 'from-env',
        SPLITNET_QBITTORRENT_USERNAME: 'envuser',
      };
      expect(await resolveCredentials({ password: 'opt', env })).toMatchObject({
        password: 'opt',
        username: 'envuser',
        source: 'option',
      });
      expect(await resolveCredentials({ passwordFile: file, env })).toMatchObject({
        password: 'from-file',
        source: 'file',
      });
      expect(await resolveCredentials({ env })).toMatchObject({
        password: 'from-env',
        source: 'env',
      });
      expect(
        await resolveCredentials({ env: { SPLITNET_QBITTORRENT_PASSWORD_FILE: file } }),
      ).toMatchObject({
        password: 'from-file',
        username: 'admin',
      });
      expect(await resolveCredentials({ env: {} })).toEqual({
        source: 'none',
        username: undefined,
        password: undefined,
        apiKey: undefined,
      });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('a missing file is a ConfigError naming the path, not the secret', async () => {
    const error = await resolveCredentials({ passwordFile: '/nonexistent/pw', env: {} }).catch(
      (e: unknown) => e,
    );
    expect(ConfigError.is(error)).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/pw');
  });

  it('an API key must look like one; its value is never shown', async () => {
    const error = await resolveCredentials({ apiKey: 'hunter2', env: {} }).catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
