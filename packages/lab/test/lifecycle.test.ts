/**
 * Lab lifecycle: a failure or an abort during createLab leaves nothing; signal handlers live only
 * while a lab does; an IPv4-only lab without DNS; the sweep removes a lab whose owner was killed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createLab,
  type LabIdentity,
  type RecordedProcess,
  STATE_DIR,
  sweepStaleLabs,
  wireguardSocketPath,
} from '../src/index.js';
import { listNamespaces } from '../src/namespaces.js';
import { isAlive } from '../src/processes.js';
import { available, skipReason } from './helpers/available.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

async function expectNothingLeft(id: string, processes: readonly RecordedProcess[]) {
  const namespaces = await listNamespaces();
  expect(namespaces.filter((n) => n.startsWith(`snlab-${id}-`))).toEqual([]);
  for (const p of processes) expect(isAlive(p.pid), `${p.name} (${p.pid})`).toBe(false);
  expect(existsSync(wireguardSocketPath(`snv${id}`))).toBe(false);
  expect(existsSync(wireguardSocketPath(`snh${id}`))).toBe(false);
  expect(existsSync(`${STATE_DIR}/${id}.json`)).toBe(false);
  expect(existsSync(`${STATE_DIR}/${id}`)).toBe(false);
}

const readRecorded = (id: string): RecordedProcess[] =>
  JSON.parse(readFileSync(`${STATE_DIR}/${id}.json`, 'utf8')).processes;

describe.skipIf(!available.ok)('lab lifecycle', () => {
  it('a failure injected at the last step of createLab leaves nothing behind', async () => {
    let seen: LabIdentity | undefined;
    let recorded: RecordedProcess[] = [];
    const boom = new Error('injected failure');
    await expect(
      createLab({
        onStep: (step, lab) => {
          seen = lab;
          if (step === 'dns') {
            recorded = readRecorded(lab.id);
            throw boom;
          }
        },
      }),
    ).rejects.toBe(boom);
    expect(seen).toBeDefined();
    expect(recorded.map((p) => p.name)).toEqual([
      `wireguard-go snv${seen?.id}`,
      'echo-server',
      'dnsmasq-vpn',
      'dnsmasq-internet',
    ]);
    await expectNothingLeft(seen?.id as string, recorded);
  });

  it('an abort during createLab rolls back and rejects with the abort reason', async () => {
    const controller = new AbortController();
    let id = '';
    await expect(
      createLab({
        signal: controller.signal,
        onStep: (step, lab) => {
          id = lab.id;
          if (step === 'topology') controller.abort(new Error('stop here'));
        },
      }),
    ).rejects.toThrow('stop here');
    await expectNothingLeft(id, []);
  });

  it('signal handlers exist only while a lab is alive', async () => {
    const before = process.listenerCount('SIGTERM');
    const lab = await createLab({ dns: false, ipv6: false });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('exit')).toBeGreaterThan(0);
    await lab.destroy();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('ipv6: false and dns: false give an IPv4-only lab without resolvers', async () => {
    const lab = await createLab({ dns: false, ipv6: false });
    try {
      expect(lab.homeConfigText).toMatch(/^Address = 10\.66\.0\.2\/32$/m);
      expect(lab.homeConfigText).toMatch(/^AllowedIPs = 0\.0\.0\.0\/0$/m);
      expect(lab.processes().map((p) => p.name)).toEqual([
        `wireguard-go ${lab.serverInterfaceName}`,
        'echo-server',
      ]);
      const v4 = await lab.exec('home', 'curl', ['-sS', '--max-time', '5', lab.echoUrl(4)]);
      expect(v4.stdout.trim()).toBe('192.0.2.2');
      const v6 = await lab.exec('home', 'curl', ['-sS', '--max-time', '2', lab.echoUrl(6)], {
        reject: false,
      });
      expect(v6.exitCode).not.toBe(0);
    } finally {
      await lab.destroy();
    }
  });

  it('sweep removes a lab whose owner was SIGKILLed (pnpm lab up, then kill -9)', async () => {
    // node --import tsx (not the tsx binary, which runs the program in a child process) so that
    // the process we kill is the lab's owner.
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'up'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    const id = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab up did not come up: ${out}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /^lab ([a-z0-9]{5}) up$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.once('exit', (code) => reject(new Error(`lab up exited with ${code}: ${out}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const state = JSON.parse(readFileSync(`${STATE_DIR}/${id}.json`, 'utf8'));
    expect(state.ownerPid).toBe(child.pid);
    const recorded = readRecorded(id);
    expect(recorded.length).toBe(4);
    expect(recorded.every((p) => isAlive(p.pid))).toBe(true); // orphans, still running
    expect((await listNamespaces()).filter((n) => n.startsWith(`snlab-${id}-`))).toHaveLength(3);

    const result = await sweepStaleLabs();
    expect(result.removed).toContain(id);
    expect(result.errors).toEqual([]);
    await expectNothingLeft(id, recorded);
  });

  it('exec/spawn take a role or the full namespace name, and refuse anything else', async () => {
    const lab = await createLab({ dns: false, ipv6: false });
    try {
      const byRole = await lab.exec('home', 'ip', ['-br', 'addr', 'show', 'h0']);
      const byName = await lab.exec(lab.ns.home, 'ip', ['-br', 'addr', 'show', 'h0']);
      expect(byRole.stdout).toContain('192.0.2.2/24');
      expect(byName.stdout).toBe(byRole.stdout);
      await expect(lab.exec('snlab-zzzzz-home', 'true', [])).rejects.toThrow(/not a namespace/);
      await expect(lab.spawn('root', 'sleep', ['1'])).rejects.toThrow(/not a namespace/);
    } finally {
      await lab.destroy();
    }
  });

  it('destroy also ends a wireguard-go it did not start (daemonized, as core up() runs it)', async () => {
    const lab = await createLab({ dns: false, ipv6: false });
    const name = lab.homeInterfaceName;
    try {
      await lab.exec('home', 'wireguard-go', [name], {
        env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
      });
      expect(existsSync(wireguardSocketPath(name))).toBe(true);
    } finally {
      // PIDs of everything in the home namespace, only to check afterwards (never killed by us).
      const { stdout } = await lab.exec('home', 'ip', ['netns', 'pids', lab.ns.home]);
      const pids = stdout.split('\n').filter(Boolean).map(Number);
      expect(pids.length).toBeGreaterThan(0);
      await lab.destroy();
      for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
      expect(existsSync(wireguardSocketPath(name))).toBe(false);
    }
  });

  it('sweep leaves a lab with a live owner alone', async () => {
    const lab = await createLab({ dns: false, ipv6: false });
    try {
      const result = await sweepStaleLabs();
      expect(result.alive).toContain(lab.id);
      expect(result.removed).not.toContain(lab.id);
      expect(await listNamespaces()).toContain(lab.ns.vpn);
    } finally {
      await lab.destroy();
    }
  });
});

if (!available.ok) it.skip(skipReason, () => {});
