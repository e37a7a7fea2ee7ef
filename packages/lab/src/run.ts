/**
 * The lab's command runner: execa with argument arrays, an optional network namespace, secrets
 * through stdin, and `@splitnet/core`'s typed errors.
 *
 * It mirrors `run()` of `packages/core/src/exec.ts` exactly; `@splitnet/core` does not export
 * `run` from its entry point yet. Once it does, this file becomes
 * `export { run, type RunOptions, type RunResult } from '@splitnet/core';`.
 */
import { CommandError, MissingToolError, PermissionError } from '@splitnet/core';
import { execa } from 'execa';

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

const installHints: Record<string, string> = {
  ip: 'install iproute2 (apt-get install iproute2)',
  wg: 'install wireguard-tools (apt-get install wireguard-tools)',
  'wireguard-go': 'install wireguard-go (apt-get install wireguard-go)',
  nft: 'install nftables (apt-get install nftables)',
  dnsmasq: 'install dnsmasq (apt-get install dnsmasq-base)',
  curl: 'install curl (apt-get install curl)',
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
