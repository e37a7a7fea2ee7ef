/**
 * Bound-socket benchmarks (issue 3), measured side by side in one run through the lab's tunnel:
 * - connect+close time of createBoundSocket vs net.connect to the same tunnel address (goal ≤ 1.10)
 * - bulk throughput of one bound TCP stream vs `iperf3 --bind-dev` through the tunnel (goal ≥ 0.9)
 * - time per request through the bound keep-alive http.Agent vs a plain one (goal ≤ 1.10)
 * The peer is the VPN server's tunnel address (10.66.0.1), reached through the tunnel by both the
 * bound and the plain socket: for the run, the lab's home namespace gets a host route
 * `10.66.0.1 dev <if>` in its main table, so plain sockets take the very same path.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_ADDRESSES as A, createLab, type Lab } from '@splitnet/lab';
import { down, parseConfig, up } from '../../packages/core/src/index.js';
import { makeTestPki } from '../../packages/core/src/socket/fixtures/test-pki.js';
import { type BenchRow, printRows } from './report.js';

const farServers = fileURLToPath(
  new URL('../../packages/core/test/sockets/fixtures/far-servers.mjs', import.meta.url),
);
const worker = fileURLToPath(new URL('./sockets-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SocketBenchOptions {
  /** Connect+close per round. Default: 300. */
  connects?: number;
  /** Alternating rounds (median taken). Default: 5. */
  rounds?: number;
  /** Seconds of bulk transfer, ours and iperf3 each. Default: 5. */
  seconds?: number;
  /** Sequential keep-alive requests per round. Default: 1000. */
  requests?: number;
}

function runWorker(ns: string, input: object, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', worker, JSON.stringify(input)],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), timeoutMs);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`bench worker exited ${code}: ${err.slice(-1500)}`));
    });
  });
}

/** Runs in an existing lab (or creates one), prints and returns the rows. */
export async function benchSockets(
  lab?: Lab,
  options: SocketBenchOptions = {},
): Promise<BenchRow[]> {
  const own = !lab;
  const theLab = lab ?? (await createLab());
  const name = theLab.homeInterfaceName;
  const home = theLab.ns.home;
  const host = A.tunnelServer4;
  try {
    await up(parseConfig(theLab.homeConfigText), { name, netns: home });
    const dir = join(theLab.workDir, 'bench-far');
    mkdirSync(dir, { recursive: true });
    const pki = makeTestPki([host]);
    writeFileSync(join(dir, 'server.key'), pki.key);
    writeFileSync(join(dir, 'server.pem'), pki.cert);
    await theLab.spawn('vpn', process.execPath, [farServers, '--dir', dir, '--listen', host], {
      name: 'bench-far-servers',
    });
    for (let i = 0; i < 100 && !existsSync(join(dir, 'far.ready')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Plain sockets reach the peer through the tunnel too (lab namespace only, removed by down()).
    await theLab.exec(home, 'ip', ['route', 'replace', `${host}/32`, 'dev', name]);
    const seconds = options.seconds ?? 5;
    const input = {
      ifname: name,
      host,
      connects: options.connects ?? 300,
      rounds: options.rounds ?? 5,
      seconds,
      requests: options.requests ?? 1000,
    };
    const result = JSON.parse(await runWorker(home, input, 300_000)) as {
      connect: { ours: number; reference: number; raw: number };
      requests: { ours: number; reference: number };
      throughput: number;
    };
    const iperfServer = await theLab.spawn(
      'vpn',
      'iperf3',
      ['-s', '-1', '-B', host, '-p', '5201'],
      {
        name: 'iperf3-server',
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const iperf = await theLab.exec(
      home,
      'iperf3',
      ['-c', host, '-p', '5201', '--bind-dev', name, '-t', String(seconds), '-J'],
      { timeout: (seconds + 20) * 1000 },
    );
    await iperfServer.stop();
    const iperfMbps =
      (JSON.parse(iperf.stdout) as { end: { sum_received: { bits_per_second: number } } }).end
        .sum_received.bits_per_second / 1e6;
    const rows: BenchRow[] = [
      {
        name: `bound connect+close (median of ${input.rounds}×${input.connects})`,
        ours: result.connect.ours,
        reference: result.connect.reference,
        unit: 'ms',
        better: 'lower',
        goal: { op: '<=', ratio: 1.1 },
        referenceName: 'net.connect (same path)',
      },
      {
        name: `bound TCP bulk throughput (${seconds} s, one stream)`,
        ours: result.throughput,
        reference: iperfMbps,
        unit: 'Mbit/s',
        better: 'higher',
        goal: { op: '>=', ratio: 0.9 },
        referenceName: 'iperf3 --bind-dev',
      },
      {
        name: `bound http.Agent keep-alive request (median of ${input.rounds}×${input.requests})`,
        ours: result.requests.ours,
        reference: result.requests.reference,
        unit: 'ms',
        better: 'lower',
        goal: { op: '<=', ratio: 1.1 },
        referenceName: 'http.Agent keepAlive',
      },
    ];
    printRows(rows);
    console.log(
      `  (bare native fd + net.Socket connect, without the API: ${result.connect.raw.toFixed(3)} ms)`,
    );
    return rows;
  } finally {
    await down(name, { netns: home }).catch(() => {});
    if (own) await theLab.destroy();
  }
}
