/**
 * `splitnet doctor`: what this machine has and lacks for splitnet, each problem with its fix.
 *
 * Exit codes: 0 everything required is there (warnings allowed), 1 something required is missing.
 *
 * @example
 * ```sh
 * splitnet doctor          # a table
 * splitnet doctor --json   # { ok, checks: [{ id, status, required, detail, fix }] }
 * ```
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { release } from 'node:os';
import { dirname } from 'node:path';
import { createBoundUdpSocket, findExecutable } from '@splitnet/core';
import type { Command } from 'commander';
import { describeError, EXIT, type Io } from '../output.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable id, e.g. `wireguard`, `tool-wg`, `cap-net-admin`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** A failed required check makes `doctor` exit 1; others only warn. */
  required: boolean;
  detail: string;
  /** How to fix it (a Debian package or a command), when not ok. */
  fix?: string | undefined;
}

/** Linux capability bits (include/uapi/linux/capability.h). */
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** `5.10.0-28-amd64` → [5, 10]. */
export function kernelVersion(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Effective capabilities from `/proc/self/status` (`CapEff:\t000001ffffffffff`). */
export function effectiveCapabilities(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

const hasCap = (caps: bigint | undefined, bit: number) =>
  caps !== undefined && (caps & (1n << BigInt(bit))) !== 0n;

async function toolCheck(
  name: string,
  pkg: string,
  what: string,
  required: boolean,
): Promise<DoctorCheck> {
  const path = await findExecutable(name);
  return path
    ? { id: `tool-${name}`, title: name, status: 'ok', required, detail: `${path} (${what})` }
    : {
        id: `tool-${name}`,
        title: name,
        status: required ? 'fail' : 'warn',
        required,
        detail: `not found on PATH (${what})`,
        fix: `apt-get install ${pkg}`,
      };
}

/** Runs every check. Nothing here changes the machine. */
export async function runDoctor(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const kernel = release();
  const version = kernelVersion(kernel);
  const modern = version !== undefined && (version[0] > 5 || (version[0] === 5 && version[1] >= 7));
  checks.push({
    id: 'kernel',
    title: 'Linux kernel',
    status: modern ? 'ok' : 'warn',
    required: false,
    detail: modern
      ? `${kernel} (5.7+: unprivileged processes may bind their sockets to the tunnel)`
      : `${kernel} (before 5.7, binding a socket to a device needs CAP_NET_RAW)`,
    fix: modern
      ? undefined
      : 'upgrade the kernel, or give bound programs CAP_NET_RAW (setcap cap_net_raw+ep $(command -v node))',
  });

  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({
    id: 'node',
    title: 'Node.js',
    status: nodeOk ? 'ok' : 'fail',
    required: true,
    detail: `${process.version}${nodeOk ? '' : ' (20.19 or newer is required)'}`,
    fix: nodeOk ? undefined : 'install Node.js 20.19+ (https://nodejs.org or NodeSource)',
  });

  const moduleLoaded = await exists('/sys/module/wireguard');
  const moduleShipped =
    !moduleLoaded &&
    ((await exists(`/lib/modules/${kernel}/kernel/drivers/net/wireguard`)) ||
      (await exists(`/lib/modules/${kernel}/updates/dkms/wireguard.ko`)));
  const wgGo = await findExecutable('wireguard-go');
  const tun = await exists('/dev/net/tun');
  const wireguard: DoctorCheck =
    moduleLoaded || moduleShipped
      ? {
          id: 'wireguard',
          title: 'WireGuard',
          status: 'ok',
          required: true,
          detail: moduleLoaded
            ? 'kernel module loaded'
            : 'kernel module available (loaded on first use; modprobe wireguard)',
        }
      : wgGo && tun
        ? {
            id: 'wireguard',
            title: 'WireGuard',
            status: 'ok',
            required: true,
            detail: `no kernel module; userspace ${wgGo} with /dev/net/tun`,
          }
        : {
            id: 'wireguard',
            title: 'WireGuard',
            status: 'fail',
            required: true,
            detail: wgGo
              ? `no kernel module, and wireguard-go cannot run: /dev/net/tun is missing`
              : 'no kernel module and no wireguard-go on PATH',
            fix: wgGo
              ? 'create the TUN device (mkdir -p /dev/net && mknod /dev/net/tun c 10 200), or in a container pass --device /dev/net/tun'
              : 'apt-get install wireguard-go (userspace), or load the kernel module (modprobe wireguard; Linux 5.6+)',
          };
  checks.push(wireguard);

  checks.push(await toolCheck('wg', 'wireguard-tools', 'configures the tunnel', true));
  checks.push(await toolCheck('ip', 'iproute2', 'links, addresses, policy routing', true));
  checks.push(
    await toolCheck('nft', 'nftables', 'firewall backstop and leak counters; optional', false),
  );

  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const caps = effectiveCapabilities(status);
  const root = process.getuid?.() === 0;
  const netAdmin = hasCap(caps, CAP_NET_ADMIN);
  const netRaw = hasCap(caps, CAP_NET_RAW);
  checks.push({
    id: 'cap-net-admin',
    title: 'CAP_NET_ADMIN',
    status: netAdmin ? 'ok' : 'fail',
    required: true,
    detail: `${root ? 'root' : `uid ${process.getuid?.() ?? '?'}`}, ${netAdmin ? 'has' : 'lacks'} CAP_NET_ADMIN (create the interface, routes and rules)`,
    fix: netAdmin
      ? undefined
      : 'run as root (sudo splitnet …), or grant it to the service (AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW; splitnet install-service does)',
  });
  checks.push({
    id: 'cap-net-raw',
    title: 'CAP_NET_RAW',
    status: netRaw || modern ? 'ok' : 'warn',
    required: false,
    detail: netRaw
      ? 'has CAP_NET_RAW'
      : modern
        ? 'lacks CAP_NET_RAW (not needed on 5.7+ kernels)'
        : 'lacks CAP_NET_RAW, which kernels before 5.7 need to bind sockets to a device',
    fix: netRaw || modern ? undefined : 'run as root, or grant CAP_NET_RAW',
  });

  const v6disabled = (
    await readFile('/proc/sys/net/ipv6/conf/all/disable_ipv6', 'utf8').catch(() => '1')
  ).trim();
  checks.push({
    id: 'ipv6',
    title: 'IPv6',
    status: v6disabled === '0' ? 'ok' : 'warn',
    required: false,
    detail:
      v6disabled === '0'
        ? 'enabled'
        : 'disabled (tunnel IPv6 addresses cannot be used; IPv4 still works)',
    fix:
      v6disabled === '0'
        ? undefined
        : 'sysctl -w net.ipv6.conf.all.disable_ipv6=0 (or remove ipv6.disable=1 from the kernel command line)',
  });

  checks.push(await nativeCheck());

  const dir = '/var/run/wireguard';
  const target = (await exists(dir)) ? dir : dirname(dir);
  const writable = await access(target, constants.W_OK).then(
    () => true,
    () => false,
  );
  checks.push({
    id: 'wireguard-socket-dir',
    title: dir,
    status: writable ? 'ok' : wgGo && !moduleLoaded ? 'fail' : 'warn',
    required: Boolean(wgGo && !moduleLoaded),
    detail: writable
      ? `${target === dir ? 'writable' : 'can be created'} (wireguard-go's control sockets)`
      : `${target} is not writable (wireguard-go puts its control socket there)`,
    fix: writable ? undefined : `run as root, or mkdir -p ${dir} && chown $(id -u) ${dir}`,
  });
  return checks;
}

/** Loads the native helper and binds a UDP socket to `lo` (what every bound socket does). */
async function nativeCheck(): Promise<DoctorCheck> {
  try {
    const socket = createBoundUdpSocket('lo', { family: 4 });
    socket.close();
    return {
      id: 'native',
      title: 'native helper',
      status: 'ok',
      required: true,
      detail: 'loads; a socket bound to lo with SO_BINDTODEVICE works',
    };
  } catch (error) {
    const { code, message } = describeError(error);
    return {
      id: 'native',
      title: 'native helper',
      status: 'fail',
      required: true,
      detail: `${message} (${code})`,
      fix:
        code === 'SPLITNET_ERR_PERMISSION'
          ? 'run as root or grant CAP_NET_RAW (kernels before 5.7)'
          : 'apt-get install g++ make python3 && pnpm --filter @splitnet/core run build:native',
    };
  }
}

const ICON: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function renderDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.title.length));
  const lines = checks.map((c) => {
    const head = `${ICON[c.status]}  ${c.title.padEnd(width)}  ${c.detail}`;
    return c.fix ? `${head}\n${' '.repeat(width + 8)}fix: ${c.fix}` : head;
  });
  const failed = checks.filter((c) => c.status === 'fail');
  const warned = checks.filter((c) => c.status === 'warn');
  lines.push(
    '',
    failed.length === 0
      ? `ready${warned.length > 0 ? ` (${warned.length} warning${warned.length > 1 ? 's' : ''})` : ''}`
      : `not ready: ${failed.map((c) => c.title).join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerDoctor(program: Command, io: Io): Command {
  return program
    .command('doctor')
    .description('check what this machine needs for splitnet, and say how to fix what is missing')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const checks = await runDoctor();
      const ok = checks.every((c) => c.status !== 'fail' || !c.required);
      io.stdout(o.json ? `${JSON.stringify({ ok, checks }, null, 2)}\n` : renderDoctor(checks));
      process.exitCode = ok ? EXIT.ok : EXIT.error;
    });
}
