/**
 * `splitnet doctor` (issue 5), run as the real CLI in a child process: passes on this machine;
 * with a PATH that lacks wireguard-go it names the missing tool and the apt-get fix, and exits 1.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '@splitnet/core';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveCapabilities, kernelVersion } from '../src/commands/doctor.js';
import { runCli } from './run-cli.js';

const root = process.getuid?.() === 0;
if (!root) console.log('doctor: the "passes here" case skipped: needs root (CAP_NET_ADMIN)');

describe('splitnet doctor', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('parses kernel versions and CapEff', () => {
    expect(kernelVersion('6.1.0-18-amd64')).toEqual([6, 1]);
    expect(kernelVersion('5.4.0')).toEqual([5, 4]);
    expect(kernelVersion('garbage')).toBeUndefined();
    const caps = effectiveCapabilities('Name:\tnode\nCapEff:\t0000000000003000\n');
    expect(caps).toBe(0x3000n); // CAP_NET_ADMIN (12) + CAP_NET_RAW (13)
    expect(effectiveCapabilities('')).toBeUndefined();
  });

  it.skipIf(!root)('passes on this machine (exit 0, every required check ok)', async () => {
    const r = await runCli(['doctor', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { id: string; status: string; required: boolean }[];
    };
    expect(report.ok).toBe(true);
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      'kernel',
      'wireguard',
      'tool-wg',
      'tool-ip',
      'tool-nft',
      'cap-net-admin',
      'cap-net-raw',
      'ipv6',
      'native',
      'wireguard-socket-dir',
    ]) {
      expect(ids).toContain(id);
    }
    expect(report.checks.filter((c) => c.required && c.status !== 'ok')).toEqual([]);
    const human = await runCli(['doctor']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^ready/m);
  });

  it('with a PATH lacking wireguard-go: reports it with the apt-get fix and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitnet-doctor-'));
    dirs.push(dir);
    for (const tool of ['ip', 'wg', 'nft']) {
      const path = await findExecutable(tool);
      if (path) await symlink(path, join(dir, tool));
    }
    const r = await runCli(['doctor'], { PATH: dir });
    const moduleLoaded = (await import('node:fs')).existsSync('/sys/module/wireguard');
    if (moduleLoaded) {
      console.log('doctor: the WireGuard kernel module is loaded here; wireguard-go is not needed');
      return;
    }
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+WireGuard\s+no kernel module and no wireguard-go on PATH/);
    expect(r.stdout).toContain('fix: apt-get install wireguard-go');
    expect(r.stdout).toMatch(/not ready: WireGuard/);
  });
});
