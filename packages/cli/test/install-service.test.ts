/**
 * `splitnet install-service` (issue 5): writes the unit to a temporary path (never /etc), with
 * `watch --config`, Restart=on-failure, network-online ordering and the capability bounding set;
 * idempotent; `--dry-run` writes nothing. `systemd-analyze verify` checks the text where systemd
 * is installed (it is on Debian 12 even without systemd as PID 1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteArg, renderUnit } from '../src/commands/install-service.js';
import { REPO, runCli } from './run-cli.js';

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasAnalyze)
  console.log('install-service: systemd-analyze verify skipped: systemd-analyze is not installed');

const BIN = join(REPO, 'packages/cli/dist/bin.js');

describe('splitnet install-service', () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'splitnet-unit-'));
    const key = () => execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
    const pub = execFileSync('wg', ['pubkey'], { input: key(), encoding: 'utf8' }).trim();
    await writeFile(
      join(dir, 'wg0.conf'),
      `[Interface]\nPrivateKey = ${key()}\nAddress = 10.66.0.2/32\nTable = off\n\n[Peer]\nPublicKey = ${pub}\nEndpoint = 203.0.113.2:51820\nAllowedIPs = 0.0.0.0/0\n`,
      { mode: 0o600 },
    );
    config = join(dir, 'splitnet.yaml');
    await writeFile(
      config,
      'interface:\n  config: wg0.conf\n  name: wg0\napps:\n  - adapter: qbittorrent\n    passwordFile: qbt.password\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the unit to --output; running it again changes nothing', async () => {
    const output = join(dir, 'splitnet.service');
    const args = ['install-service', '--config', config, '--output', output, '--bin', BIN];
    const first = await runCli(args);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${output} written`);
    expect(first.stdout).toContain('systemctl enable --now splitnet.service');
    const unit = await readFile(output, 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} ${BIN} watch --config ${config}\n`);
    for (const line of [
      'Restart=on-failure',
      'After=network-online.target',
      'Wants=network-online.target',
      'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW\n',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'DeviceAllow=/dev/net/tun rw',
      'RuntimeDirectory=splitnet wireguard',
      'RuntimeDirectoryPreserve=yes',
      'KillMode=process',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit).toContain(line);
    }
    expect((await stat(output)).mode & 0o777).toBe(0o644);

    const again = await runCli(args);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('unchanged');
    expect(await readFile(output, 'utf8')).toBe(unit);

    if (hasAnalyze) {
      const verify = spawnSync('systemd-analyze', ['verify', output], { encoding: 'utf8' });
      console.log(`systemd-analyze verify: exit ${verify.status} ${verify.stderr.trim()}`);
      expect(verify.status).toBe(0);
      // It reports unknown keys and bad values as warnings on stderr, naming the file.
      expect(verify.stderr).not.toContain(output);
    }
  });

  it('--dry-run prints the unit and writes nothing; --json', async () => {
    const output = join(dir, 'dry.service');
    const r = await runCli([
      'install-service',
      '-c',
      config,
      '-o',
      output,
      '--bin',
      BIN,
      '--dry-run',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('[Service]');
    expect(r.stdout).toContain('watch --config');
    expect(existsSync(output)).toBe(false);
    const j = await runCli(['install-service', '-c', config, '-o', output, '--bin', BIN, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ action: 'written', path: output });
  });

  it('refuses a configuration file that does not load (exit 2 like every config error, the path named)', async () => {
    const output = join(dir, 'bad.service');
    const r = await runCli(['install-service', '-c', join(dir, 'missing.yaml'), '-o', output]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(join(dir, 'missing.yaml'));
    expect(existsSync(output)).toBe(false);
  });

  it('quotes ExecStart arguments for systemd; a netns config adds CAP_SYS_ADMIN', () => {
    expect(quoteArg('/etc/split net/x.yaml')).toBe('"/etc/split net/x.yaml"');
    expect(quoteArg('/a/100%.yaml')).toBe('/a/100%%.yaml');
    expect(quoteArg('/a/$HOME')).toBe('/a/$$HOME');
    const unit = renderUnit({
      config: '/etc/splitnet/splitnet.yaml',
      exec: ['/usr/bin/splitnet'],
      netns: true,
    });
    expect(unit).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN');
    expect(unit).toContain(
      'ExecStart=/usr/bin/splitnet watch --config /etc/splitnet/splitnet.yaml',
    );
  });
});
