/**
 * Two more reconcile features against the real thing (no app needed: `apps: []`):
 *
 * 1. A changed wg-quick file (MTU, PersistentKeepalive, a second Address) is applied in place by
 *    `splitnet apply` (a reconfigure step, same ifindex), and by `splitnet watch` at its next
 *    timer tick. The CLI runs INSIDE the lab's home namespace, as in reconcile.test.ts.
 * 2. `interface.netns`: the CLI runs in the ROOT namespace (a plain child process) and manages the
 *    interface inside the lab's home namespace; the root namespace's links, rules and routes are
 *    snapshotted before and after and must be identical.
 *
 * Assertions are on what the kernel (`ip`, `wg`) and the lab's echo server report.
 */
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLab, type Lab, type LabProcess, labAvailable } from '@splitnet/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down } from '../../core/src/wireguard/index.js';
import { cliInHome, runCli, startWatchInHome, TSCONFIG, waitFor } from './run-cli.js';

const available = await labAvailable();
const skip = !available.ok;
if (skip) console.log(`cli reconcile-more lab tests skipped: ${available.reason}`);

const HOME = '192.0.2.2';
const VPN_EXIT = '203.0.113.2';

/** Helpers bound to one lab and its home interface. */
function homeProbe(lab: Lab) {
  const ifname = lab.homeInterfaceName;
  return {
    ifname,
    linkExists: async () =>
      (await lab.exec('home', 'ip', ['link', 'show', 'dev', ifname], { reject: false }))
        .exitCode === 0,
    ifindex: async () =>
      Number((await lab.exec('home', 'cat', [`/sys/class/net/${ifname}/ifindex`])).stdout.trim()),
    mtu: async () => {
      const { stdout } = await lab.exec('home', 'ip', ['-d', '-j', 'link', 'show', 'dev', ifname]);
      return (JSON.parse(stdout) as Array<{ mtu: number }>)[0]!.mtu;
    },
    keepalive: async () => {
      // `wg show <if> dump`: line 2+ are peers; the 8th field is persistent-keepalive.
      const { stdout } = await lab.exec('home', 'wg', ['show', ifname, 'dump'], {
        env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
      });
      return stdout.trim().split('\n').slice(1)[0]!.split('\t')[7];
    },
    addresses: async () => {
      const { stdout } = await lab.exec('home', 'ip', ['-j', 'addr', 'show', 'dev', ifname]);
      const [link] = JSON.parse(stdout) as Array<{
        addr_info: Array<{ local: string; prefixlen: number }>;
      }>;
      return link!.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort();
    },
    rules: async (family: '-4' | '-6') =>
      (await lab.exec('home', 'ip', [family, 'rule', 'show'])).stdout,
    tableRoutes: async (family: '-4' | '-6') =>
      (
        await lab.exec('home', 'ip', [family, 'route', 'show', 'table', String(lab.routingTable)], {
          reject: false,
        })
      ).stdout,
    /** What the echo server saw of a request bound to the interface (or unbound). */
    curl: async (bound: boolean) =>
      (
        await lab.exec('home', 'curl', [
          '-s',
          '--max-time',
          '8',
          ...(bound ? ['--interface', ifname] : []),
          lab.echoUrl(4),
        ])
      ).stdout.trim(),
  };
}

/** The lab's wg-quick file with some lines changed. */
function wgFile(
  lab: Lab,
  o: { mtu?: number; keepalive?: number; extraAddress?: string } = {},
): string {
  let text = lab.homeConfigText;
  if (o.extraAddress) {
    text = text.replace(
      /^Address = (.*)$/m,
      (_l, a: string) => `Address = ${a}, ${o.extraAddress}`,
    );
  }
  if (o.mtu !== undefined) text = text.replace(/^\[Interface\]$/m, `[Interface]\nMTU = ${o.mtu}`);
  if (o.keepalive !== undefined) {
    text = text.replace(/^PersistentKeepalive = \d+$/m, `PersistentKeepalive = ${o.keepalive}`);
  }
  return text;
}

describe.skipIf(skip)(
  'a changed wg-quick file is applied in place (CLI in the home namespace)',
  () => {
    let lab: Lab;
    let p: ReturnType<typeof homeProbe>;
    let confFile: string;
    let configFile: string;
    let env: Record<string, string>;
    let watcher: LabProcess | undefined;
    let ifindex0: number;

    const cli = (args: string[]) => cliInHome(lab, args, env);
    const applyJson = async () => {
      const r = await cli(['apply', '--config', configFile, '--json']);
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as {
        changed: boolean;
        steps: Array<{ id: string; kind: string; description: string }>;
        results: Array<{ id: string; ok: boolean; detail?: string }>;
      };
    };
    const watchLog = () => (watcher ? readFileSync(watcher.logFile, 'utf8') : '');

    beforeAll(async () => {
      lab = await createLab({ dns: false });
      p = homeProbe(lab);
      confFile = join(lab.workDir, `${p.ifname}.conf`);
      await writeFile(confFile, wgFile(lab), { mode: 0o600 });
      configFile = join(lab.workDir, 'splitnet.yaml');
      await writeFile(
        configFile,
        [
          'interface:',
          `  config: ${p.ifname}.conf`,
          `  name: ${p.ifname}`,
          `  table: ${lab.routingTable}`,
          'apps: []',
          'health:',
          '  handshakeMaxAge: 180',
          '  interval: 2',
          '',
        ].join('\n'),
      );
      await chmod(configFile, 0o600);
      env = {
        TSX_TSCONFIG_PATH: TSCONFIG,
        SPLITNET_STATE_DIR: join(lab.workDir, 'splitnet-state'),
        WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
      };
    }, 120_000);

    afterAll(async () => {
      await watcher?.stop();
      if (lab) {
        await down(lab.homeInterfaceName, { netns: lab.ns.home }).catch(() => {});
        await lab.destroy();
      }
    }, 60_000);

    it('apply brings the interface up from the file; bound traffic leaves by the VPN exit', async () => {
      const out = await applyJson();
      expect(out.steps.map((s) => s.kind)).toEqual(['interface-up']);
      ifindex0 = await p.ifindex();
      expect(await p.mtu()).toBe(1420);
      expect(await p.keepalive()).toBe('25');
      expect(await p.addresses()).toEqual(['10.66.0.2/32', '2001:db8:66::2/128']);
      expect(await p.curl(true)).toBe(VPN_EXIT);
      expect(await p.curl(false)).toBe(HOME);
    });

    it('MTU, PersistentKeepalive and a second Address changed: apply reconfigures in place (same ifindex)', async () => {
      await writeFile(
        confFile,
        wgFile(lab, { mtu: 1380, keepalive: 15, extraAddress: '10.66.0.3/32' }),
      );
      const dry = await cli(['apply', '--dry-run', '--config', configFile]);
      expect(dry.exitCode, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`wg syncconf ${p.ifname}`);
      expect(await p.mtu()).toBe(1420); // dry run changed nothing

      const started = Date.now();
      const out = await applyJson();
      console.log(
        `reconfigure (${Date.now() - started} ms): ${out.steps.map((s) => s.description).join(' | ')}`,
      );
      expect(out.changed).toBe(true);
      expect(out.steps.map((s) => s.kind)).toEqual(['interface-reconfigure']);
      expect(out.steps[0]!.description).toContain('MTU is 1420');
      expect(out.steps[0]!.description).toContain('PersistentKeepalive is 25');
      expect(out.steps[0]!.description).toContain('addresses differ from the file');
      expect(out.results.every((r) => r.ok)).toBe(true);

      expect(await p.ifindex()).toBe(ifindex0);
      expect(await p.mtu()).toBe(1380);
      expect(await p.keepalive()).toBe('15');
      expect(await p.addresses()).toEqual(['10.66.0.2/32', '10.66.0.3/32', '2001:db8:66::2/128']);
      // The new address gets its `from` rule too.
      expect(await p.rules('-4')).toContain(`from 10.66.0.3 lookup ${lab.routingTable}`);
      expect(await p.curl(true)).toBe(VPN_EXIT);
      expect(await p.curl(false)).toBe(HOME);

      const again = await applyJson();
      expect(again.changed).toBe(false);
      expect(again.steps).toEqual([]);
      const st = await cli(['status', '--config', configFile, '--json']);
      expect(st.exitCode, st.stdout).toBe(0);
    });

    it('PersistentKeepalive alone changed: apply reconfigures it in place', async () => {
      await writeFile(
        confFile,
        wgFile(lab, { mtu: 1380, keepalive: 7, extraAddress: '10.66.0.3/32' }),
      );
      const out = await applyJson();
      console.log(`keepalive only: ${out.steps.map((s) => s.description).join(' | ')}`);
      expect(out.steps.map((s) => s.kind)).toEqual(['interface-reconfigure']);
      expect(out.steps[0]!.description).toContain('PersistentKeepalive is 15');
      expect(await p.keepalive()).toBe('7');
      expect(await p.ifindex()).toBe(ifindex0);
      expect((await applyJson()).steps).toEqual([]);
    });

    describe('with watch running (health.interval 2 s)', () => {
      beforeAll(async () => {
        watcher = await startWatchInHome(lab, configFile, env);
        await sleep(500);
      }, 60_000);

      it('the file changed: the next timer tick reconfigures in place', async () => {
        const logged = watchLog().length;
        const started = Date.now();
        await writeFile(confFile, wgFile(lab, { mtu: 1360, keepalive: 20 }));
        const ms = await waitFor(
          'MTU 1360, keepalive 20, 10.66.0.3 gone',
          async () =>
            (await p.mtu()) === 1360 &&
            (await p.keepalive()) === '20' &&
            !(await p.addresses()).includes('10.66.0.3/32'),
          15_000,
        );
        await waitFor('the step logged', async () =>
          /"event":"step".*reconfigure/.test(watchLog().slice(logged)),
        );
        console.log(
          `watch: file changed, kernel reconfigured after ${ms} ms (${Date.now() - started} ms with the log)`,
        );
        expect(await p.ifindex()).toBe(ifindex0);
        expect(await p.addresses()).toEqual(['10.66.0.2/32', '2001:db8:66::2/128']);
        expect(await p.rules('-4')).not.toContain('from 10.66.0.3 ');
        expect(await p.curl(true)).toBe(VPN_EXIT);
        // Nothing more to do: the ticks after that are silent.
        const quiet = watchLog().length;
        await sleep(4_500);
        expect(watchLog().slice(quiet)).not.toContain('"event":"step"');
      });

      it('SIGTERM ends watch with exit 0; down removes the interface', async () => {
        await watcher!.stop();
        expect(await watcher!.exited).toBe(0);
        const r = await cli(['down', '--config', configFile]);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(await p.linkExists()).toBe(false);
        expect(await p.rules('-4')).not.toContain(`lookup ${lab.routingTable}`);
        expect(await p.rules('-6')).not.toContain(`lookup ${lab.routingTable}`);
      });
    });
  },
);

describe.skipIf(skip)(
  'interface.netns: the CLI in the root namespace manages the home namespace',
  () => {
    let lab: Lab;
    let p: ReturnType<typeof homeProbe>;
    let configFile: string;
    let env: Record<string, string>;
    let rootBefore: string;

    /** The root namespace's links, rules and routes (read only). */
    const rootSnapshot = async () => {
      const { execFile } = await import('node:child_process');
      const { promisify } = await import('node:util');
      const run = promisify(execFile);
      const parts: string[] = [];
      for (const args of [
        ['link', 'show'],
        ['-4', 'rule', 'show'],
        ['-6', 'rule', 'show'],
        ['-4', 'route', 'show', 'table', 'all'],
        ['-6', 'route', 'show', 'table', 'all'],
      ]) {
        const { stdout } = await run('ip', args);
        parts.push(`## ip ${args.join(' ')}\n${stdout}`);
      }
      return parts.join('\n');
    };
    const cli = (args: string[]) => runCli([...args, '--config', configFile], env);

    beforeAll(async () => {
      lab = await createLab({ dns: false });
      p = homeProbe(lab);
      await writeFile(join(lab.workDir, `${p.ifname}.conf`), lab.homeConfigText, { mode: 0o600 });
      configFile = join(lab.workDir, 'splitnet.yaml');
      await writeFile(
        configFile,
        [
          'interface:',
          `  config: ${p.ifname}.conf`,
          `  name: ${p.ifname}`,
          `  table: ${lab.routingTable}`,
          `  netns: ${lab.ns.home}`,
          'apps: []',
          '',
        ].join('\n'),
      );
      await chmod(configFile, 0o600);
      env = {
        SPLITNET_STATE_DIR: join(lab.workDir, 'splitnet-state'),
        WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
      };
      rootBefore = await rootSnapshot();
    }, 120_000);

    afterAll(async () => {
      if (lab) {
        await down(lab.homeInterfaceName, { netns: lab.ns.home }).catch(() => {});
        await lab.destroy();
      }
    }, 60_000);

    it('up, status, apply (idempotent), down: all inside the home namespace, nothing in root', async () => {
      const up = await cli(['up', '--json']);
      expect(up.exitCode, up.stderr).toBe(0);
      const upOut = JSON.parse(up.stdout) as { ifindex: number; changed: boolean };
      expect(upOut.changed).toBe(true);
      expect(await p.linkExists()).toBe(true);
      const ifindex = await p.ifindex();
      expect(upOut.ifindex).toBe(ifindex);
      expect(await p.addresses()).toEqual(['10.66.0.2/32', '2001:db8:66::2/128']);
      expect(await p.rules('-4')).toContain(`oif ${p.ifname} lookup ${lab.routingTable}`);
      expect(await p.rules('-6')).toContain(`oif ${p.ifname} lookup ${lab.routingTable}`);
      expect(await p.tableRoutes('-4')).toContain(`default dev ${p.ifname}`);
      expect(await p.tableRoutes('-6')).toContain(`default dev ${p.ifname}`);
      expect(await p.curl(true)).toBe(VPN_EXIT);
      expect(await p.curl(false)).toBe(HOME);
      // The root namespace has no such link.
      expect(await rootSnapshot()).not.toContain(p.ifname);

      const st = await cli(['status', '--json']);
      expect(st.exitCode, st.stdout).toBe(0);
      const s = JSON.parse(st.stdout);
      expect(s.interface).toMatchObject({
        name: p.ifname,
        netns: lab.ns.home,
        present: true,
        managed: true,
        up: true,
        ifindex,
      });
      expect(s.interface.routing.missing).toEqual([]);
      expect(s.drift).toBe(false);

      const apply = await cli(['apply', '--json']);
      expect(apply.exitCode, apply.stderr).toBe(0);
      const a = JSON.parse(apply.stdout);
      expect(a.changed).toBe(false);
      expect(a.steps).toEqual([]);
      expect(await p.ifindex()).toBe(ifindex);

      const upAgain = await cli(['up', '--json']);
      expect(upAgain.exitCode, upAgain.stderr).toBe(0);
      expect(JSON.parse(upAgain.stdout)).toMatchObject({ changed: false, ifindex });

      expect(await rootSnapshot()).toBe(rootBefore);

      const dn = await cli(['down', '--json']);
      expect(dn.exitCode, dn.stderr).toBe(0);
      expect(JSON.parse(dn.stdout)).toMatchObject({ changed: true });
      expect(await p.linkExists()).toBe(false);
      expect(await p.rules('-4')).not.toContain(`lookup ${lab.routingTable}`);
      expect(await p.rules('-6')).not.toContain(`lookup ${lab.routingTable}`);
      expect(await p.tableRoutes('-4')).toBe('');
      expect(await p.tableRoutes('-6')).toBe('');
      // Without the tunnel, a bound request fails closed (no answer), never by the uplink.
      const bound = await lab.exec(
        'home',
        'curl',
        ['-s', '--max-time', '3', '--interface', p.ifname, lab.echoUrl(4)],
        { reject: false },
      );
      expect(bound.exitCode).not.toBe(0);

      const st2 = await cli(['status', '--json']);
      expect(st2.exitCode).toBe(3);
      expect(JSON.parse(st2.stdout).interface.present).toBe(false);

      const after = await rootSnapshot();
      expect(after).toBe(rootBefore);
      console.log(
        `interface.netns: up/status/apply/down in ${lab.ns.home} (ifindex ${ifindex}); root snapshot unchanged (${rootBefore.split('\n').length} lines)`,
      );
    });
  },
);
