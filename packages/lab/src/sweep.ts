/**
 * Removes what earlier runs left behind: labs whose owner process is dead (from their state
 * files), namespaces named `snlab-<id>-*` without a state file, and the matching wireguard-go
 * control sockets. Labs whose owner is alive (this process included) are never touched.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deleteNamespace, listNamespaces, parseNamespace } from './namespaces.js';
import { isAlive, processStartTime } from './processes.js';
import { listStateIds, readState, STATE_DIR, statePath } from './state.js';
import { teardownState } from './teardown.js';
import { WG_SOCKET_DIR } from './vpn-server.js';

export interface SweepResult {
  /** Run ids whose leftovers were removed. */
  removed: string[];
  /** Run ids left alone because their owner process is alive. */
  alive: string[];
  /** Errors met while removing (the sweep carries on past them). */
  errors: unknown[];
}

function ownerAlive(pid: number, start: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  return start === undefined || processStartTime(pid) === start;
}

/**
 * Sweeps stale labs. Safe to run at any time, also while other labs are running.
 *
 * @example
 * ```ts
 * const { removed } = await sweepStaleLabs();
 * if (removed.length) console.log(`removed stale labs: ${removed.join(', ')}`);
 * ```
 */
export async function sweepStaleLabs(): Promise<SweepResult> {
  const result: SweepResult = { removed: [], alive: [], errors: [] };
  const known = new Set<string>();
  for (const id of listStateIds()) {
    known.add(id);
    const state = readState(id);
    if (!state) continue;
    if (ownerAlive(state.ownerPid, state.ownerStart)) {
      result.alive.push(id);
      continue;
    }
    try {
      await teardownState(state);
      result.removed.push(id);
    } catch (error) {
      result.errors.push(error);
    }
  }
  // Orphans without a state file: state is written before anything is created and removed last,
  // so a namespace or socket without one belongs to nobody.
  const orphans = new Set<string>();
  for (const ns of await listNamespaces()) {
    const parsed = parseNamespace(ns);
    if (!parsed || known.has(parsed.id) || hasState(parsed.id)) continue;
    try {
      await deleteNamespace(ns);
      orphans.add(parsed.id);
    } catch (error) {
      result.errors.push(error);
    }
  }
  for (const file of safeReaddir(WG_SOCKET_DIR)) {
    const m = /^sn[hv]([a-z0-9]{5})\.sock$/.exec(file);
    if (!m || known.has(m[1] as string) || hasState(m[1] as string)) continue;
    rmSync(join(WG_SOCKET_DIR, file), { force: true });
    orphans.add(m[1] as string);
  }
  for (const entry of safeReaddir(STATE_DIR)) {
    if (/^[a-z0-9]{5}$/.test(entry) && !known.has(entry) && !hasState(entry)) {
      rmSync(join(STATE_DIR, entry), { recursive: true, force: true });
      orphans.add(entry);
    }
  }
  for (const id of orphans) if (!result.removed.includes(id)) result.removed.push(id);
  return result;
}

/** Re-read at the last moment: a lab created during the sweep writes its state file first. */
function hasState(id: string): boolean {
  return existsSync(statePath(id));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
