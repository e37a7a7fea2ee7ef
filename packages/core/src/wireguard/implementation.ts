/**
 * Creating and deleting the WireGuard link: the kernel module when `ip link add … type wireguard`
 * works, otherwise `wireguard-go` (userspace, TUN), started detached with its PID recorded so
 * that teardown ends it by PID.
 */
import { access, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterfaceError, MissingToolError, TimeoutError } from '../errors.js';
import { installHint, requireExecutable, run, spawnDetached } from '../exec.js';
import { type IpOptions, ipTry } from '../routing/ip.js';
import type { Implementation } from './state.js';
import { ensureStateDir, logPath, removeStateDirIfEmpty } from './state.js';

export type ImplementationChoice = 'auto' | Implementation;

export interface CreateLinkOptions extends IpOptions {
  implementation?: ImplementationChoice | undefined;
  /** How long to wait for wireguard-go to bring the interface up. Default: 10 000 ms. */
  timeout?: number | undefined;
}

export interface CreatedLink {
  implementation: Implementation;
  pid: number | undefined;
}

/** wireguard-go's control socket. It is shared by every network namespace on the host. */
export function uapiSocketPath(name: string): string {
  return `/var/run/wireguard/${name}.sock`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Creates the link. Throws when neither implementation is available, naming what to install. */
/** Set once the kernel said it has no WireGuard (it will not grow one while we run). */
let kernelUnavailable = false;

export async function createLink(
  name: string,
  options: CreateLinkOptions = {},
): Promise<CreatedLink> {
  const choice = options.implementation ?? 'auto';
  if (choice === 'kernel' || (choice === 'auto' && !kernelUnavailable)) {
    const kernel = await run('ip', [...nsArgs(options), 'link', 'add', name, 'type', 'wireguard'], {
      reject: false,
      signal: options.signal,
    });
    if (kernel.exitCode === 0) return { implementation: 'kernel', pid: undefined };
    if (/Unknown device type|not supported/i.test(kernel.stderr)) kernelUnavailable = true;
    if (/Operation not permitted/i.test(kernel.stderr)) {
      // Let the runner produce its typed permission error.
      await run('ip', [...nsArgs(options), 'link', 'add', name, 'type', 'wireguard']);
    }
    if (choice === 'kernel') {
      throw new MissingToolError(
        'wireguard kernel module',
        `ip link add ${name} type wireguard failed (${kernel.stderr.trim()}); load it with \`modprobe wireguard\`, or use implementation 'wireguard-go' (apt-get install wireguard-go)`,
      );
    }
  }
  return { implementation: 'wireguard-go', pid: await startWireguardGo(name, options) };
}

function nsArgs(options: IpOptions): string[] {
  return options.netns ? ['-n', options.netns] : [];
}

async function startWireguardGo(name: string, options: CreateLinkOptions): Promise<number> {
  await requireExecutable('wireguard-go');
  const socket = uapiSocketPath(name);
  if ((await exists(socket)) && (await socketAlive(socket))) {
    throw new InterfaceError(
      name,
      `${socket} already exists: another wireguard-go interface named ${name} runs on this host (possibly in another network namespace; their control sockets are shared). Pick another name.`,
    );
  }
  await ensureStateDir(options.netns);
  const log = logPath(name, options.netns);
  await rm(log, { force: true });
  const child = await spawnDetached('wireguard-go', ['-f', name], {
    netns: options.netns,
    logFile: log,
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
  });
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const timeout = options.timeout ?? 10_000;
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (exited) {
      const text = (await readFile(log, 'utf8').catch(() => '')).trim();
      const reason = text.split('\n').slice(-2).join('; ');
      if (/exec of "wireguard-go" failed/.test(text)) {
        throw new MissingToolError('wireguard-go', installHint('wireguard-go'));
      }
      throw new InterfaceError(
        name,
        `wireguard-go exited while creating ${name}: ${reason || 'no output'}`,
      );
    }
    // wireguard-go opens the UAPI socket after its TUN device exists.
    if (await exists(socket)) return child.pid;
    await sleep(2);
  }
  await stopProcess(child.pid, name);
  throw new TimeoutError(`wireguard-go did not create ${name} within ${timeout} ms`, timeout);
}

/** A control socket nobody listens on (left by a crashed wireguard-go) is stale. */
async function socketAlive(path: string): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when `pid` is alive and is the wireguard-go serving `name` (guards against PID reuse). */
async function isWireguardGo(pid: number, name: string): Promise<boolean> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return argv.some((a) => a.endsWith('wireguard-go')) && argv.includes(name);
  } catch {
    return false;
  }
}

async function waitGone(pid: number, name: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  // wireguard-go exits within a few ms of losing its TUN: poll fast at first, then back off.
  for (let wait = 1; Date.now() < deadline; wait = Math.min(wait * 2, 20)) {
    if (!(await isWireguardGo(pid, name))) return true;
    await sleep(wait);
  }
  return !(await isWireguardGo(pid, name));
}

/** Ends a wireguard-go by PID: SIGTERM, then SIGKILL if it lingers. */
export async function stopProcess(pid: number, name: string): Promise<void> {
  if (!(await isWireguardGo(pid, name))) return;
  process.kill(pid, 'SIGTERM');
  if (await waitGone(pid, name, 2000)) return;
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, name, 2000);
}

/**
 * Deletes the link, and for wireguard-go waits for its process to exit (it does once its TUN is
 * gone), ending it by PID if it does not, and removes a leftover control socket.
 */
export async function deleteLink(
  name: string,
  link: CreatedLink,
  options: IpOptions = {},
): Promise<void> {
  await ipTry(['link', 'del', 'dev', name], options);
  if (link.implementation === 'wireguard-go') {
    if (link.pid !== undefined && !(await waitGone(link.pid, name, 1500))) {
      await stopProcess(link.pid, name);
    }
    await rm(uapiSocketPath(name), { force: true });
    await rm(logPath(name, options.netns), { force: true });
    await removeStateDirIfEmpty(options.netns);
  }
}
