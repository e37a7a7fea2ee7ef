/**
 * What splitnet created, recorded per interface under `/run/splitnet` (a tmpfs: it goes away with
 * a reboot, as the interfaces do). `down()` and `reconfigure()` read it so that they touch
 * exactly what `up()` made. Holds no secret.
 */
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Implementation = 'kernel' | 'wireguard-go';

export interface InterfaceRecord {
  version: 1;
  name: string;
  netns: string | undefined;
  implementation: Implementation;
  /** The wireguard-go process, when userspace. */
  pid: number | undefined;
  ifindex: number;
  table: number;
  priority: number;
  addresses: string[];
  mtu: number;
  /** Hook commands kept for `down()` when hooks were opted in. */
  hooks: { preDown: string[]; postDown: string[] } | undefined;
  createdAt: string;
}

export function stateRoot(): string {
  return process.env.SPLITNET_STATE_DIR ?? '/run/splitnet';
}

function nsDir(netns: string | undefined): string {
  return join(stateRoot(), 'interfaces', netns ?? '_host');
}

export function recordPath(name: string, netns: string | undefined): string {
  return join(nsDir(netns), `${name}.json`);
}

export function logPath(name: string, netns: string | undefined): string {
  return join(nsDir(netns), `${name}.log`);
}

export async function ensureStateDir(netns: string | undefined): Promise<void> {
  await mkdir(nsDir(netns), { recursive: true, mode: 0o700 });
}

export async function readRecord(
  name: string,
  netns: string | undefined,
): Promise<InterfaceRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(name, netns), 'utf8')) as InterfaceRecord;
  } catch {
    return undefined;
  }
}

/** Written atomically (temp file + rename), so a crash never leaves half a record. */
export async function writeRecord(record: InterfaceRecord): Promise<void> {
  await ensureStateDir(record.netns);
  const path = recordPath(record.name, record.netns);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

export async function removeRecord(name: string, netns: string | undefined): Promise<void> {
  await rm(recordPath(name, netns), { force: true });
  await rm(logPath(name, netns), { force: true });
  await removeStateDirIfEmpty(netns);
}

/** The namespace's directory goes with its last interface. */
export async function removeStateDirIfEmpty(netns: string | undefined): Promise<void> {
  await rmdir(nsDir(netns)).catch(() => {});
}
