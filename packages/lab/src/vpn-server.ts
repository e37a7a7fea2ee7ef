/**
 * The VPN provider: a real userspace WireGuard server (`wireguard-go`) in the vpn namespace, one
 * peer (the home client), forwarding and nftables masquerade out of `v0` for IPv4 and IPv6.
 *
 * Private keys never appear in argv: `wg genkey` prints to a pipe, `wg pubkey` reads stdin, and
 * `wg setconf` reads a 0600 file in the run's 0700 work directory that is removed right after
 * (`/dev/stdin` does not work: Node's child stdio is a socketpair, which `fopen` refuses).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError } from '@splitnet/core';
import { LAB_ADDRESSES as A, LINKS, WG_SERVER_PORT } from './addresses.js';
import type { LabNames } from './namespaces.js';
import { type LabProcess, logTail, spawnIn } from './processes.js';
import { run } from './run.js';
import type { RecordedProcess } from './state.js';
import { waitFor } from './wait.js';

/** Directory of wireguard-go control sockets, shared by every namespace on the host. */
export const WG_SOCKET_DIR = '/var/run/wireguard';

/** Environment for wireguard-go (silences the "no kernel module" warning). */
export const WIREGUARD_GO_ENV = { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' };

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export async function generateKeyPair(signal?: AbortSignal): Promise<KeyPair> {
  const { stdout: privateKey } = await run('wg', ['genkey'], { signal });
  const { stdout: publicKey } = await run('wg', ['pubkey'], { input: `${privateKey}\n`, signal });
  return { privateKey: privateKey.trim(), publicKey: publicKey.trim() };
}

export function socketPath(name: string): string {
  return join(WG_SOCKET_DIR, `${name}.sock`);
}

/** Starts `wireguard-go -f <name>` in `netns` and waits for its interface and control socket. */
export async function startWireguardGo(
  netns: string,
  name: string,
  logFile: string,
  onSpawn: (record: RecordedProcess, process: LabProcess) => void,
  signal?: AbortSignal,
): Promise<LabProcess> {
  const { process, record } = await spawnIn(netns, 'wireguard-go', ['-f', name], {
    name: `wireguard-go ${name}`,
    logFile,
    env: { ...WIREGUARD_GO_ENV, LOG_LEVEL: 'error' },
  });
  onSpawn(record, process);
  await waitFor(
    `wireguard-go ${name} in ${netns}`,
    async () => {
      if (!process.running()) {
        throw new CommandError(`wireguard-go ${name} exited at start: ${logTail(logFile)}`, {
          command: ['wireguard-go', '-f', name],
        });
      }
      if (!existsSync(socketPath(name))) return false;
      const r = await run('ip', ['-n', netns, 'link', 'show', name], { reject: false, signal });
      return r.exitCode === 0;
    },
    { timeout: 10_000, signal },
  );
  return process;
}

export interface VpnServerSetup {
  server: KeyPair;
  home: KeyPair;
  ipv6: boolean;
  /** Private (0700) directory for the short-lived key file. */
  workDir: string;
}

/** Configures the running server interface: keys, peer, addresses, link up, masquerade. */
export async function configureVpnServer(
  names: LabNames,
  setup: VpnServerSetup,
  signal?: AbortSignal,
): Promise<void> {
  const ns = names.ns.vpn;
  const dev = names.serverInterface;
  const allowed = [`${A.tunnelHome4}/32`, ...(setup.ipv6 ? [`${A.tunnelHome6}/128`] : [])];
  const conf = [
    '[Interface]',
    `PrivateKey = ${setup.server.privateKey}`,
    `ListenPort = ${WG_SERVER_PORT}`,
    '',
    '[Peer]',
    `PublicKey = ${setup.home.publicKey}`,
    `AllowedIPs = ${allowed.join(', ')}`,
    '',
  ].join('\n');
  const confFile = join(setup.workDir, `${dev}-${randomBytes(4).toString('hex')}.conf`);
  try {
    writeFileSync(confFile, conf, { mode: 0o600, flag: 'wx' });
    await run('wg', ['setconf', dev, confFile], { netns: ns, signal });
  } finally {
    rmSync(confFile, { force: true });
  }
  const ip = (args: string[]) => run('ip', ['-n', ns, ...args], { signal });
  await ip(['addr', 'add', `${A.tunnelServer4}/24`, 'dev', dev]);
  if (setup.ipv6) await ip(['-6', 'addr', 'add', `${A.tunnelServer6}/64`, 'dev', dev, 'nodad']);
  await ip(['link', 'set', dev, 'up']);

  const ruleset = [
    'table inet snlab_nat {',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    oifname "${LINKS.vpnUplink}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
  await run('nft', ['-f', '-'], { netns: ns, input: ruleset, signal });
}

/** The wg-quick file for the home side of the tunnel (Table = off, DNS over the tunnel). */
export function homeConfigText(setup: VpnServerSetup): string {
  const address = [`${A.tunnelHome4}/32`, ...(setup.ipv6 ? [`${A.tunnelHome6}/128`] : [])];
  return [
    '[Interface]',
    `PrivateKey = ${setup.home.privateKey}`,
    `Address = ${address.join(', ')}`,
    `DNS = ${A.tunnelServer4}`,
    'Table = off',
    '',
    '[Peer]',
    `PublicKey = ${setup.server.publicKey}`,
    `Endpoint = ${A.endpoint}`,
    `AllowedIPs = 0.0.0.0/0${setup.ipv6 ? ', ::/0' : ''}`,
    'PersistentKeepalive = 25',
    '',
  ].join('\n');
}
