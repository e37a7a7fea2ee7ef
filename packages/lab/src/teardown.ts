/**
 * Tearing a lab down from its recorded state, asynchronously (destroy, sweep) or synchronously
 * (the `exit` handler, where no promise can run). Order: recorded processes by PID, this run's
 * WireGuard links (a wireguard-go started by someone else, e.g. core's `up()`, exits when its
 * link goes), namespaces, this run's control sockets, the work directory, the state file.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { deleteNamespace } from './namespaces.js';
import { killRecorded, killRecordedSync } from './processes.js';
import { run } from './run.js';
import { type LabState, removeState } from './state.js';
import { socketPath } from './vpn-server.js';

export async function teardownState(state: LabState): Promise<void> {
  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown> | unknown) => {
    try {
      await fn();
    } catch (error) {
      errors.push(error);
    }
  };
  for (const proc of [...state.processes].reverse()) await attempt(() => killRecorded(proc));
  for (const ns of state.namespaces) {
    for (const name of state.wgNames) {
      await attempt(() => run('ip', ['-n', ns, 'link', 'del', name], { reject: false }));
    }
  }
  for (const ns of state.namespaces) await attempt(() => deleteNamespace(ns));
  for (const name of state.wgNames) await attempt(() => rmSync(socketPath(name), { force: true }));
  await attempt(() => rmSync(state.workDir, { recursive: true, force: true }));
  if (errors.length === 0) removeState(state.id);
  if (errors.length > 0) throw errors[0];
}

/** Best-effort synchronous teardown (SIGKILL by PID, then namespaces), for `process.on('exit')`. */
export function teardownStateSync(state: LabState): void {
  for (const proc of [...state.processes].reverse()) killRecordedSync(proc);
  for (const ns of state.namespaces) {
    for (const name of state.wgNames) {
      spawnSync('ip', ['-n', ns, 'link', 'del', name], { stdio: 'ignore', timeout: 5_000 });
    }
    spawnSync('ip', ['netns', 'delete', ns], { stdio: 'ignore', timeout: 5_000 });
  }
  for (const name of state.wgNames) rmSync(socketPath(name), { force: true });
  rmSync(state.workDir, { recursive: true, force: true });
  removeState(state.id);
}
