import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeQbittorrent, startFakeQbittorrent } from '@splitnet/qbittorrent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Io, main, readState } from './index.js';

let dir: string;
let server: FakeQbittorrent;
let out: string;
let err: string;
let io: Io;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitnet-cli-'));
  server = await startFakeQbittorrent({
    prefs: { current_network_interface: 'eth9', upnp: true },
    interfaces: ['lo'],
  });
  out = '';
  err = '';
  io = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: { SPLITNET_QBITTORRENT_PASSWORD: 'adminadmin' },
  };
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

// `lo` stands in for wg0: it exists everywhere and resolveBindTarget only reads it.
const common = () => ['--url', server.url, '--state-dir', dir, '--sockets', 'skip'];

describe('splitnet CLI', () => {
  it('bind qbittorrent → status → unbind qbittorrent', async () => {
    expect(await main(['bind', 'qbittorrent', '--interface', 'lo', ...common()], io)).toBe(0);
    expect(out).toMatch(
      /qbittorrent \(http:\/\/127\.0\.0\.1:\d+\) bound to lo \(ifindex 1\); before: eth9/,
    );
    expect(err).toMatch(/warning: UPnP/);
    expect(server.prefs.current_network_interface).toBe('lo');
    const state = await readState(dir);
    const record = Object.values(state.bindings)[0]!;
    expect(record).toMatchObject({ app: 'qbittorrent', interfaceName: 'lo', ifindex: 1 });
    expect(record.previous.interfaceName).toBe('eth9');
    expect(JSON.stringify(state)).not.toContain('adminadmin');

    out = '';
    expect(await main(['status', '--state-dir', dir], io)).toBe(0);
    expect(out).toMatch(/qbittorrent \(.*\) → lo: bound/);

    server.prefs.current_network_interface = 'eth9';
    out = '';
    expect(await main(['status', '--state-dir', dir, '--json'], io)).toBe(3);
    expect(JSON.parse(out).bindings[0]).toMatchObject({ state: 'drift' });

    server.prefs.current_network_interface = 'lo';
    out = '';
    expect(await main(['unbind', 'qbittorrent', ...common()], io)).toBe(0);
    expect(out).toMatch(/restored to eth9/);
    expect(server.prefs.current_network_interface).toBe('eth9');
    expect((await readState(dir)).bindings).toEqual({});
  });

  it('bind twice keeps the first "previous"', async () => {
    await main(['bind', 'qbittorrent', '-i', 'lo', ...common()], io);
    out = '';
    await main(['bind', 'qbittorrent', '-i', 'lo', ...common(), '--json'], io);
    expect(JSON.parse(out)).toMatchObject({ changed: false, previous: { interfaceName: 'eth9' } });
  });

  it('wrong password: typed error, exit 1, no secret printed, one login', async () => {
    io.env = { SPLITNET_QBITTORRENT_PASSWORD: 'not-the-password' };
    expect(await main(['bind', 'qbittorrent', '-i', 'lo', ...common()], io)).toBe(1);
    expect(err).toMatch(/wrong username or password.*\(SPLITNET_ERR_AUTH\)/);
    expect(err + out).not.toContain('not-the-password');
    expect(server.loginAttempts).toBe(1);
  });

  it('a missing interface and usage errors', async () => {
    expect(await main(['bind', 'qbittorrent', '-i', 'splitnetnx0', ...common()], io)).toBe(1);
    expect(err).toContain('SPLITNET_ERR_INTERFACE_NOT_FOUND');
    expect(await main(['bind', 'qbittorrent', ...common()], io)).toBe(2);
    expect(await main(['unbind', 'qbittorrent', ...common()], io)).toBe(1);
    expect(err).toMatch(/nothing to restore/);
    expect(await main(['unbind', 'qbittorrent', '--force', ...common()], io)).toBe(0);
    expect(server.prefs.current_network_interface).toBe('');
  });

  it('offline: edits the config file and restores it', async () => {
    const profile = join(dir, 'profile');
    expect(
      await main(
        ['bind', 'qbittorrent', '-i', 'wg0', '--offline', '--profile', profile, '--state-dir', dir],
        io,
      ),
    ).toBe(0);
    expect(out).toMatch(/bound to wg0/);
    out = '';
    expect(await main(['status', '--state-dir', dir], io)).toBe(0);
    expect(out).toMatch(/→ wg0: bound/);
    expect(
      await main(
        ['unbind', 'qbittorrent', '--offline', '--profile', profile, '--state-dir', dir],
        io,
      ),
    ).toBe(0);
  });
});
