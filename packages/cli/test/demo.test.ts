/**
 * `splitnet demo` (issue 5), the README's main command, run as the real CLI in a child process:
 * it goes start to finish with exit 0 and shows the three phases with the addresses the far side
 * saw; afterwards nothing of its lab remains (namespaces, processes, files). Interrupted with
 * SIGINT mid-run, it cleans up just the same.
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasQbittorrentNox, labAvailable } from '@splitnet/lab';
import { describe, expect, it } from 'vitest';
import { labLeftovers, runCli, startCli } from './run-cli.js';

const available = await labAvailable({ dns: false });
const hasQbt = hasQbittorrentNox();
const skip = !available.ok || !hasQbt;
if (skip) {
  console.log(
    `demo tests skipped: ${available.ok ? 'qbittorrent-nox is not installed' : available.reason}`,
  );
}

const namespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
const labId = (stdout: string) => /lab ([0-9a-z]{5}) \(namespaces/.exec(stdout)?.[1];

describe.skipIf(skip)('splitnet demo (lab)', () => {
  it('runs start to finish: bound via the VPN, fails closed, recovers; the plain client stays home; leaves nothing', async () => {
    const started = Date.now();
    const r = await runCli(['demo']);
    const ms = Date.now() - started;
    console.log(`demo took ${(ms / 1000).toFixed(1)} s\n${r.stdout}`);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(ms).toBeLessThan(90_000);
    const out = r.stdout;
    const phase1 = out.slice(out.indexOf('Phase 1'), out.indexOf('Phase 2'));
    const phase2 = out.slice(out.indexOf('Phase 2'), out.indexOf('Phase 3'));
    const phase3 = out.slice(out.indexOf('Phase 3'), out.indexOf('Where the traffic came out'));
    expect(phase1).toMatch(/qBittorrent \(bound\): +tracker saw 203\.0\.113\.2 \(VPN exit\)/);
    expect(phase1).toMatch(
      /plain client \(unbound\): echo server saw 192\.0\.2\.2 \(home uplink\)/,
    );
    expect(phase2).toMatch(/qBittorrent \(bound\): +no announce left: fails closed/);
    expect(phase2).toMatch(
      /plain client \(unbound\): echo server saw 192\.0\.2\.2 \(home uplink\)/,
    );
    expect(phase2).toMatch(/leak packets on the home uplink .*: 0$/m);
    expect(phase3).toMatch(/qBittorrent \(bound\): +tracker saw 203\.0\.113\.2 \(VPN exit\)/);
    expect(phase3).toMatch(
      /plain client \(unbound\): echo server saw 192\.0\.2\.2 \(home uplink\)/,
    );
    expect(out).not.toMatch(/✗/);
    const id = labId(out);
    expect(id).toBeDefined();
    expect(out).toContain(`lab ${id} removed`);
    expect(labLeftovers(id!, namespaces())).toEqual([]);
  }, 120_000);

  it('SIGINT mid-demo: removes its lab, exits 130, leaves nothing', async () => {
    const run = startCli(['demo']);
    const deadline = Date.now() + 60_000;
    // Interrupt once qBittorrent runs (every kind of resource exists by then).
    while (!run.output().stdout.includes('Phase 1') && Date.now() < deadline) {
      if (run.child.exitCode !== null) break;
      await sleep(50);
    }
    const id = labId(run.output().stdout);
    expect(id, run.output().stdout + run.output().stderr).toBeDefined();
    run.child.kill('SIGINT');
    const code = await run.exited;
    const { stdout, stderr } = run.output();
    console.log(`after SIGINT:\n${stdout}${stderr}`);
    expect(code).toBe(130);
    expect(stdout).toContain('SIGINT: cleaning up');
    expect(stdout).toContain(`lab ${id} removed`);
    expect(labLeftovers(id!, namespaces())).toEqual([]);
  }, 120_000);
});
