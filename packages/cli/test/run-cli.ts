/**
 * Runs the splitnet CLI from its TypeScript sources as a child process (`node --import tsx
 * src/bin.ts …`), with workspace packages resolved to their sources too (./tsconfig.json), and
 * finds what a lab run left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '@splitnet/lab';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const CLI = here('../src/bin.ts');
export const TSCONFIG = here('./tsconfig.json');
export const REPO = here('../../../');

export interface CliRun {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code (or 128 + signal number when killed by a signal). */
  exited: Promise<number>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code, signal) =>
      resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 128)),
    ),
  );
  return { child, output: () => ({ stdout, stderr }), exited };
}

export async function runCli(args: readonly string[], env: Record<string, string> = {}) {
  const run = startCli(args, env);
  const exitCode = await run.exited;
  return { exitCode, ...run.output() };
}

/** Processes whose command line mentions `needle` (e.g. a lab id), read from /proc. */
export function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle)) found.push(`${pid} ${cmd.trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** What a lab run with this id left behind: namespaces, processes, files, sockets. */
export function labLeftovers(id: string, namespaces: readonly string[]): string[] {
  return [
    ...namespaces.filter((n) => n.startsWith(`snlab-${id}-`)).map((n) => `namespace ${n}`),
    ...processesMentioning(`snlab-${id}`).map((p) => `process ${p}`),
    ...processesMentioning(`snh${id}`).map((p) => `process ${p}`),
    ...processesMentioning(`snv${id}`).map((p) => `process ${p}`),
    ...processesMentioning(`/run/splitnet-lab/${id}`).map((p) => `process ${p}`),
    ...[
      `/run/splitnet-lab/${id}`,
      `/run/splitnet-lab/${id}.json`,
      `/var/run/wireguard/snh${id}.sock`,
      `/var/run/wireguard/snv${id}.sock`,
      `/run/splitnet/interfaces/snlab-${id}-home/snh${id}.json`,
    ]
      .filter((p) => existsSync(p))
      .map((p) => `file ${p}`),
  ];
}

/** Polls `fn` every 100 ms until it is true; resolves with the milliseconds it took. */
export async function waitFor(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await fn()) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

/** Runs the CLI inside the lab's home namespace (where a homelab user would run it). */
export function cliInHome(lab: Lab, args: readonly string[], env: Record<string, string>) {
  return lab.exec('home', process.execPath, ['--import', 'tsx', CLI, ...args], {
    env,
    timeout: 90_000,
    reject: false,
  });
}

/**
 * Starts `splitnet watch --json` in the lab's home namespace (PID recorded by the lab) and
 * resolves once it listens to `ip monitor`.
 */
export async function startWatchInHome(
  lab: Lab,
  configFile: string,
  env: Record<string, string>,
): Promise<LabProcess> {
  const watcher = await lab.spawn(
    'home',
    process.execPath,
    ['--import', 'tsx', CLI, 'watch', '--config', configFile, '--json'],
    { env, name: 'splitnet-watch' },
  );
  await waitFor('watch to listen', async () =>
    readFileSync(watcher.logFile, 'utf8').includes('"event":"monitor"'),
  );
  return watcher;
}
