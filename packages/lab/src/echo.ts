/** The IP-echo HTTP server in the internet namespace and its request log. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError } from '@splitnet/core';
import type { LabProcess } from './processes.js';
import { logTail } from './processes.js';
import { waitFor } from './wait.js';

/** Ports the echo server listens on (both addresses, both ports). */
export const ECHO_PORTS = [80, 8080] as const;

/** Absolute path of the shipped server script (`packages/lab/servers/echo-server.mjs`). */
export const ECHO_SERVER_SCRIPT = fileURLToPath(
  new URL('../servers/echo-server.mjs', import.meta.url),
);

/** One request as the echo server saw it. */
export interface EchoLogEntry {
  /** ISO timestamp of the request. */
  time: string;
  /** Source address of the caller, as seen by the server. */
  address: string;
  family: 4 | 6;
  /** Path and query, e.g. `/probe?format=json`. */
  path: string;
  /** Local address and port the request came in on. */
  local: string;
  port: number;
  method: string;
}

export function echoArgs(logFile: string, listen: string[]): string[] {
  return [
    ECHO_SERVER_SCRIPT,
    '--log',
    logFile,
    '--listen',
    listen.join(','),
    '--ports',
    ECHO_PORTS.join(','),
  ];
}

/** Waits until the server printed `ready` (every listener bound). */
export async function waitEchoReady(proc: LabProcess, signal?: AbortSignal): Promise<void> {
  await waitFor(
    'the echo server to listen',
    async () => {
      if (!proc.running()) {
        throw new CommandError(`echo server exited at start: ${logTail(proc.logFile)}`, {
          command: ['node', ECHO_SERVER_SCRIPT],
        });
      }
      const out = await readFile(proc.logFile, 'utf8').catch(() => '');
      return out.includes('ready');
    },
    { timeout: 10_000, signal },
  );
}

export async function readEchoLog(file: string): Promise<EchoLogEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EchoLogEntry);
}

export const echoLogFile = (workDir: string) => join(workDir, 'echo-requests.jsonl');
