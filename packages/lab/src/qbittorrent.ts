/**
 * A real qbittorrent-nox in a lab namespace, with a hardened test profile: only the traffic under
 * test (no DHT, LSD, PeX, UPnP/NAT-PMP, GeoIP), the legal notice accepted, a Web UI user with a
 * PBKDF2 password, and the Web UI answering before this resolves. Ended by PID with the lab.
 *
 * @example
 * ```ts
 * const qbt = await startLabQbittorrent(lab, { username: 'splitnet', password: 'lab-only' });
 * console.log(qbt.url); // http://127.0.0.1:18080, reachable from the home namespace only
 * await qbt.stop();
 * ```
 */
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from './lab.js';
import type { LabProcess } from './processes.js';

/** Options of {@link startLabQbittorrent}. */
export interface LabQbittorrentOptions {
  /** Web UI user. */
  username: string;
  /** Web UI password (a lab-only value). */
  password: string;
  /** Web UI port. Default: 18080. */
  webPort?: number;
  /** BitTorrent listen port. Default: 16881. */
  peerPort?: number;
  /** Profile directory. Default: `<workDir>/qbt-profile`; reused if it exists. */
  profile?: string;
  /** Default save path. Default: `<workDir>/payload`. */
  savePath?: string;
  /** Namespace role. Default: `home`. */
  ns?: string;
  /**
   * Called with the path of the written `qBittorrent.conf` before the first start, e.g. to
   * provision the binding offline. Default: none.
   */
  prepare?: (configPath: string) => Promise<unknown>;
}

export interface LabQbittorrent {
  url: string;
  profile: string;
  peerPort: number;
  process: LabProcess;
  /** Starts it again with the same profile (after `stop()`). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** True when `qbittorrent-nox` is installed. */
export function hasQbittorrentNox(): boolean {
  try {
    execFileSync('qbittorrent-nox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** qBittorrent's `WebUI\Password_PBKDF2` value (PBKDF2-HMAC-SHA512, 100 000 rounds). */
function pbkdf2Value(password: string): string {
  const salt = randomBytes(16);
  const key = pbkdf2Sync(password, salt, 100_000, 64, 'sha512');
  return `"@ByteArray(${salt.toString('base64')}:${key.toString('base64')})"`;
}

export async function startLabQbittorrent(
  lab: Lab,
  options: LabQbittorrentOptions,
): Promise<LabQbittorrent> {
  const webPort = options.webPort ?? 18080;
  const peerPort = options.peerPort ?? 16881;
  const ns = options.ns ?? 'home';
  const profile = options.profile ?? join(lab.workDir, 'qbt-profile');
  const savePath = options.savePath ?? join(lab.workDir, 'payload');
  const url = `http://127.0.0.1:${webPort}`;
  const conf = [
    '[LegalNotice]',
    'Accepted=true',
    '',
    '[BitTorrent]',
    'Session\\DHTEnabled=false',
    'Session\\LSDEnabled=false',
    'Session\\PeXEnabled=false',
    `Session\\Port=${peerPort}`,
    `Session\\DefaultSavePath=${savePath}`,
    '',
    '[Network]',
    'PortForwardingEnabled=false',
    '',
    '[Preferences]',
    'Connection\\ResolvePeerCountries=false',
    `WebUI\\Port=${webPort}`,
    `WebUI\\Username=${options.username}`,
    `WebUI\\Password_PBKDF2=${pbkdf2Value(options.password)}`,
    '',
  ].join('\n');
  const configPath = join(profile, 'qBittorrent', 'config', 'qBittorrent.conf');
  await mkdir(join(profile, 'qBittorrent', 'config'), { recursive: true });
  await mkdir(savePath, { recursive: true });
  await writeFile(configPath, conf);
  await options.prepare?.(configPath);

  const start = async (): Promise<LabProcess> => {
    const proc = await lab.spawn(
      ns,
      'qbittorrent-nox',
      [`--profile=${profile}`, `--webui-port=${webPort}`],
      { name: 'qbittorrent-nox' },
    );
    for (let i = 0; i < 200; i++) {
      const r = await lab.exec(
        ns,
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${url}/api/v2/app/version`],
        { reject: false },
      );
      if (r.stdout === '403' || r.stdout === '200') return proc;
      if (!proc.running()) throw new Error('qbittorrent-nox exited at start');
      await sleep(100);
    }
    throw new Error('qbittorrent-nox Web UI did not come up');
  };
  const qbt: LabQbittorrent = {
    url,
    profile,
    peerPort,
    process: await start(),
    async restart() {
      qbt.process = await start();
    },
    stop: () => qbt.process.stop(),
  };
  return qbt;
}
