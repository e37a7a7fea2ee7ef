/**
 * The one place where splitnet runs external programs. Argument arrays only (never a shell
 * string), an optional target network namespace, secrets through stdin, and typed errors that
 * carry the command line (with secret arguments redacted) and the program's stderr.
 *
 * @example
 * ```ts
 * import { run } from './exec.js';
 * const { stdout } = await run('ip', ['-j', 'link', 'show'], { netns: 'lab-home' });
 * ```
 */
import { execa } from 'execa';
import { CommandError, MissingToolError, PermissionError } from './errors.js';

export interface RunOptions {
  /** Run inside this network namespace (via `ip netns exec`). Default: the caller's namespace. */
  netns?: string | undefined;
  /** Written to the program's stdin (how secrets reach `wg`). Never recorded in errors. */
  input?: string | undefined;
  /** Cancels the program (SIGTERM). */
  signal?: AbortSignal | undefined;
  /** Kills the program after this many milliseconds. Default: 30 000. */
  timeout?: number | undefined;
  /** Indexes in `args` whose values are replaced by `<redacted>` in errors. */
  redact?: readonly number[] | undefined;
  /** Extra environment variables. */
  env?: Record<string, string> | undefined;
  /** Resolve instead of throwing on a non-zero exit. Default: false. */
  reject?: boolean | undefined;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The argv as run, secrets redacted. */
  command: readonly string[];
}

/** How to install each external tool on Debian, for {@link MissingToolError}. */
const installHints: Record<string, string> = {
  ip: 'install iproute2 (apt-get install iproute2)',
  wg: 'install wireguard-tools (apt-get install wireguard-tools)',
  'wg-quick': 'install wireguard-tools (apt-get install wireguard-tools)',
  'wireguard-go':
    'install wireguard-go (apt-get install wireguard-go), or load the WireGuard kernel module',
  nft: 'install nftables (apt-get install nftables)',
  tcpdump: 'install tcpdump (apt-get install tcpdump)',
};

export function installHint(tool: string): string {
  return installHints[tool] ?? `install ${tool} and make sure it is on PATH`;
}

/** Prefixes `ip netns exec <ns>` when a namespace is given. */
export function inNetns(
  netns: string | undefined,
  file: string,
  args: readonly string[],
): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, [...args]];
}

export async function run(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const [cmd, argv] = inNetns(options.netns, file, args);
  const offset = argv.length - args.length;
  const redacted = new Set((options.redact ?? []).map((i) => i + offset));
  const command = [cmd, ...argv.map((a, i) => (redacted.has(i) ? '<redacted>' : a))];
  let result: Awaited<ReturnType<typeof execa>>;
  try {
    result = await execa(cmd, argv, {
      input: options.input ?? '',
      cancelSignal: options.signal,
      timeout: options.timeout ?? 30_000,
      env: options.env,
      reject: false,
      stripFinalNewline: true,
    });
  } catch (error) {
    throw new CommandError(`could not start ${command.join(' ')}`, { command }, { cause: error });
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.failed) {
    const code = (result as { code?: string }).code;
    if (code === 'ENOENT' || (options.netns && /exec of ".*" failed: No such file/.test(stderr))) {
      throw new MissingToolError(file, installHint(file));
    }
    if (result.isCanceled || result.timedOut) {
      throw new CommandError(
        `${command.join(' ')} ${result.timedOut ? 'timed out' : 'was cancelled'}`,
        { command, stderr },
        { cause: options.signal?.reason },
      );
    }
    if (options.reject === false) {
      return { stdout, stderr, exitCode: result.exitCode ?? -1, command };
    }
    const detail = stderr.trim().split('\n').slice(-3).join('; ') || `exit code ${result.exitCode}`;
    if (/Operation not permitted|Permission denied|must be run as root/i.test(stderr)) {
      throw new PermissionError(
        `${command.join(' ')} was refused: ${detail}. Run as root or grant CAP_NET_ADMIN.`,
      );
    }
    throw new CommandError(`${command.join(' ')} failed: ${detail}`, {
      command,
      exitCode: result.exitCode,
      stderr,
    });
  }
  return { stdout, stderr, exitCode: 0, command };
}

export interface DetachedProcess {
  pid: number;
  /** Settles when the process exits (never rejects). */
  exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;
}

/**
 * Starts a long-running program that outlives this process (like `wg-quick` starting
 * `wireguard-go`): detached, in its own session, output appended to `logFile`. The PID is
 * returned so that whoever started it can end it by PID.
 */
export async function spawnDetached(
  file: string,
  args: readonly string[],
  options: { netns?: string | undefined; env?: Record<string, string>; logFile: string },
): Promise<DetachedProcess> {
  const [cmd, argv] = inNetns(options.netns, file, args);
  const { open } = await import('node:fs/promises');
  const log = await open(options.logFile, 'a', 0o600);
  try {
    // node:child_process rather than execa: execa's promise would hold the child to this process.
    const { spawn } = await import('node:child_process');
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, ...options.env },
    });
    const exited = new Promise<{ exitCode: number | undefined; signal: string | undefined }>(
      (resolve) => {
        child.once('exit', (code, signal) =>
          resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }),
        );
        child.once('error', () => resolve({ exitCode: undefined, signal: undefined }));
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new MissingToolError(file, installHint(file));
      throw new CommandError(
        `could not start ${[cmd, ...argv].join(' ')}`,
        { command: [cmd, ...argv] },
        { cause: error },
      );
    });
    child.unref();
    return { pid, exited };
  } finally {
    await log.close();
  }
}

/** The absolute path of `name` on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const { delimiter, join } = await import('node:path');
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    .split(delimiter)
    .filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** Throws {@link MissingToolError} naming the Debian package when `name` is not on PATH. */
export async function requireExecutable(name: string): Promise<string> {
  const found = await findExecutable(name);
  if (!found) throw new MissingToolError(name, installHint(name));
  return found;
}
