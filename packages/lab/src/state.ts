/**
 * A small state file per lab under `/run/splitnet-lab/<id>.json`, written before anything is
 * created and updated whenever a process starts: the stale sweep tears down from it after the
 * owner died (crash, SIGKILL).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where lab state files and per-run work directories live (tmpfs, gone after a reboot). */
export const STATE_DIR = '/run/splitnet-lab';

/** A process the lab started, identified by PID and start time (a reused PID never matches). */
export interface RecordedProcess {
  pid: number;
  /** Short role name, e.g. `wireguard-go snvab12c`, `echo`, `dnsmasq vpn`. */
  name: string;
  /** Start time of the process (field 22 of `/proc/<pid>/stat`, clock ticks since boot). */
  start: string;
}

export interface LabState {
  version: 1;
  id: string;
  ownerPid: number;
  /** Start time of the owner (field 22 of `/proc/<pid>/stat`), to tell a reused PID apart. */
  ownerStart: string | undefined;
  createdAt: string;
  namespaces: string[];
  /** WireGuard interface names whose control sockets belong to this run. */
  wgNames: string[];
  processes: RecordedProcess[];
  workDir: string;
}

export function statePath(id: string): string {
  return join(STATE_DIR, `${id}.json`);
}

export function writeState(state: LabState): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const path = statePath(state.id);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readState(id: string): LabState | undefined {
  try {
    const value = JSON.parse(readFileSync(statePath(id), 'utf8')) as LabState;
    return value.version === 1 && value.id === id ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Ids of every lab that has a state file. */
export function listStateIds(): string[] {
  try {
    return readdirSync(STATE_DIR)
      .filter((f) => /^[a-z0-9]+\.json$/.test(f))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}

export function removeState(id: string): void {
  rmSync(statePath(id), { force: true });
}
