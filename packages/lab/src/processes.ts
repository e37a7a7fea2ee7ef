/**
 * Long-running processes inside a namespace: started detached with `ip netns exec` (which execs
 * the program, so the PID we record is the program's), output to a log file, and ended by their
 * recorded PID only, after checking the PID's start time still matches (no PID reuse).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from '@splitnet/core';
import type { RecordedProcess } from './state.js';

/** A process started by the lab. */
export interface LabProcess {
  readonly pid: number;
  readonly name: string;
  /** stdout and stderr of the process. */
  readonly logFile: string;
  /** True until the process has exited. */
  running(): boolean;
  /** Resolves with the exit code (or `null` when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Ends the process by PID: SIGTERM, then SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of `/proc/<pid>/stat` after the command name (index 0 = state). */
function statFields(pid: number): string[] | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

/** True if the PID exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[0] !== 'X';
}

/** The process start time (clock ticks since boot), to detect PID reuse. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** True if `pid` is alive and is still the process that was recorded (same start time). */
export function isRecordedProcess(proc: RecordedProcess): boolean {
  return isAlive(proc.pid) && processStartTime(proc.pid) === proc.start;
}

/** Ends a recorded process: SIGTERM, wait up to `graceMs`, then SIGKILL. Never by name. */
export async function killRecorded(proc: RecordedProcess, graceMs = 3_000): Promise<void> {
  if (!isRecordedProcess(proc)) return;
  signal(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(proc.pid) && Date.now() < deadline) await sleep(20);
  if (!isAlive(proc.pid)) return;
  signal(proc.pid, 'SIGKILL');
  const hard = Date.now() + 2_000;
  while (isAlive(proc.pid) && Date.now() < hard) await sleep(20);
}

/** Synchronous SIGKILL for exit handlers. */
export function killRecordedSync(proc: RecordedProcess): void {
  if (isRecordedProcess(proc)) signal(proc.pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export interface SpawnInOptions {
  name: string;
  logFile: string;
  env?: Record<string, string> | undefined;
}

/** Starts `file args` detached inside `netns`, stdout/stderr appended to `logFile`. */
export async function spawnIn(
  netns: string,
  file: string,
  args: readonly string[],
  options: SpawnInOptions,
): Promise<{ process: LabProcess; record: RecordedProcess }> {
  const fd = openSync(options.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn('ip', ['netns', 'exec', netns, file, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...options.env },
    });
  } finally {
    closeSync(fd);
  }
  const command = ['ip', 'netns', 'exec', netns, file, ...args];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', (error) =>
      reject(
        new CommandError(`could not start ${command.join(' ')}`, { command }, { cause: error }),
      ),
    );
  });
  child.unref();
  const start = processStartTime(pid);
  if (start === undefined) {
    await exited;
    throw new CommandError(`${command.join(' ')} exited at once: ${logTail(options.logFile)}`, {
      command,
    });
  }
  const record: RecordedProcess = { pid, name: options.name, start };
  let stopping: Promise<void> | undefined;
  const labProcess: LabProcess = {
    pid,
    name: options.name,
    logFile: options.logFile,
    exited,
    running: () => exitCode === undefined,
    stop() {
      stopping ??= (async () => {
        if (exitCode !== undefined) return;
        await killRecorded(record);
        // let libuv reap the child so the PID is really gone
        await Promise.race([exited, sleep(2_000)]);
      })();
      return stopping;
    },
  };
  return { process: labProcess, record };
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}
