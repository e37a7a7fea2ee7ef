/**
 * `splitnet apply`, `status` and `watch` against the real thing: the lab's home namespace, a
 * wireguard-go tunnel to the lab's VPN provider, a real qbittorrent-nox and the lab's HTTP tracker
 * (which logs each announce's source address). The CLI runs INSIDE the home namespace as a child
 * process (`ip netns exec <home> node --import tsx src/bin.ts …`); the test process stays in the
 * root namespace, which gets nothing. Assertions are on what the kernel, qBittorrent and the
 * tracker report, never on what the CLI says it did.
 */
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  createLab,
  createTestTorrent,
  hasQbittorrentNox,
  type Lab,
  type LabProcess,
  type LabQbittorrent,
  type LabTracker,
  labAvailable,
  startLabQbittorrent,
  startTracker,
  type TestTorrent,
} from '@splitnet/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down } from '../../core/src/wireguard/index.js';
import { cliInHome, startWatchInHome, TSCONFIG, waitFor } from './run-cli.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// The qBittorrent adapter's own lab driver (reused, not copied): API calls from inside "home".
const DRIVER = here('../../qbittorrent/test/fixtures/drive.ts');
const DRIVER_TSCONFIG = here('../../qbittorrent/test/tsconfig.json');

const available = await labAvailable();
const skip = !available.ok || !hasQbittorrentNox();
if (skip) {
  console.log(
    `cli reconcile lab tests skipped: ${available.ok ? 'qbittorrent-nox is not installed' : available.reason}`,
  );
}

const USER = 'splitnet';
const PASSWORD = 'lab-only-password';
const HOME = '192.0.2.2';
const VPN_EXIT = '203.0.113.2';

describe.skipIf(skip)('splitnet apply / status / watch in the lab (real qbittorrent-nox)', () => {
  let lab: Lab;
  let tracker: LabTracker;
  let torrent: TestTorrent;
  let qbt: LabQbittorrent;
  let ifname: string;
  let configFile: string;
  let env: Record<string, string>;
  let watcher: LabProcess | undefined;

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    cliInHome(lab, args, { ...env, ...extraEnv });
  const drive = async (req: Record<string, unknown>) => {
    const { stdout } = await lab.exec(
      'home',
      process.execPath,
      [
        '--import',
        'tsx',
        DRIVER,
        JSON.stringify({
          options: { url: qbt.url, username: USER },
          interfaceName: ifname,
          ...req,
        }),
      ],
      {
        env: { SPLITNET_QBITTORRENT_PASSWORD: PASSWORD, TSX_TSCONFIG_PATH: DRIVER_TSCONFIG },
        timeout: 90_000,
      },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    if (!r.ok) throw new Error(`driver ${String(req.op)}: ${r.error?.message}`);
    return r.value;
  };
  const qbtInterface = async () => (await drive({ op: 'inspect' })).interfaceName as string;
  const linkExists = async () =>
    (await lab.exec('home', 'ip', ['link', 'show', 'dev', ifname], { reject: false })).exitCode ===
    0;
  const ifindex = async () =>
    Number((await lab.exec('home', 'cat', [`/sys/class/net/${ifname}/ifindex`])).stdout.trim());
  const deviceRoute = async () =>
    (
      await lab.exec('home', 'ip', ['-4', 'route', 'show', 'table', String(lab.routingTable)])
    ).stdout.includes(`default dev ${ifname}`);
  const now = () => new Date().toISOString();
  const ourAnnounces = async (since: string) =>
    (await tracker.announces()).filter((a) => a.infoHash === torrent.infoHash && a.time > since);
  const watchLog = () => (watcher ? readFileSync(watcher.logFile, 'utf8') : '');

  beforeAll(async () => {
    lab = await createLab({ dns: false });
    ifname = lab.homeInterfaceName;
    tracker = await startTracker(lab);
    torrent = await createTestTorrent({
      announce: tracker.announceUrl,
      dir: join(lab.workDir, 'payload'),
    });
    qbt = await startLabQbittorrent(lab, { username: USER, password: PASSWORD });
    const wgFile = join(lab.workDir, `${ifname}.conf`);
    await writeFile(wgFile, lab.homeConfigText, { mode: 0o600 });
    const passwordFile = join(lab.workDir, 'qbt-password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    configFile = join(lab.workDir, 'splitnet.yaml');
    await writeFile(
      configFile,
      [
        'interface:',
        `  config: ${ifname}.conf`,
        `  name: ${ifname}`,
        `  table: ${lab.routingTable}`,
        'apps:',
        '  - adapter: qbittorrent',
        `    url: ${qbt.url}`,
        `    username: ${USER}`,
        '    passwordFile: qbt-password',
        'health:',
        '  handshakeMaxAge: 180',
        '  interval: 2',
        '',
      ].join('\n'),
    );
    await chmod(configFile, 0o600);
    env = {
      TSX_TSCONFIG_PATH: TSCONFIG,
      SPLITNET_STATE_DIR: join(lab.workDir, 'splitnet-state'),
      WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
    };
    const torrentFile = join(lab.workDir, 'test.torrent');
    await writeFile(torrentFile, torrent.buffer);
    await drive({
      op: 'client',
      method: 'addTorrent',
      torrentFile,
      args: [{ savepath: join(lab.workDir, 'payload') }],
    });
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    await qbt?.stop();
    if (lab) {
      await down(ifname, { netns: lab.ns.home }).catch(() => {});
      await lab.destroy();
    }
  }, 60_000);

  it('config errors: one clear message with the file and path, exit 2, nothing changed', async () => {
    const missing = await cli(['apply', '--config', join(lab.workDir, 'nope.yaml')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(`${join(lab.workDir, 'nope.yaml')}: no such file`);

    const badKey = join(lab.workDir, 'bad-key.yaml');
    await writeFile(
      badKey,
      readFileSync(configFile, 'utf8').replace(
        `  name: ${ifname}`,
        `  name: ${ifname}\n  tabel: 7`,
      ),
    );
    const r1 = await cli(['apply', '--config', badKey]);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toMatch(/bad-key\.yaml:4: interface\.tabel: unknown key/);

    const badAdapter = join(lab.workDir, 'bad-adapter.yaml');
    await writeFile(
      badAdapter,
      readFileSync(configFile, 'utf8').replace('adapter: qbittorrent', 'adapter: utorrent'),
    );
    const r2 = await cli(['apply', '--config', badAdapter]);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/bad-adapter\.yaml:\d+: apps\[0\]\.adapter: unknown adapter/);
    expect(r1.stderr.trim().split('\n')).toHaveLength(1);

    expect(await linkExists()).toBe(false);
    expect(await qbtInterface()).toBe('');
  });

  it('apply --dry-run prints the exact commands and API calls, and changes nothing', async () => {
    const r = await cli(['apply', '--dry-run', '--config', configFile]);
    console.log(r.stdout);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `ip -4 rule add oif ${ifname} lookup ${lab.routingTable} priority 10000`,
    );
    expect(r.stdout).toContain('/api/v2/app/setPreferences json={"current_network_interface"');
    expect(await linkExists()).toBe(false);
    expect(await qbtInterface()).toBe('');
  });

  it('apply on a fresh lab: interface up, routing present, qBittorrent bound, tracker sees only the VPN exit', async () => {
    const started = Date.now();
    const r = await cli(['apply', '--config', configFile]);
    console.log(`apply (${Date.now() - started} ms):\n${r.stdout}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(await linkExists()).toBe(true);
    expect(await deviceRoute()).toBe(true);
    const rules = (await lab.exec('home', 'ip', ['-4', 'rule', 'show'])).stdout;
    expect(rules).toContain(`oif ${ifname} lookup ${lab.routingTable}`);
    expect(await qbtInterface()).toBe(ifname);

    const since = now();
    await drive({ op: 'client', method: 'reannounce', args: ['all'] });
    await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash, { since });
    await sleep(2_000);
    const seen = new Set((await ourAnnounces(since)).map((a) => a.address));
    expect(seen).toEqual(new Set([VPN_EXIT]));
    expect(seen.has(HOME)).toBe(false);
  });

  it('apply again changes nothing; status is in sync (exit 0)', async () => {
    const before = await ifindex();
    const r = await cli(['apply', '--config', configFile, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBe(false);
    expect(out.steps).toEqual([]);
    expect(await ifindex()).toBe(before);
    const human = await cli(['apply', '--config', configFile]);
    expect(human.stdout).toMatch(/^nothing to do: /);

    const st = await cli(['status', '--config', configFile, '--json']);
    expect(st.exitCode, st.stdout).toBe(0);
    const s = JSON.parse(st.stdout);
    expect(s.interface).toMatchObject({ present: true, up: true, ifindex: before });
    expect(s.interface.routing.missing).toEqual([]);
    expect(s.apps[0]).toMatchObject({ state: 'bound' });
    const text = await cli(['status', '--config', configFile]);
    console.log(text.stdout);
    expect(text.stdout).toContain(`qbittorrent (${qbt.url}): bound to ${ifname}`);
  });

  describe('with watch running', () => {
    beforeAll(async () => {
      watcher = await startWatchInHome(lab, configFile, env);
      await sleep(1_000);
    }, 60_000);

    it('link down and up: the device route is back within a few seconds', async () => {
      await lab.exec('home', 'ip', ['link', 'set', ifname, 'down']);
      await sleep(300);
      const flushed = !(await deviceRoute());
      await lab.exec('home', 'ip', ['link', 'set', ifname, 'up']);
      const ms = await waitFor('device route', deviceRoute, 10_000);
      console.log(`link down (route flushed: ${flushed}) and up: device route back after ${ms} ms`);
      expect(ms).toBeLessThan(5_000);
    });

    it("qBittorrent's interface setting cleared behind our back: restored", async () => {
      const logged = watchLog().length;
      const started = Date.now();
      await drive({
        op: 'client',
        method: 'setPreferences',
        args: [{ current_network_interface: '' }],
      });
      // watch notices on its timer (health.interval 2 s) and binds again: the log says so…
      await waitFor('watch to re-bind', async () =>
        /"event":"step".*apps\[0\]\.bind/.test(watchLog().slice(logged)),
      );
      const ms = Date.now() - started;
      // …and qBittorrent reports it.
      expect(await qbtInterface()).toBe(ifname);
      console.log(
        `qBittorrent setting cleared, restored after ${ms} ms (timer: health.interval 2 s)`,
      );
    });

    it('interface deleted (raw ip link del) → watch re-creates it and rebinds qBittorrent, which announces via the VPN', async () => {
      const old = await ifindex();
      const since = now();
      const started = Date.now();
      await lab.exec('home', 'ip', ['link', 'del', ifname]);
      await waitFor(
        'the interface back',
        async () => (await linkExists()) && (await ifindex()) !== old,
      );
      const recreated = Date.now() - started;
      await waitFor(
        'the rebind logged',
        async () => /"event":"step".*apps\[0\]\.rebind/.test(watchLog()),
        40_000,
      );
      const rebound = Date.now() - started;
      const sockets = (
        await lab.exec('home', 'ss', ['-H', '-l', '-n', '-t', 'sport', '=', `:${qbt.peerPort}`])
      ).stdout;
      expect(sockets).toContain(`%${ifname}:${qbt.peerPort}`);
      // No one touches qBittorrent: wait for its own announce.
      const a = await tracker.waitForAnnounce((x) => x.infoHash === torrent.infoHash, {
        since,
        timeout: 60_000,
      });
      console.log(
        `re-created after ${recreated} ms (ifindex ${old} → ${await ifindex()}), rebound after ${rebound} ms, first announce after ${Date.now() - started} ms from ${a.address}`,
      );
      expect(a.address).toBe(VPN_EXIT);
      await sleep(2_000);
      expect(new Set((await ourAnnounces(since)).map((x) => x.address))).toEqual(
        new Set([VPN_EXIT]),
      );
    });

    it('SIGTERM ends watch cleanly and leaves qBittorrent bound', async () => {
      expect(watcher!.running()).toBe(true);
      await watcher!.stop();
      const code = await watcher!.exited;
      const log = watchLog();
      console.log(log.split('\n').slice(-12).join('\n'));
      expect(code).toBe(0);
      expect(log).toContain('"event":"stop"');
      expect(await qbtInterface()).toBe(ifname);
      expect(await linkExists()).toBe(true);
      expect(log).not.toContain(PASSWORD);
    });
  });
});
