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
import { down, parseConfig, up } from '@splitnet/core';
import { LAB_ADDRESSES as A, createLab, type Lab, type LabProcess } from '@splitnet/lab';
import { makeTestPki } from '../../packages/core/src/socket/fixtures/test-pki.js';
import { type BenchRow, median, medianRatio, printRows } from './report.js';
import type { WorkerInput, WorkerResult } from './sockets-worker.js';

const farServersScript = fileURLToPath(
  new URL('../../packages/core/test/sockets/fixtures/far-servers.mjs', import.meta.url),
);
const worker = fileURLToPath(new URL('./sockets-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SocketBenchOptions {
  /** Connect+close per opener and round. Default: 300. */
  connects?: number;
  /** Rounds of connects and of requests (median taken). Default: 11. */
  rounds?: number;
  /** Seconds of each bulk transfer, ours and iperf3 alike. Default: 5. */
  seconds?: number;
  /** Bulk transfers per side, alternating which goes first (median taken). Default: 7. */
  runs?: number;
  /** Keep-alive requests per agent and round. Default: 1000. */
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
  let farServers: LabProcess | undefined;
  let iperfServer: LabProcess | undefined;
  try {
    await up(parseConfig(theLab.homeConfigText), { name, netns: home });
    const dir = join(theLab.workDir, 'bench-far');
    mkdirSync(dir, { recursive: true });
    const pki = makeTestPki([host]);
    writeFileSync(join(dir, 'server.key'), pki.key);
    writeFileSync(join(dir, 'server.pem'), pki.cert);
    farServers = await theLab.spawn(
      'vpn',
      process.execPath,
      [farServersScript, '--dir', dir, '--listen', host],
      { name: 'bench-far-servers' },
    );
    for (let i = 0; i < 100 && !existsSync(join(dir, 'far.ready')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Plain sockets reach the peer through the tunnel too (lab namespace only, removed by down()).
    await theLab.exec(home, 'ip', ['route', 'replace', `${host}/32`, 'dev', name]);
    const input: WorkerInput = {
      ifname: name,
      host,
      connects: options.connects ?? 300,
      rounds: options.rounds ?? 11,
      seconds: options.seconds ?? 5,
      runs: options.runs ?? 7,
      requests: options.requests ?? 1000,
    };
    // iperf3's server serves the alternating runs one after the other; stopped by PID below.
    iperfServer = await theLab.spawn('vpn', 'iperf3', ['-s', '-B', host, '-p', '5201'], {
      name: 'iperf3-server',
    });
    await new Promise((r) => setTimeout(r, 300));
    const budget = 60_000 + input.runs * 2 * (input.seconds + 5) * 1000;
    const result = JSON.parse(await runWorker(home, input, budget)) as WorkerResult;
    const { connect, requests, throughput } = result;
    const rows: BenchRow[] = [
      {
        name: `bound connect+close (median of ${input.rounds}×${input.connects})`,
        ours: median(connect.ours),
        reference: median(connect.reference),
        pairedRatio: medianRatio(connect.ours, connect.reference),
        unit: 'ms',
        better: 'lower',
        goal: { op: '<=', ratio: 1.1 },
        referenceName: 'net.connect (same path)',
      },
      {
        name: `bound TCP bulk throughput (median of ${input.runs}×${input.seconds} s)`,
        ours: median(throughput.ours),
        reference: median(throughput.reference),
        pairedRatio: medianRatio(throughput.ours, throughput.reference),
        unit: 'Mbit/s',
        better: 'higher',
        goal: { op: '>=', ratio: 0.9 },
        referenceName: 'iperf3 --bind-dev',
      },
      {
        name: `bound http.Agent keep-alive request (median of ${input.rounds}×${input.requests})`,
        ours: median(requests.ours),
        reference: median(requests.reference),
        pairedRatio: medianRatio(requests.ours, requests.reference),
        unit: 'ms',
        better: 'lower',
        goal: { op: '<=', ratio: 1.1 },
        referenceName: 'http.Agent keepAlive',
      },
    ];
    printRows(rows);
    const list = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
    console.log(
      `  bare technique (native fd + net.Socket + connect, no API around it): ${median(connect.raw).toFixed(3)} ms, paired ratio to net.connect ${medianRatio(connect.raw, connect.reference).toFixed(3)}; ours / bare ${medianRatio(connect.ours, connect.raw).toFixed(3)}`,
    );
    console.log(
      `  connect ms per round:     ours ${list(connect.ours)} | ref ${list(connect.reference)}`,
    );
    console.log(
      `  throughput Mbit/s by run: ours ${list(throughput.ours)} | iperf3 ${list(throughput.reference)}`,
    );
    console.log(
      `  request ms per round:     ours ${list(requests.ours)} | ref ${list(requests.reference)}`,
    );
    return rows;
  } finally {
    await iperfServer?.stop().catch(() => {});
    await farServers?.stop().catch(() => {});
    await down(name, { netns: home }).catch(() => {});
    if (own) await theLab.destroy();
  }
}
