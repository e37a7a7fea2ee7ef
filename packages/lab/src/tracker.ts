/**
 * A real HTTP BitTorrent tracker on the lab's internet side (198.51.100.1:6969) that logs the
 * source address of every announce, and private test torrents pointing at it.
 *
 * @example
 * ```ts
 * const lab = await createLab();
 * const tracker = await startTracker(lab);
 * const torrent = await createTestTorrent({ announce: tracker.announceUrl, dir: lab.workDir });
 * // … add `torrent.buffer` to a client in home, then:
 * const seen = await tracker.waitForAnnounce((a) => a.infoHash === torrent.infoHash);
 * seen.address; // '203.0.113.2' when the client is bound to the tunnel
 * ```
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CommandError, TimeoutError } from '@splitnet/core';
import { LAB_ADDRESSES } from './addresses.js';
import type { Lab } from './lab.js';
import type { LabProcess } from './processes.js';

/** Absolute path of the shipped tracker script (`packages/lab/servers/tracker.mjs`). */
export const TRACKER_SERVER_SCRIPT = fileURLToPath(
  new URL('../servers/tracker.mjs', import.meta.url),
);

/** The tracker's TCP port (the echo server has 80 and 8080). */
export const TRACKER_PORT = 6969;

/** One announce as the tracker received it. */
export interface TrackerAnnounce {
  time: string;
  /** TCP source address of the announce: 192.0.2.2 (home uplink) or 203.0.113.2 (VPN exit). */
  address: string;
  /** The peer port the client announced. */
  port: number;
  event: 'started' | 'update' | 'completed' | 'stopped' | 'paused' | string;
  /** Hex info hash. */
  infoHash: string;
  peerId: string;
  userAgent: string;
}

export interface LabTracker {
  /** `http://198.51.100.1:6969/announce`. */
  readonly announceUrl: string;
  readonly process: LabProcess;
  /** Every announce so far, oldest first. */
  announces(): Promise<TrackerAnnounce[]>;
  /** Resolves with the first announce after `since` (ISO time, default: any) that matches. */
  waitForAnnounce(
    match?: (a: TrackerAnnounce) => boolean,
    options?: { since?: string | undefined; timeout?: number | undefined },
  ): Promise<TrackerAnnounce>;
  /** Ends the tracker by PID (also happens on `lab.destroy()`). */
  stop(): Promise<void>;
}

async function readLog(file: string): Promise<TrackerAnnounce[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TrackerAnnounce);
}

/** Starts the tracker in the lab's internet namespace and waits until it listens. */
export async function startTracker(lab: Lab, options: { port?: number } = {}): Promise<LabTracker> {
  const port = options.port ?? TRACKER_PORT;
  const logFile = join(lab.workDir, `tracker-${port}-announces.jsonl`);
  const proc = await lab.spawn(
    'internet',
    process.execPath,
    [
      TRACKER_SERVER_SCRIPT,
      '--log',
      logFile,
      '--listen',
      LAB_ADDRESSES.echo4,
      '--port',
      String(port),
    ],
    { name: `tracker-${port}` },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const out = await readFile(proc.logFile, 'utf8').catch(() => '');
    if (out.includes('ready')) break;
    if (!proc.running() || Date.now() > deadline) {
      await proc.stop();
      throw new CommandError(`lab tracker did not start: ${out.trim().slice(-500)}`, {
        command: ['node', TRACKER_SERVER_SCRIPT],
      });
    }
    await sleep(50);
  }
  return {
    announceUrl: `http://${LAB_ADDRESSES.echo4}:${port}/announce`,
    process: proc,
    announces: () => readLog(logFile),
    async waitForAnnounce(match = () => true, o = {}) {
      const timeout = o.timeout ?? 15_000;
      const end = Date.now() + timeout;
      for (;;) {
        const found = (await readLog(logFile)).find(
          (a) => (o.since === undefined || a.time > o.since) && match(a),
        );
        if (found) return found;
        if (Date.now() > end) {
          throw new TimeoutError(
            `no matching announce reached the lab tracker in ${timeout} ms`,
            timeout,
          );
        }
        await sleep(100);
      }
    },
    stop: () => proc.stop(),
  };
}

export interface TestTorrentOptions {
  /** Tracker announce URL (the ONLY tracker: no public trackers are added). */
  announce: string;
  /** Directory for the payload file. */
  dir: string;
  /** Payload name. Default: `splitnet-test-<random>.bin`. */
  name?: string | undefined;
  /** Payload size in bytes. Default: 64 KiB. */
  size?: number | undefined;
}

export interface TestTorrent {
  /** The .torrent file. */
  buffer: Uint8Array;
  /** Hex info hash (v1). */
  infoHash: string;
  /** Path of the payload (so a client can seed it with `savepath` = `dir`). */
  payloadPath: string;
  name: string;
}

/** Byte range of the top-level `info` value of a bencoded torrent (its SHA-1 is the info hash). */
export function infoSpan(buf: Uint8Array): [number, number] {
  const skip = (i: number): number => {
    const c = buf[i];
    if (c === 0x69) return buf.indexOf(0x65, i) + 1; // i…e
    if (c === 0x6c || c === 0x64) {
      let j = i + 1; // l…e / d…e
      while (buf[j] !== 0x65) j = skip(j);
      return j + 1;
    }
    const colon = buf.indexOf(0x3a, i); // <len>:<bytes>
    return colon + 1 + Number(Buffer.from(buf.subarray(i, colon)).toString());
  };
  if (buf[0] !== 0x64) throw new Error('[splitnet] [lab] not a bencoded dictionary');
  let i = 1;
  while (buf[i] !== 0x65) {
    const keyEnd = skip(i);
    const key = Buffer.from(buf.subarray(buf.indexOf(0x3a, i) + 1, keyEnd)).toString();
    const valueEnd = skip(keyEnd);
    if (key === 'info') return [keyEnd, valueEnd];
    i = valueEnd;
  }
  throw new Error('[splitnet] [lab] torrent has no info dictionary');
}

/** Makes a private single-file torrent announcing only to `announce` (npm `create-torrent`). */
export async function createTestTorrent(options: TestTorrentOptions): Promise<TestTorrent> {
  const { default: createTorrent } = (await import('create-torrent' as string)) as {
    default: (
      input: string,
      opts: Record<string, unknown>,
      cb: (err: Error | null, torrent: Uint8Array) => void,
    ) => void;
  };
  const name = options.name ?? `splitnet-test-${Math.random().toString(36).slice(2, 8)}.bin`;
  await mkdir(options.dir, { recursive: true });
  const payloadPath = join(options.dir, name);
  await writeFile(
    payloadPath,
    createHash('sha512')
      .update(name)
      .digest()
      .toString('hex')
      .repeat(Math.ceil((options.size ?? 65_536) / 128))
      .slice(0, options.size ?? 65_536),
  );
  const buffer = await new Promise<Uint8Array>((resolve, reject) =>
    createTorrent(
      payloadPath,
      {
        name,
        private: true,
        announceList: [[options.announce]],
        urlList: [],
        createdBy: 'splitnet lab',
        creationDate: 0,
      },
      (err, torrent) => (err ? reject(err) : resolve(torrent)),
    ),
  );
  const [start, end] = infoSpan(buffer);
  const infoHash = createHash('sha1').update(buffer.subarray(start, end)).digest('hex');
  return { buffer, infoHash, payloadPath, name };
}
