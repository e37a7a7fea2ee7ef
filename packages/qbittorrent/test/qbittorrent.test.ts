/**
 * The qBittorrent adapter against a real qbittorrent-nox (Debian) in the lab's home namespace and a
 * real HTTP tracker on the internet side that logs each announce's source address.
 *
 * The test process stays in the root namespace (nothing may be added to it, so it cannot reach
 * qBittorrent's Web UI); the adapter and the CLI run INSIDE the home namespace as child processes
 * (`ip netns exec <home> node --import tsx …`), exactly where a user would run them: next to
 * qBittorrent. Assertions are on what the tracker saw and on nftables counters, never on what
 * our code believes it did.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@splitnet/core';
import {
  createLab,
  createTestTorrent,
  hasQbittorrentNox,
  type Lab,
  type LabQbittorrent,
  type LabTracker,
  labAvailable,
  startLabQbittorrent,
  startTracker,
  type TestTorrent,
} from '@splitnet/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up } from '../../core/src/wireguard/index.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const DRIVER = here('./fixtures/drive.ts');
const TSCONFIG = here('./tsconfig.json');
const CLI = here('../../cli/src/bin.ts');

const hasQbt = hasQbittorrentNox();
const available = await labAvailable();
const skip = !available.ok || !hasQbt;
if (skip) {
  console.log(
    `qbittorrent lab tests skipped: ${available.ok ? 'qbittorrent-nox is not installed' : available.reason}`,
  );
}

const WEB_PORT = 18080;
const PEER_PORT = 16881;
const URL_ = `http://127.0.0.1:${WEB_PORT}`;
const USER = 'splitnet';
const PASSWORD = 'lab-only-password';
const HOME = '192.0.2.2';
const VPN_EXIT = '203.0.113.2';

describe.skipIf(skip)('qbittorrent adapter with a real qbittorrent-nox (lab)', () => {
  let lab: Lab;
  let tracker: LabTracker;
  let torrent: TestTorrent;
  let qbt: LabQbittorrent;
  let ifname: string;
  let profile: string;
  let payloadDir: string;
  let stateDir: string;
  let torrentFile: string;

  const env = { SPLITNET_QBITTORRENT_PASSWORD: PASSWORD, TSX_TSCONFIG_PATH: TSCONFIG };
  const options = { url: URL_, username: USER };

  /** Runs the adapter driver in the home namespace. */
  const drive = async (req: Record<string, unknown>, extraEnv: Record<string, string> = {}) => {
    const { stdout } = await lab.exec(
      'home',
      process.execPath,
      ['--import', 'tsx', DRIVER, JSON.stringify({ options, interfaceName: ifname, ...req })],
      { env: { ...env, ...extraEnv }, timeout: 90_000 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as {
      ok: boolean;
      // biome-ignore lint/suspicious/noExplicitAny: the driver's JSON answer has a shape per op
      value?: any;
      error?: { code: string; message: string };
    };
  };
  const driveOk = async (req: Record<string, unknown>) => {
    const r = await drive(req);
    if (!r.ok) throw new Error(`driver ${JSON.stringify(req.op)} failed: ${r.error?.message}`);
    return r.value;
  };
  /** Runs the splitnet CLI in the home namespace. */
  const cli = (args: string[]) =>
    lab.exec('home', process.execPath, ['--import', 'tsx', CLI, ...args], {
      env,
      timeout: 90_000,
      reject: false,
    });
  const reannounce = () => driveOk({ op: 'client', method: 'reannounce', args: ['all'] });
  const ourAnnounces = async (since: string) =>
    (await tracker.announces()).filter((a) => a.infoHash === torrent.infoHash && a.time > since);
  const now = () => new Date().toISOString();

  const upTunnel = () => up(parseConfig(lab.homeConfigText), { name: ifname, netns: lab.ns.home });
  const ssLines = async () =>
    (
      await lab.exec('home', 'ss', ['-H', '-l', '-n', '-t', '-u', 'sport', '=', `:${PEER_PORT}`])
    ).stdout
      .split('\n')
      .filter(Boolean);

  beforeAll(async () => {
    lab = await createLab({ dns: false });
    ifname = lab.homeInterfaceName;
    await upTunnel();
    tracker = await startTracker(lab);
    profile = join(lab.workDir, 'qbt-profile');
    payloadDir = join(lab.workDir, 'payload');
    stateDir = join(lab.workDir, 'splitnet-state');
    torrent = await createTestTorrent({ announce: tracker.announceUrl, dir: payloadDir });
    torrentFile = join(lab.workDir, 'test.torrent');
    await writeFile(torrentFile, torrent.buffer);
    // A hardened test profile: only the traffic under test (no DHT/LSD/PeX/UPnP, no GeoIP).
    qbt = await startLabQbittorrent(lab, {
      username: USER,
      password: PASSWORD,
      webPort: WEB_PORT,
      peerPort: PEER_PORT,
      profile,
      savePath: payloadDir,
    });
  }, 180_000);

  afterAll(async () => {
    await qbt?.stop();
    if (lab) {
      await down(ifname, { netns: lab.ns.home }).catch(() => {});
      await lab.destroy();
    }
  }, 60_000);

  it('control, unbound: the tracker sees the home address', async () => {
    const since = now();
    await driveOk({
      op: 'client',
      method: 'addTorrent',
      torrentFile,
      args: [{ savepath: payloadDir }],
    });
    await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash, { since });
    await sleep(2_000);
    const seen = new Set((await ourAnnounces(since)).map((a) => a.address));
    console.log(`control announces from: ${[...seen].join(', ')}`);
    expect(seen.has(HOME)).toBe(true);
  });

  it('bound with `splitnet bind qbittorrent`: the tracker sees only the VPN exit', async () => {
    const bind = await cli([
      'bind',
      'qbittorrent',
      '--interface',
      ifname,
      '--url',
      URL_,
      '--username',
      USER,
      '--state-dir',
      stateDir,
    ]);
    expect(bind.stderr).not.toContain(PASSWORD);
    expect(bind.exitCode, bind.stderr).toBe(0);
    expect(bind.stdout).toContain(`bound to ${ifname}`);
    expect(await ssLines()).not.toHaveLength(0);
    for (const line of await ssLines()) expect(line).toContain(`%${ifname}:${PEER_PORT}`);

    const since = now();
    await reannounce();
    await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash, { since });
    await sleep(3_000);
    const addresses = (await ourAnnounces(since)).map((a) => a.address);
    console.log(`bound announces: ${addresses.length}, from ${[...new Set(addresses)].join(', ')}`);
    expect(addresses.length).toBeGreaterThan(0);
    expect(new Set(addresses)).toEqual(new Set([VPN_EXIT]));

    const status = await cli(['status', '--state-dir', stateDir]);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.stdout).toContain(`→ ${ifname}: bound`);
  });

  it('tunnel link down + forced re-announce: nothing reaches the tracker, 0 packets leave the uplink; link up: via VPN', async () => {
    const counter = await lab.uplinkCounter({ excludeWireguard: true });
    await lab.exec('home', 'ip', ['link', 'set', ifname, 'down']);
    await counter.reset();
    const since = now();
    await reannounce();
    await sleep(5_000);
    const during = await ourAnnounces(since);
    const leaked = await counter.read();
    console.log(`link down: ${during.length} announces, ${leaked.packets} leak packets`);
    expect(during).toEqual([]);
    expect(leaked.packets).toBe(0);

    await lab.exec('home', 'ip', ['link', 'set', ifname, 'up']);
    const back = now();
    const started = Date.now();
    await reannounce();
    const after = await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash, {
      since: back,
      timeout: 30_000,
    });
    console.log(`link up: announce after ${Date.now() - started} ms from ${after.address}`);
    expect(after.address).toBe(VPN_EXIT);
    expect((await counter.read()).packets).toBe(0);
    await counter.remove();
  });

  it('interface deleted and re-created, then rebind: sockets on the new ifindex, announces via VPN', async () => {
    const old = await driveOk({ op: 'check' });
    await down(ifname, { netns: lab.ns.home });
    const fresh = await upTunnel();
    expect(fresh.ifindex).not.toBe(old.target.ifindex);
    await sleep(2_000);
    const stale = await ssLines();
    console.log(
      `after re-creation (ifindex ${old.target.ifindex} → ${fresh.ifindex}):\n${stale.join('\n')}`,
    );
    // qBittorrent 4.5 / libtorrent 2.0 keep the sockets on the dead ifindex (qBittorrent#21288).
    const check = await drive({ op: 'verify' });
    expect(check.ok).toBe(false);
    expect(check.error?.code).toBe('SPLITNET_ERR_BINDING_DRIFT');

    const rebound = await driveOk({ op: 'rebind' });
    expect(rebound.target.ifindex).toBe(fresh.ifindex);
    expect(rebound.check.ok).toBe(true);
    const lines = await ssLines();
    console.log(`after rebind:\n${lines.join('\n')}`);
    expect(lines).not.toHaveLength(0);
    for (const line of lines) expect(line).toContain(`%${ifname}:${PEER_PORT}`);
    const ifindexOfName = (
      await lab.exec('home', 'cat', [`/sys/class/net/${ifname}/ifindex`])
    ).stdout.trim();
    expect(Number(ifindexOfName)).toBe(fresh.ifindex);

    const since = now();
    await reannounce();
    const a = await tracker.waitForAnnounce((x) => x.infoHash === torrent.infoHash, { since });
    await sleep(2_000);
    expect(a.address).toBe(VPN_EXIT);
    expect(new Set((await ourAnnounces(since)).map((x) => x.address))).toEqual(new Set([VPN_EXIT]));
  });

  it('wrong credentials: typed error, one attempt, no ban', async () => {
    const r = await drive({ op: 'apply' }, { SPLITNET_QBITTORRENT_PASSWORD: 'wrong-password' });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('SPLITNET_ERR_AUTH');
    expect(r.error?.message).not.toContain('wrong-password');
    // Still not banned: the right password works at once.
    expect((await driveOk({ op: 'inspect' })).interfaceName).toBe(ifname);
  });

  it('`splitnet unbind qbittorrent` restores the previous setting (any interface)', async () => {
    const unbind = await cli([
      'unbind',
      'qbittorrent',
      '--url',
      URL_,
      '--username',
      USER,
      '--state-dir',
      stateDir,
    ]);
    expect(unbind.exitCode, unbind.stderr).toBe(0);
    const state = await driveOk({ op: 'inspect' });
    expect(state).toMatchObject({ interfaceName: '', address: '', mode: 'none' });
    const since = now();
    await reannounce();
    await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash && a.address === HOME, {
      since,
    });
  });

  it('offline provisioning: qBittorrent started after the config was written announces via the VPN from the first announce', async () => {
    await qbt.stop();
    const bind = await cli([
      'bind',
      'qbittorrent',
      '--interface',
      ifname,
      '--offline',
      '--profile',
      profile,
      '--state-dir',
      stateDir,
    ]);
    expect(bind.exitCode, bind.stderr).toBe(0);
    // A fresh tracker (empty swarm): the old one still lists this client's earlier UNBOUND
    // endpoint 192.0.2.2:16881. qBittorrent's resume data keeps that peer too, so the bound client
    // tries it through the VPN; the packet comes back in on the home uplink and the home kernel
    // answers with an ICMP port-unreachable (measured with tcpdump: that is the only packet).
    // That reply is not qBittorrent's traffic, so the leak counter leaves ICMP errors out; every
    // TCP/UDP packet still counts.
    await tracker.stop();
    tracker = await startTracker(lab);
    const counter = await lab.uplinkCounter({ excludeWireguard: true, excludeIcmpErrors: true });
    const dump = process.env.QBT_DEBUG_DUMP
      ? await lab.spawn('home', 'tcpdump', [
          '-i',
          'h0',
          '-n',
          '-l',
          '--immediate-mode',
          '-vv',
          'not (udp port 51820)',
        ])
      : undefined;
    await sleep(500);
    const since = now();
    await qbt.restart();
    const first = await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash, {
      since,
      timeout: 30_000,
    });
    await sleep(3_000);
    const all = await ourAnnounces(since);
    const leaked = await counter.read();
    if (dump) {
      await dump.stop();
      console.log((await import('node:fs')).readFileSync(dump.logFile, 'utf8'));
    }
    console.log(
      `offline: first announce from ${first.address}; ${all.length} announces; ${leaked.packets} leak packets`,
    );
    expect(first.address).toBe(VPN_EXIT);
    expect(new Set(all.map((a) => a.address))).toEqual(new Set([VPN_EXIT]));
    expect(leaked.packets).toBe(0);
    expect((await driveOk({ op: 'verify' })).ok).toBe(true);
  });
});
