/**
 * `splitnet demo`: the whole story in a throwaway lab, with nothing to configure.
 *
 * 1. Builds the lab (home, internet, VPN provider namespaces; nothing in the host namespace).
 * 2. Brings a table-off WireGuard interface up in "home" with core's `up()`.
 * 3. Starts a real qbittorrent-nox in "home", bound to the tunnel before its first announce
 *    (offline provisioning of its config), seeding a private test torrent that announces to the
 *    lab tracker; and a plain HTTP client (the Cloudflare Tunnel stand-in: unbound) polling the
 *    lab's IP-echo server.
 * 4. Shows where each one's traffic comes out, as the far side saw it (the tracker's log of
 *    announce sources, the echo server's log), with the tunnel up, down and back up.
 *
 * Everything it creates lives in the lab (its interface records too: `SPLITNET_STATE_DIR` points
 * into the lab's work directory while it runs) and goes away with it, also on SIGINT/SIGTERM.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { down, ensureInterface, parseConfig, up } from '@splitnet/core';
import type { Lab, LabProcess, LabTracker, TestTorrent } from '@splitnet/lab';
import { provisionConfig, qbittorrentConfigPath } from '@splitnet/qbittorrent';
import { EXIT, type Io } from '../output.js';
import { createProgress, type Progress, seconds } from './progress.js';

/** qBittorrent's Web UI and peer ports inside the lab's home namespace. */
const WEB_PORT = 18080;
const PEER_PORT = 16881;
/** The plain client polls the echo server on this port (the leak counter leaves it out). */
const PLAIN_PORT = 8080;
const PLAIN_PATH = '/plain-client';

export interface DemoOptions {
  /** Seconds to watch for a (forbidden) announce while the tunnel is down. Default: 4. */
  downSeconds?: number;
  /** Force spinner/colour on or off (default: on a terminal). */
  tty?: boolean;
}

interface PhaseResult {
  title: string;
  /** Source addresses of qBittorrent's announces, as the tracker saw them. */
  qbittorrent: string[];
  /** Source addresses of the plain client's requests, as the echo server saw them. */
  plain: string[];
  /** Packets that left the home uplink outside the tunnel, other than the plain client's. */
  leaks?: number;
  /** What qBittorrent said about the tracker, when nothing reached it. */
  trackerMessage?: string;
  ok: boolean;
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

const unique = (xs: readonly string[]) => [...new Set(xs)];

/** Runs the demo; resolves with the exit code. */
export async function runDemo(io: Io, options: DemoOptions = {}): Promise<number> {
  const p = createProgress(io, options.tty === undefined ? {} : { tty: options.tty });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      p.line(`\n${p.bold(`${signal}: cleaning up…`)}`);
      controller.abort(new Interrupted(signal));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const previousStateDir = process.env.SPLITNET_STATE_DIR;

  const { createLab, labAvailable } = await import('@splitnet/lab');
  let lab: Lab | undefined;
  let ifname: string | undefined;
  const started = Date.now();
  try {
    const available = await labAvailable({ dns: false });
    if (!available.ok) {
      io.stderr(`the demo cannot run here: ${available.reason}\n`);
      return EXIT.error;
    }
    p.line(
      `${p.bold('splitnet demo')}: qBittorrent on the VPN, everything else off it, in a throwaway lab`,
    );
    p.line(p.dim('  (network namespaces of its own; nothing on this host changes)'));
    p.line();
    const { signal } = controller;

    lab = await p.step(
      'building the lab (home, internet, VPN provider)',
      () => createLab({ dns: false, signal }),
      (l) =>
        `lab ${l.id} (namespaces snlab-${l.id}-*): home uplink ${l.addresses.home4}, VPN exit ${l.addresses.vpnExit4}, servers on ${l.addresses.echo4}`,
    );
    const theLab = lab;
    const home = lab.ns.home;
    const name = lab.homeInterfaceName;
    process.env.SPLITNET_STATE_DIR = join(lab.workDir, 'splitnet-state');

    const iface = await p.step(
      `bringing ${name} up in home (Table = off)`,
      () => up(parseConfig(theLab.homeConfigText), { name, netns: home, signal }),
      (r) =>
        `tunnel ${name} up (${r.implementation}, ifindex ${r.ifindex}, ${r.addresses.join(', ')}); the main routing table is untouched`,
    );
    ifname = name;

    const { startTracker, createTestTorrent } = await import('@splitnet/lab');
    const { tracker, torrent, torrentFile } = await p.step(
      'starting the BitTorrent tracker',
      async () => {
        const t = await startTracker(theLab);
        const tor = await createTestTorrent({
          announce: t.announceUrl,
          dir: join(theLab.workDir, 'payload'),
        });
        const file = join(theLab.workDir, 'demo.torrent');
        await writeFile(file, tor.buffer);
        return { tracker: t, torrent: tor, torrentFile: file };
      },
      (r) => `tracker on ${r.tracker.announceUrl}, private test torrent ${r.torrent.name}`,
    );
    signal.throwIfAborted();

    const qbt = await p.step(
      `starting qBittorrent bound to ${name}`,
      () => startQbittorrent(theLab, name, torrent),
      (r) =>
        `qBittorrent ${r.version} running in home, current_network_interface = ${r.boundTo || '(any)'}`,
    );
    if (qbt.boundTo !== name) throw new Error(`qBittorrent is not bound to ${name}`);

    await p.step(
      'starting the plain HTTP client (unbound, like cloudflared)',
      () =>
        theLab.spawn(
          'home',
          process.execPath,
          [
            '-e',
            'const u=process.argv[1];setInterval(()=>fetch(u,{signal:AbortSignal.timeout(1500)}).then(r=>r.text()).catch(()=>{}),400)',
            theLab.echoUrl(4, PLAIN_PATH, PLAIN_PORT),
          ],
          { name: 'plain-client' },
        ),
      () => `plain client polling ${theLab.echoUrl(4, PLAIN_PATH, PLAIN_PORT)} every 0.4 s`,
    );

    const api = (path: string, form?: string[]) =>
      theLab.exec(
        'home',
        'curl',
        [
          '-sS',
          '--max-time',
          '5',
          ...(form ?? []).flatMap((f) => ['--data-urlencode', f]),
          `http://127.0.0.1:${WEB_PORT}/api/v2/${path}`,
        ],
        { reject: false, signal },
      );
    const plainSince = async (since: string) =>
      (await theLab.echoLog())
        .filter((e) => e.path.startsWith(PLAIN_PATH) && e.time > since)
        .map((e) => e.address);
    const announcesSince = async (since: string) =>
      (await tracker.announces())
        .filter((a) => a.infoHash === torrent.infoHash && a.time > since)
        .map((a) => a.address);
    const reannounce = () => api('torrents/reannounce', ['hashes=all']);
    const now = () => new Date().toISOString();

    const phases: PhaseResult[] = [];

    // Phase 1: tunnel up.
    p.line();
    p.line(p.bold('Phase 1: tunnel up'));
    let since = now();
    await p.step(
      'adding the torrent; waiting for its announce to reach the tracker',
      async () => {
        const add = await theLab.exec(
          'home',
          'curl',
          [
            '-sS',
            '--max-time',
            '5',
            '-F',
            `torrents=@${torrentFile}`,
            '-F',
            `savepath=${join(theLab.workDir, 'payload')}`,
            '-F',
            'skip_checking=true',
            `http://127.0.0.1:${WEB_PORT}/api/v2/torrents/add`,
          ],
          { signal },
        );
        if (!add.stdout.includes('Ok')) throw new Error(`adding the torrent failed: ${add.stdout}`);
        return waitAnnounce(tracker, torrent, since, 20_000, signal);
      },
      (a) => `announce received from ${a.address}`,
    );
    await sleep(1_500, undefined, { signal });
    phases.push(
      report(p, 'tunnel up', {
        qbittorrent: await announcesSince(since),
        plain: await plainSince(since),
        expectQbt: [theLab.addresses.vpnExit4],
        vpn: theLab.addresses.vpnExit4,
        home4: theLab.addresses.home4,
      }),
    );

    // Phase 2: tunnel down.
    p.line();
    p.line(p.bold(`Phase 2: tunnel down (ip link set ${name} down)`));
    const leaks = await leakCounter(theLab);
    await theLab.exec('home', 'ip', ['link', 'set', 'dev', name, 'down'], { signal });
    await leaks.reset();
    since = now();
    const downMs = (options.downSeconds ?? 4) * 1000;
    await p.step(
      `forcing a re-announce; watching the tracker and the uplink for ${seconds(downMs)}`,
      async () => {
        await reannounce();
        await sleep(downMs, undefined, { signal });
      },
    );
    const trackerMessage = await trackerStatus(api, torrent.infoHash, tracker.announceUrl);
    const down2 = report(p, 'tunnel down', {
      qbittorrent: await announcesSince(since),
      plain: await plainSince(since),
      expectQbt: [],
      vpn: theLab.addresses.vpnExit4,
      home4: theLab.addresses.home4,
      leaks: await leaks.read(),
      trackerMessage,
    });
    phases.push(down2);

    // Phase 3: tunnel back.
    p.line();
    p.line(p.bold(`Phase 3: tunnel back up (ip link set ${name} up)`));
    await theLab.exec('home', 'ip', ['link', 'set', 'dev', name, 'up'], { signal });
    await p.step(
      'restoring the policy routes the kernel flushed (what `splitnet watch` does)',
      () => ensureInterface(name, { netns: home, signal }),
      (r) =>
        `policy routing back${r.added.length > 0 ? ` (re-added ${r.added.length})` : ' (nothing missing)'}`,
    );
    since = now();
    await p.step(
      'forcing a re-announce; waiting for it to reach the tracker',
      async () => {
        await reannounce();
        return waitAnnounce(tracker, torrent, since, 20_000, signal, reannounce);
      },
      (a) => `announce received from ${a.address}`,
    );
    await sleep(1_000, undefined, { signal });
    phases.push(
      report(p, 'tunnel back up', {
        qbittorrent: await announcesSince(since),
        plain: await plainSince(since),
        expectQbt: [theLab.addresses.vpnExit4],
        vpn: theLab.addresses.vpnExit4,
        home4: theLab.addresses.home4,
        leaks: await leaks.read(),
      }),
    );
    await leaks.remove();

    summary(p, phases, `${name} (ifindex ${iface.ifindex})`, {
      vpn: theLab.addresses.vpnExit4,
      home4: theLab.addresses.home4,
    });
    const ok = phases.every((x) => x.ok);
    p.line();
    p.line(
      ok
        ? p.green(
            `qBittorrent only ever left through the VPN and failed closed without it; the plain client never noticed the VPN.`,
          )
        : p.red('Something did not behave as expected (see above).'),
    );
    return ok ? EXIT.ok : EXIT.error;
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof Interrupted) return reason.signal === 'SIGINT' ? 130 : 143;
    throw error;
  } finally {
    if (lab) {
      const toRemove = lab;
      await p
        .step(
          'removing the lab (processes by PID, interfaces, namespaces, files)',
          async () => {
            if (ifname) await down(ifname, { netns: toRemove.ns.home }).catch(() => {});
            await toRemove.destroy();
          },
          () => `lab ${toRemove.id} removed; total ${seconds(Date.now() - started)}`,
        )
        .catch((e: unknown) => io.stderr(`cleanup: ${(e as Error).message}\n`));
    }
    if (previousStateDir === undefined) delete process.env.SPLITNET_STATE_DIR;
    else process.env.SPLITNET_STATE_DIR = previousStateDir;
    // Let the lab's own signal handler see ours first (it re-raises only when nobody listens).
    await new Promise((resolve) => setImmediate(resolve));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Profile with DHT/LSD/PeX/UPnP off (only the traffic under test), localhost API without login. */
async function startQbittorrent(
  lab: Lab,
  ifname: string,
  torrent: TestTorrent,
): Promise<{ process: LabProcess; version: string; boundTo: string }> {
  const profile = join(lab.workDir, 'qbt-profile');
  const configPath = qbittorrentConfigPath({ profile });
  await mkdir(join(profile, 'qBittorrent', 'config'), { recursive: true });
  const setting = (section: string, key: string, value: string) => ({ section, key, value });
  // The same offline provisioning as `splitnet bind qbittorrent --offline`: bound from the start.
  await provisionConfig(configPath, {
    interfaceName: ifname,
    extra: [
      setting('LegalNotice', 'Accepted', 'true'),
      setting('BitTorrent', 'Session\\DHTEnabled', 'false'),
      setting('BitTorrent', 'Session\\LSDEnabled', 'false'),
      setting('BitTorrent', 'Session\\PeXEnabled', 'false'),
      setting('BitTorrent', 'Session\\Port', String(PEER_PORT)),
      setting('BitTorrent', 'Session\\DefaultSavePath', join(lab.workDir, 'payload')),
      setting('Network', 'PortForwardingEnabled', 'false'),
      setting('Preferences', 'Connection\\ResolvePeerCountries', 'false'),
      setting('Preferences', 'WebUI\\Port', String(WEB_PORT)),
      setting('Preferences', 'WebUI\\LocalHostAuth', 'false'),
    ],
  });
  void torrent;
  const proc = await lab.spawn(
    'home',
    'qbittorrent-nox',
    [`--profile=${profile}`, `--webui-port=${WEB_PORT}`],
    { name: 'qbittorrent-nox' },
  );
  const base = `http://127.0.0.1:${WEB_PORT}/api/v2`;
  for (let i = 0; i < 150; i++) {
    const r = await lab.exec('home', 'curl', ['-sS', '--max-time', '2', `${base}/app/version`], {
      reject: false,
    });
    if (r.exitCode === 0 && /^v\d/.test(r.stdout.trim())) {
      const prefs = await lab.exec('home', 'curl', ['-sS', `${base}/app/preferences`]);
      const boundTo = (JSON.parse(prefs.stdout) as { current_network_interface?: string })
        .current_network_interface;
      return { process: proc, version: r.stdout.trim(), boundTo: boundTo ?? '' };
    }
    if (!proc.running()) throw new Error('qbittorrent-nox exited at start');
    await sleep(100);
  }
  throw new Error('qbittorrent-nox Web UI did not come up in 15 s');
}

async function waitAnnounce(
  tracker: LabTracker,
  torrent: TestTorrent,
  since: string,
  timeout: number,
  signal: AbortSignal,
  kick?: () => Promise<unknown>,
) {
  const end = Date.now() + timeout;
  let lastKick = Date.now();
  for (;;) {
    signal.throwIfAborted();
    const found = (await tracker.announces()).find(
      (a) => a.infoHash === torrent.infoHash && a.time > since,
    );
    if (found) return found;
    if (Date.now() > end) throw new Error(`no announce reached the tracker in ${seconds(timeout)}`);
    // libtorrent may still be backing off from the failures while the tunnel was down.
    if (kick && Date.now() - lastKick > 3_000) {
      lastKick = Date.now();
      await kick();
    }
    await sleep(100);
  }
}

/** Counts what leaves the home uplink except the tunnel itself and the plain client's requests. */
async function leakCounter(lab: Lab) {
  const table = `sndemo_${lab.id}`;
  const ruleset = [
    `table inet ${table} {`,
    '  counter leaks { }',
    '  chain egress {',
    '    type filter hook postrouting priority 0; policy accept;',
    `    oifname "h0" ip daddr ${lab.addresses.vpnExit4} udp dport 51820 return`,
    '    oifname "h0" icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } return',
    `    oifname "h0" ip daddr ${lab.addresses.echo4} tcp dport ${PLAIN_PORT} return`,
    '    oifname "h0" counter name "leaks"',
    '  }',
    '}',
    '',
  ].join('\n');
  await lab.exec('home', 'nft', ['-f', '-'], { input: ruleset });
  return {
    async read() {
      const { stdout } = await lab.exec('home', 'nft', [
        '-j',
        'list',
        'counter',
        'inet',
        table,
        'leaks',
      ]);
      const parsed = JSON.parse(stdout) as { nftables: Array<{ counter?: { packets: number } }> };
      return parsed.nftables.find((o) => o.counter)?.counter?.packets ?? 0;
    },
    async reset() {
      await lab.exec('home', 'nft', ['reset', 'counter', 'inet', table, 'leaks']);
    },
    async remove() {
      await lab.exec('home', 'nft', ['delete', 'table', 'inet', table], { reject: false });
    },
  };
}

async function trackerStatus(
  api: (path: string) => Promise<{ stdout: string; exitCode: number }>,
  hash: string,
  url: string,
): Promise<string | undefined> {
  const r = await api(`torrents/trackers?hash=${hash}`);
  if (r.exitCode !== 0) return undefined;
  try {
    const list = JSON.parse(r.stdout) as { url: string; msg?: string }[];
    return list.find((t) => t.url === url)?.msg || undefined;
  } catch {
    return undefined;
  }
}

function describe(addresses: readonly string[], vpn: string, home4: string): string {
  if (addresses.length === 0) return 'nothing arrived';
  return unique(addresses)
    .map((a) => `${a} (${a === vpn ? 'VPN exit' : a === home4 ? 'home uplink' : 'unknown'})`)
    .join(', ');
}

function report(
  p: Progress,
  title: string,
  r: {
    qbittorrent: string[];
    plain: string[];
    expectQbt: string[];
    vpn: string;
    home4: string;
    leaks?: number;
    trackerMessage?: string | undefined;
  },
): PhaseResult {
  const qbtOk =
    r.expectQbt.length === 0
      ? r.qbittorrent.length === 0
      : r.qbittorrent.length > 0 && r.qbittorrent.every((a) => r.expectQbt.includes(a));
  const plainOk = r.plain.length > 0 && r.plain.every((a) => a === r.home4);
  const leaksOk = (r.leaks ?? 0) === 0;
  const mark = (ok: boolean) => (ok ? p.green('✓') : p.red('✗'));
  const qbtText =
    r.qbittorrent.length === 0
      ? `no announce left: fails closed${r.trackerMessage ? ` (qBittorrent: "${r.trackerMessage}")` : ''}`
      : `tracker saw ${describe(r.qbittorrent, r.vpn, r.home4)} × ${r.qbittorrent.length}`;
  p.line(`  ${mark(qbtOk)} qBittorrent (bound):    ${qbtText}`);
  p.line(
    `  ${mark(plainOk)} plain client (unbound): echo server saw ${describe(r.plain, r.vpn, r.home4)} × ${r.plain.length}`,
  );
  if (r.leaks !== undefined) {
    p.line(
      `  ${mark(leaksOk)} leak packets on the home uplink (all but the tunnel and the plain client): ${r.leaks}`,
    );
  }
  return {
    title,
    qbittorrent: r.qbittorrent,
    plain: r.plain,
    ...(r.leaks === undefined ? {} : { leaks: r.leaks }),
    ...(r.trackerMessage === undefined ? {} : { trackerMessage: r.trackerMessage }),
    ok: qbtOk && plainOk && leaksOk,
  };
}

function summary(
  p: Progress,
  phases: readonly PhaseResult[],
  ifname: string,
  names: { vpn: string; home4: string },
) {
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));
  const label = (a: string) =>
    `${a}  ${a === names.vpn ? 'VPN exit' : a === names.home4 ? 'home uplink' : '?'}`;
  const column = (xs: readonly string[], none: string) =>
    xs.length === 0 ? none : unique(xs).map(label).join(', ');
  p.line();
  p.line(p.bold('Where the traffic came out (as the tracker and the echo server saw it)'));
  p.line(`  ${pad('', 20)}${pad(`qBittorrent, bound to ${ifname}`, 46)}plain client, unbound`);
  phases.forEach((x, i) => {
    const qbt = column(x.qbittorrent, `nothing (fails closed, ${x.leaks ?? 0} leaks)`);
    p.line(`  ${pad(`${i + 1}. ${x.title}`, 20)}${pad(qbt, 46)}${column(x.plain, 'nothing')}`);
  });
}
