/**
 * `wg(8)`: configuration through stdin (the private key never reaches argv) and the `dump`
 * reader. Values that are secrets (private and preshared keys) are dropped while parsing.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { run } from '../exec.js';
import { stateRoot } from './state.js';

export interface WgOptions {
  netns?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The interface is wireguard-go's: `wg` reaches it through its control socket, which every
   * namespace shares, so `wg` need not enter the namespace (saving a process set-up) unless it
   * must resolve an endpoint host name there.
   */
  userspace?: boolean | undefined;
}

/** True when some `Endpoint =` of a setconf text is a host name rather than an IP literal. */
function hasHostNameEndpoint(setconfText: string): boolean {
  return [...setconfText.matchAll(/^\s*Endpoint\s*=\s*(\S+)/gim)].some(([, endpoint = '']) => {
    if (endpoint.startsWith('[')) return false;
    return isIP(endpoint.slice(0, endpoint.lastIndexOf(':'))) === 0;
  });
}

/**
 * `wg setconf` (replace everything) or `wg syncconf` (change in place). The text holds the private
 * key, so it goes through a 0600 file in a 0700 directory on tmpfs that is removed right after,
 * never through argv. (`/dev/stdin` does not work: Node's stdin pipes are sockets, which `wg`
 * cannot fopen.)
 */
export async function wgApply(
  mode: 'setconf' | 'syncconf',
  name: string,
  setconfText: string,
  options: WgOptions = {},
): Promise<void> {
  const dir = join(stateRoot(), 'secrets');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.${process.pid}.${randomUUID()}.conf`);
  try {
    await writeFile(file, setconfText, { mode: 0o600, flag: 'wx' });
    const direct = options.userspace && !hasHostNameEndpoint(setconfText);
    await run('wg', [mode, name, file], {
      netns: direct ? undefined : options.netns,
      signal: options.signal,
    });
  } finally {
    await rm(file, { force: true });
  }
}

export interface PeerStatus {
  publicKey: string;
  /** Whether a preshared key is set (the key itself is never read out). */
  hasPresharedKey: boolean;
  endpoint: string | undefined;
  allowedIPs: string[];
  /** Time of the latest handshake, or undefined when there has been none. */
  latestHandshake: Date | undefined;
  transferRx: number;
  transferTx: number;
  persistentKeepalive: number | undefined;
}

export interface WgDump {
  publicKey: string;
  listenPort: number;
  fwMark: number | undefined;
  peers: PeerStatus[];
}

const none = (v: string | undefined) =>
  v === undefined || v === '(none)' || v === 'off' ? undefined : v;

/** Parses `wg show <if> dump`. The interface's private key (field 1) is discarded. */
export function parseDump(text: string): WgDump {
  const [head, ...rest] = text.trim().split('\n');
  const [, publicKey = '', listenPort = '0', fwMark] = (head ?? '').split('\t');
  return {
    publicKey,
    listenPort: Number(listenPort),
    fwMark: none(fwMark) === undefined ? undefined : Number(fwMark),
    peers: rest
      .filter((line) => line.trim())
      .map((line) => {
        const [key = '', psk, endpoint, allowed, handshake, rx, tx, keepalive] = line.split('\t');
        const seconds = Number(handshake ?? 0);
        return {
          publicKey: key,
          hasPresharedKey: none(psk) !== undefined,
          endpoint: none(endpoint),
          allowedIPs: none(allowed)?.split(',') ?? [],
          latestHandshake: seconds > 0 ? new Date(seconds * 1000) : undefined,
          transferRx: Number(rx ?? 0),
          transferTx: Number(tx ?? 0),
          persistentKeepalive: none(keepalive) === undefined ? undefined : Number(keepalive),
        };
      }),
  };
}

export async function wgDump(name: string, options: WgOptions = {}): Promise<WgDump> {
  const { stdout } = await run('wg', ['show', name, 'dump'], {
    netns: options.userspace ? undefined : options.netns,
    signal: options.signal,
  });
  return parseDump(stdout);
}
