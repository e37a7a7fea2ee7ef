/**
 * The in-namespace half of `sockets.ts`: runs inside the lab's home namespace (`ip netns exec`),
 * measures bound sockets against the reference on the same path (through the tunnel to the VPN
 * server's address), prints one JSON line. Bounded loops only.
 *
 * Every comparison is paired so that the load of a shared host hits both sides alike:
 * - connect+close: the openers interleaved connection by connection, cycling through all orders;
 * - keep-alive requests: both agents kept alive, alternating in blocks of 50 requests;
 * - bulk throughput: ours and `iperf3 --bind-dev` in alternating runs of the same duration, both
 *   counted at the receiver (ours: until the sink has read everything and closed).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { startBoundConnect } from '../../packages/core/src/socket/attempt.js';
import { builtCore } from './product.js';

export interface WorkerInput {
  ifname: string;
  host: string;
  connects: number;
  rounds: number;
  seconds: number;
  runs: number;
  requests: number;
}

export interface WorkerResult {
  connect: { ours: number[]; reference: number[]; raw: number[] };
  requests: { ours: number[]; reference: number[] };
  throughput: { ours: number[]; reference: number[] };
}

// Ours is the built package (see product.ts). The bare technique (startBoundConnect, not exported)
// comes from the sources: it creates no closure per call, so tsx's keepNames costs it nothing.
const { createBoundHttpAgent, createBoundSocket } = await builtCore();
const [raw = '{}'] = process.argv.slice(2);
const { ifname, host, connects, rounds, seconds, runs, requests } = JSON.parse(raw) as WorkerInput;
const PORT = { sink: 9002, http: 9080, iperf: 5201 } as const;
/**
 * One far-side echo port per connect opener. Every connect+close leaves a TIME_WAIT here, and a
 * new connect's port must not clash with those of the same destination. Measured in the lab: on
 * one destination either kind alone slows down about 3× once some 14,000 TIME_WAITs have piled
 * up (the kernel's port search); mixed on one destination, bound connects slowed down after
 * 15,000 connects and net.connect did not (it does not clash with the bound sockets' TIME_WAITs,
 * while bound sockets clash with everyone's). Own ports keep each opener in its own port space and
 * far below that (rounds × connects + warm-up per port).
 */
const ECHO = { ours: 9010, reference: 9011, raw: 9012 } as const;

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function plainConnect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: ECHO.reference, autoSelectFamily: false });
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

/** The bare technique (native fd + net.Socket + connect), without the TS API around it. */
function rawBound(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = startBoundConnect(ifname, 4, host, ECHO.raw, false);
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

const boundConnect = () => createBoundSocket(ifname, { host, port: ECHO.ours });

/** All orders of the three openers: each follows each other one equally often. */
const ORDERS = [
  ['ours', 'reference', 'raw'],
  ['ours', 'raw', 'reference'],
  ['reference', 'ours', 'raw'],
  ['reference', 'raw', 'ours'],
  ['raw', 'ours', 'reference'],
  ['raw', 'reference', 'ours'],
] as const;

/** One round: the three openers interleaved connection by connection; ms per connect+close. */
async function connectRound(): Promise<{ ours: number; reference: number; raw: number }> {
  const total = { ours: 0, reference: 0, raw: 0 };
  const openers = { ours: boundConnect, reference: plainConnect, raw: rawBound };
  for (let i = 0; i < connects; i++) {
    for (const key of ORDERS[i % ORDERS.length]!) {
      const start = process.hrtime.bigint();
      (await openers[key]()).destroy();
      total[key] += elapsedMs(start);
    }
  }
  return {
    ours: total.ours / connects,
    reference: total.reference / connects,
    raw: total.raw / connects,
  };
}

function get(agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port: PORT.http, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

/** One round: both keep-alive agents, alternating blocks of 50 requests; ms per request. */
async function requestRound(): Promise<{ ours: number; reference: number }> {
  const ours = createBoundHttpAgent(ifname, { keepAlive: true, maxSockets: 1 });
  const reference = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Open both connections first: this row is about reused sockets (the connect row covers fresh).
  await get(ours);
  await get(reference);
  const block = 50;
  const total = { ours: 0, reference: 0 };
  try {
    for (let b = 0; b * block < requests; b++) {
      const order = b % 2 ? (['reference', 'ours'] as const) : (['ours', 'reference'] as const);
      for (const key of order) {
        const agent = key === 'ours' ? ours : reference;
        const start = process.hrtime.bigint();
        for (let i = 0; i < block && b * block + i < requests; i++) await get(agent);
        total[key] += elapsedMs(start);
      }
    }
  } finally {
    ours.destroy();
    reference.destroy();
  }
  return { ours: total.ours / requests, reference: total.reference / requests };
}

/**
 * One bound TCP stream to the discard sink for `seconds`: 256 KiB writes with back-pressure, then
 * `end()`; timed until the sink has read everything and closed its side (a receiver-side figure,
 * like iperf3's `sum_received`). Mbit/s.
 */
async function oursThroughput(): Promise<number> {
  const socket = await createBoundSocket(ifname, { host, port: PORT.sink });
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  socket.resume(); // the sink sends nothing; consume its FIN so 'close' comes
  const chunk = Buffer.alloc(256 * 1024, 7);
  let bytes = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    bytes += chunk.length;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
  await closed;
  return (bytes * 8) / (elapsedMs(start) / 1000) / 1e6;
}

/** `iperf3 -c <host> --bind-dev <if> -t <seconds>` from this namespace; `sum_received`, Mbit/s. */
function iperfThroughput(): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-c', host, '-p', String(PORT.iperf), '--bind-dev', ifname];
    const child = spawn('iperf3', [...args, '-t', String(seconds), '-J'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`iperf3 exited ${code}: ${err || out.slice(-500)}`));
      const report = JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } };
      resolve(report.end.sum_received.bits_per_second / 1e6);
    });
  });
}

const result: WorkerResult = {
  connect: { ours: [], reference: [], raw: [] },
  requests: { ours: [], reference: [] },
  throughput: { ours: [], reference: [] },
};

// Warm-up: JIT, the far side's accept path, ARP-free tunnel (bounded).
for (let i = 0; i < 100; i++) {
  (await plainConnect()).destroy();
  (await boundConnect()).destroy();
  (await rawBound()).destroy();
}
for (let i = 0; i < rounds; i++) {
  const c = await connectRound();
  result.connect.ours.push(c.ours);
  result.connect.reference.push(c.reference);
  result.connect.raw.push(c.raw);
  const r = await requestRound();
  result.requests.ours.push(r.ours);
  result.requests.reference.push(r.reference);
}
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so a slow phase of the host does not always hit the same side.
  if (i % 2) {
    result.throughput.reference.push(await iperfThroughput());
    result.throughput.ours.push(await oursThroughput());
  } else {
    result.throughput.ours.push(await oursThroughput());
    result.throughput.reference.push(await iperfThroughput());
  }
}
console.log(JSON.stringify(result));
process.exit(0);
