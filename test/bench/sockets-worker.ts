/**
 * The in-namespace half of `sockets.ts`: runs inside the lab's home namespace (`ip netns exec`),
 * measures bound sockets against plain Node sockets on the same path (through the tunnel to the
 * VPN server's address), prints one JSON line. Bounded loops only.
 */
import http from 'node:http';
import net from 'node:net';
import { createBoundHttpAgent, createBoundSocket } from '../../packages/core/src/index.js';
import { startBoundConnect } from '../../packages/core/src/socket/attempt.js';

const [raw = '{}'] = process.argv.slice(2);
const { ifname, host, connects, rounds, seconds, requests } = JSON.parse(raw) as {
  ifname: string;
  host: string;
  connects: number;
  rounds: number;
  seconds: number;
  requests: number;
};

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function plainConnect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: 9000, autoSelectFamily: false });
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

/** The bare technique (native fd + net.Socket + connect), without the TS API around it. */
function rawBound(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = startBoundConnect(ifname, 4, host, 9000);
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

async function connectLoop(open: () => Promise<net.Socket>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < connects; i++) (await open()).destroy();
  return Number(process.hrtime.bigint() - start) / 1e6 / connects; // ms per connect+close
}

async function throughput(): Promise<number> {
  const socket = await createBoundSocket(ifname, { host, port: 9002 });
  const chunk = Buffer.alloc(256 * 1024, 7);
  let bytes = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    bytes += chunk.length;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  await new Promise<void>((r) => socket.end(r));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return (bytes * 8) / elapsed / 1e6; // Mbit/s
}

function requestLoop(agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const start = process.hrtime.bigint();
    const next = () => {
      http
        .get({ host, port: 9080, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (++done === requests)
              resolve(Number(process.hrtime.bigint() - start) / 1e6 / requests);
            else next();
          });
        })
        .on('error', reject);
    };
    next();
  });
}

/** Interleaves the three openers connection by connection, so drift and noise hit all alike. */
async function connectRound(): Promise<{ ours: number; reference: number; raw: number }> {
  const total = { ours: 0n, reference: 0n, raw: 0n };
  const openers = {
    ours: () => createBoundSocket(ifname, { host, port: 9000 }),
    reference: plainConnect,
    raw: rawBound,
  };
  const keys = ['ours', 'reference', 'raw'] as const;
  for (let i = 0; i < connects; i++) {
    // Rotate the order too, so no opener always follows the same one.
    for (const key of [...keys.slice(i % 3), ...keys.slice(0, i % 3)]) {
      const start = process.hrtime.bigint();
      (await openers[key]()).destroy();
      total[key] += process.hrtime.bigint() - start;
    }
  }
  const ms = (v: bigint) => Number(v) / 1e6 / connects;
  return { ours: ms(total.ours), reference: ms(total.reference), raw: ms(total.raw) };
}

const rounds_: { ours: number; reference: number; raw: number }[] = [];
const reqOurs: number[] = [];
const reqRef: number[] = [];
await connectLoop(plainConnect); // warm-up
await connectLoop(() => createBoundSocket(ifname, { host, port: 9000 }));
for (let i = 0; i < rounds; i++) {
  rounds_.push(await connectRound());
  const ours = createBoundHttpAgent(ifname, { keepAlive: true, maxSockets: 1 });
  const ref = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Alternate which goes first.
  if (i % 2) {
    reqRef.push(await requestLoop(ref));
    reqOurs.push(await requestLoop(ours));
  } else {
    reqOurs.push(await requestLoop(ours));
    reqRef.push(await requestLoop(ref));
  }
  ours.destroy();
  ref.destroy();
}
const connectOurs = rounds_.map((r) => r.ours);
const connectRef = rounds_.map((r) => r.reference);
const connectRaw = rounds_.map((r) => r.raw);
const mbps = await throughput();
console.log(
  JSON.stringify({
    connect: { ours: median(connectOurs), reference: median(connectRef), raw: median(connectRaw) },
    requests: { ours: median(reqOurs), reference: median(reqRef) },
    throughput: mbps,
  }),
);
process.exit(0);
