/**
 * `splitnet check` (issue 5) against the lab: a real tunnel in "home", a real qbittorrent-nox
 * bound to it, the lab's IP-echo server as `health.checkUrl`. The CLI runs INSIDE the home
 * namespace (child process), where a user would run it. Passes when bound egress is the VPN exit
 * and unbound egress the home uplink; fails with DRIFT (3) when qBittorrent is unbound behind our
 * back, with LEAK (5) when unbound traffic comes out at the VPN exit too, and with 1 when the
 * interface is gone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { down, parseConfig, up } from '@splitnet/core';
import {
  createLab,
  hasQbittorrentNox,
  type Lab,
  type LabQbittorrent,
  labAvailable,
  startLabQbittorrent,
} from '@splitnet/lab';
import { provisionConfig } from '@splitnet/qbittorrent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEchoAnswer } from '../src/commands/check.js';
import { CLI, TSCONFIG } from './run-cli.js';

const available = await labAvailable();
const hasQbt = hasQbittorrentNox();
const skip = !available.ok || !hasQbt;
if (skip) {
  console.log(
    `check lab tests skipped: ${available.ok ? 'qbittorrent-nox is not installed' : available.reason}`,
  );
}

const WEB_PORT = 18080;
const USER = 'splitnet';
const PASSWORD = 'lab-only-password';
const HOME = '192.0.2.2';
const VPN_EXIT = '203.0.113.2';

interface Report {
  exitCode: number;
  bound: { address?: string; error?: string };
  unbound: { address?: string; error?: string };
  rows: { id: string; status: string; detail: string }[];
}

describe('parseEchoAnswer', () => {
  it('reads text and JSON answers', () => {
    expect(parseEchoAnswer('192.0.2.2\n')).toBe('192.0.2.2');
    expect(parseEchoAnswer('{"address":"2001:db8:3::2","family":6}')).toBe('2001:db8:3::2');
    expect(parseEchoAnswer('{"ip":"203.0.113.2"}')).toBe('203.0.113.2');
    expect(parseEchoAnswer('<html>')).toBeUndefined();
  });
});

describe.skipIf(skip)('splitnet check (lab, real qbittorrent-nox)', () => {
  let lab: Lab;
  let ifname: string;
  let qbt: LabQbittorrent;
  let configFile: string;

  const upTunnel = () => up(parseConfig(lab.homeConfigText), { name: ifname, netns: lab.ns.home });
  const check = async (extra: string[] = []) => {
    const r = await lab.exec(
      'home',
      process.execPath,
      ['--import', 'tsx', CLI, 'check', '--config', configFile, '--json', ...extra],
      { env: { TSX_TSCONFIG_PATH: TSCONFIG }, timeout: 90_000, reject: false },
    );
    const report = JSON.parse(r.stdout) as Report;
    console.log(
      `check exit ${r.exitCode}: ${report.rows.map((x) => `${x.id}=${x.status}`).join(' ')}`,
    );
    expect(report.exitCode).toBe(r.exitCode);
    return report;
  };
  const row = (r: Report, id: string) => r.rows.find((x) => x.id === id || x.id.startsWith(id));
  const api = async (path: string, form: string[]) => {
    const jar = join(lab.workDir, 'cookies');
    await lab.exec('home', 'curl', [
      '-sS',
      '-c',
      jar,
      '--data-urlencode',
      `username=${USER}`,
      '--data-urlencode',
      `password=${PASSWORD}`,
      `http://127.0.0.1:${WEB_PORT}/api/v2/auth/login`,
    ]);
    return lab.exec('home', 'curl', [
      '-sS',
      '-b',
      jar,
      ...form.flatMap((f) => ['--data-urlencode', f]),
      `http://127.0.0.1:${WEB_PORT}/api/v2/${path}`,
    ]);
  };
  const setInterface = (name: string) =>
    api('app/setPreferences', [`json=${JSON.stringify({ current_network_interface: name })}`]);

  beforeAll(async () => {
    lab = await createLab();
    ifname = lab.homeInterfaceName;
    await upTunnel();
    const dir = join(lab.workDir, 'etc');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'home.conf'), lab.homeConfigText, { mode: 0o600 });
    await writeFile(join(dir, 'qbt.password'), `${PASSWORD}\n`, { mode: 0o600 });
    configFile = join(dir, 'splitnet.yaml');
    await writeFile(
      configFile,
      [
        'interface:',
        '  config: home.conf',
        `  name: ${ifname}`,
        'apps:',
        '  - adapter: qbittorrent',
        `    url: http://127.0.0.1:${WEB_PORT}`,
        `    username: ${USER}`,
        '    passwordFile: qbt.password',
        'health:',
        `  checkUrl: ${lab.echoUrl(4)}`,
        '',
      ].join('\n'),
    );
    // qBittorrent, hardened profile, bound to the tunnel from the start (offline provisioning).
    qbt = await startLabQbittorrent(lab, {
      username: USER,
      password: PASSWORD,
      webPort: WEB_PORT,
      prepare: (path) => provisionConfig(path, { interfaceName: ifname }),
    });
  }, 120_000);

  afterAll(async () => {
    await qbt?.stop();
    if (lab) {
      await down(ifname, { netns: lab.ns.home }).catch(() => {});
      await lab.destroy();
    }
  }, 60_000);

  it('passes: bound egress is the VPN exit, unbound the home uplink, DNS via the tunnel, qBittorrent bound', async () => {
    const r = await check();
    expect(r.exitCode).toBe(0);
    expect(r.bound.address).toBe(VPN_EXIT);
    expect(r.unbound.address).toBe(HOME);
    expect(row(r, 'egress')?.status).toBe('pass');
    expect(row(r, 'dns')?.status).toBe('pass');
    expect(row(r, 'dns')?.detail).toContain('10.66.0.1');
    expect(row(r, 'app:qbittorrent')?.status).toBe('pass');
    // The tunnel's resolver saw the query from inside the tunnel; the public one saw nothing.
    expect((await lab.dnsLog('vpn')).some((q) => q.name === 'example.com')).toBe(true);
    expect((await lab.dnsLog('internet')).some((q) => q.name === 'example.com')).toBe(false);
  });

  it('fails with LEAK (5) when unbound traffic comes out at the VPN exit too (no split)', async () => {
    // Route the echo server through the tunnel in home's main table: "everything via the VPN".
    const route = ['route', 'add', `${lab.addresses.echo4}/32`, 'dev', ifname];
    await lab.exec('home', 'ip', route);
    try {
      const r = await check();
      expect(r.bound.address).toBe(VPN_EXIT);
      expect(r.unbound.address).toBe(VPN_EXIT);
      expect(row(r, 'egress')?.status).toBe('leak');
      expect(r.exitCode).toBe(5);
    } finally {
      await lab.exec('home', 'ip', ['route', 'del', `${lab.addresses.echo4}/32`, 'dev', ifname]);
    }
  });

  it('fails with DRIFT (3) when qBittorrent is unbound through its API', async () => {
    await setInterface('');
    try {
      const r = await check();
      expect(row(r, 'egress')?.status).toBe('pass');
      expect(row(r, 'app:qbittorrent')?.status).toBe('drift');
      expect(r.exitCode).toBe(3);
    } finally {
      await setInterface(ifname);
    }
    expect((await check()).exitCode).toBe(0);
  });

  it('fails (1) when the interface is gone: no bound egress at all', async () => {
    await down(ifname, { netns: lab.ns.home });
    try {
      const r = await check();
      expect(row(r, 'interface')?.status).toBe('fail');
      expect(row(r, 'egress')?.status).toBe('fail');
      expect(r.bound.address).toBeUndefined();
      expect(r.unbound.address).toBe(HOME);
      expect(r.exitCode).toBe(1);
      const human = await lab.exec(
        'home',
        process.execPath,
        ['--import', 'tsx', CLI, 'check', '--config', configFile],
        { env: { TSX_TSCONFIG_PATH: TSCONFIG }, timeout: 90_000, reject: false },
      );
      expect(human.exitCode).toBe(1);
      expect(human.stdout).toMatch(/^FAIL +egress/m);
    } finally {
      await upTunnel();
    }
  });
});
