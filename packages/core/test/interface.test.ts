/**
 * The table-off interface lifecycle against real wireguard-go, ip and wg, in the lab (issue 2).
 * Assertions are on what the far side saw (the echo server's view of the source address) and on
 * what the kernel holds, never on what splitnet believes it did.
 */
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, type Lab, labAvailable } from '@splitnet/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  down,
  ensureInterface,
  InterfaceError,
  MissingToolError,
  parseConfig,
  reconfigure,
  status,
  TableInUseError,
  type UpStep,
  up,
  type WgQuickConfig,
} from '../src/index.js';

const available = await labAvailable();
if (!available.ok) console.log(`skipping interface lab tests: ${available.reason}`);

describe.skipIf(!available.ok)('table-off interface in the lab', () => {
  let lab: Lab;
  let config: WgQuickConfig;
  let name: string;
  let home: string;

  /** What a test can observe of the home namespace's routing and links. */
  async function snapshot() {
    const ip = async (...args: string[]) => (await lab.exec(home, 'ip', args)).stdout;
    return {
      main4: await ip('-4', 'route', 'show', 'table', 'main'),
      main6: await ip('-6', 'route', 'show', 'table', 'main'),
      rules4: await ip('-4', 'rule', 'show'),
      rules6: await ip('-6', 'rule', 'show'),
      table4: await ip('-4', 'route', 'show', 'table', 'all'),
      links: (await ip('-o', 'link', 'show')).replace(/\s+link\/.*$/gm, ''),
    };
  }

  /** What the echo server says our source address is, over `curl [--interface]`. */
  async function egress(family: 4 | 6, bound: boolean): Promise<string> {
    const args = ['-sS', '--max-time', '5', `-${family}`];
    if (bound) args.push('--interface', name);
    args.push(lab.echoUrl(family));
    const { stdout } = await lab.exec(home, 'curl', args);
    return stdout.trim();
  }

  async function curlFails(family: 4 | 6): Promise<boolean> {
    const result = await lab.exec(
      home,
      'curl',
      ['-sS', '--max-time', '3', `-${family}`, '--interface', name, lab.echoUrl(family)],
      { reject: false },
    );
    return result.exitCode !== 0;
  }

  async function assertNothingLeft(before: Awaited<ReturnType<typeof snapshot>>) {
    expect(await snapshot()).toEqual(before);
    await expect(stat(`/var/run/wireguard/${name}.sock`)).rejects.toThrow();
    // No record or wireguard-go log left in the state directory either.
    await expect(stat(`/run/splitnet/interfaces/${home}`)).rejects.toThrow();
    const ps = await lab.exec(home, 'ps', ['-eo', 'args='], {});
    expect(ps.stdout.split('\n').filter((l) => l.includes(`wireguard-go -f ${name}`))).toEqual([]);
  }

  beforeAll(async () => {
    lab = await createLab();
    home = lab.ns.home;
    name = lab.homeInterfaceName;
    config = parseConfig(lab.homeConfigText);
  });

  afterAll(async () => {
    await down(name, { netns: home }).catch(() => {});
    await lab?.destroy();
  });

  it('routes bound traffic through the VPN and leaves the rest and the main table alone', async () => {
    const before = await snapshot();
    const result = await up(config, { name, netns: home });
    expect(result).toMatchObject({
      name,
      implementation: 'wireguard-go',
      changed: true,
      table: 51820,
    });
    const s0 = await status(name, { netns: home });
    expect(s0).toMatchObject({ ifindex: result.ifindex, up: true, managed: true, pid: result.pid });
    expect(s0.routing?.missing).toEqual([]);
    const after = await snapshot();
    expect(after.main4).toBe(before.main4);
    expect(after.main6).toBe(before.main6);

    expect(await egress(4, true)).toBe(lab.addresses.vpnExit4);
    expect(await egress(4, false)).toBe(lab.addresses.home4);
    expect(await egress(6, true)).toBe(lab.addresses.vpnExit6);
    expect(await egress(6, false)).toBe(lab.addresses.home6);

    const s = await status(name, { netns: home });
    expect(s.peers[0]?.latestHandshake).toBeInstanceOf(Date);
    expect(s.peers[0]?.transferTx).toBeGreaterThan(0);
    expect(JSON.stringify(s)).not.toContain(config.interface.privateKey);
  });

  it('is a no-op when brought up twice', async () => {
    const before = await snapshot();
    const first = await status(name, { netns: home });
    const again = await up(config, { name, netns: home });
    expect(again.changed).toBe(false);
    expect(again.ifindex).toBe(first.ifindex);
    expect(await snapshot()).toEqual(before);
  });

  it('reconfigures in place, keeping the ifindex', async () => {
    const { ifindex } = await status(name, { netns: home });
    const peer = config.peers[0]!;
    const changed = await reconfigure(
      name,
      {
        ...config,
        interface: { ...config.interface, mtu: 1380 },
        peers: [{ ...peer, persistentKeepalive: 15 }],
      },
      { netns: home },
    );
    expect(changed).toMatchObject({ ifindex, changed: true, mtu: 1380 });
    const s = await status(name, { netns: home });
    expect(s).toMatchObject({ ifindex, mtu: 1380 });
    expect(s.peers[0]?.persistentKeepalive).toBe(15);
    expect(await egress(4, true)).toBe(lab.addresses.vpnExit4);
    const back = await reconfigure(name, config, { netns: home });
    expect(back.ifindex).toBe(ifindex);
  });

  it('fails closed while the link is down and restores the device route after', async () => {
    const leaks = await lab.uplinkCounter({ excludeWireguard: true });
    await lab.exec(home, 'ip', ['link', 'set', 'dev', name, 'down']);
    const s = await status(name, { netns: home });
    expect(s.routing?.missing.map((i) => i.kind)).toEqual(['route', 'route']); // the kernel flushed them
    expect(await curlFails(4)).toBe(true);
    expect(await curlFails(6)).toBe(true);
    expect((await leaks.read()).packets).toBe(0);

    await lab.exec(home, 'ip', ['link', 'set', 'dev', name, 'up']);
    const report = await ensureInterface(name, { netns: home });
    expect(report.added).toHaveLength(2);
    expect(report.addresses).toEqual([]); // keep_addr_on_down kept the IPv6 address
    expect((await status(name, { netns: home })).routing?.missing).toEqual([]);
    expect(await egress(6, true)).toBe(lab.addresses.vpnExit6);
  });

  it('refuses a second interface on the same table, and runs one on another table', async () => {
    const second = `${name}b`;
    const before = await snapshot();
    await expect(up(config, { name: second, netns: home })).rejects.toSatisfy(TableInUseError.is);
    expect(await snapshot()).toEqual(before);
    // Another table works; the VPN server knows one peer, so no handshake is expected.
    const other = await up(
      { ...config, interface: { ...config.interface, addresses: ['10.66.9.2/32'], dns: [] } },
      { name: second, netns: home, table: 51821 },
    );
    expect(other.ifindex).not.toBe((await status(name, { netns: home })).ifindex);
    await down(second, { netns: home });
    expect(await snapshot()).toEqual(before);
  });

  it('down() removes exactly what up() added', async () => {
    const record = await status(name, { netns: home });
    await down(name, { netns: home });
    await expect(readFile(`/proc/${record.pid}/cmdline`)).rejects.toThrow();
    const after = await snapshot();
    expect(after.links).not.toContain(name);
    expect(after.rules4).not.toContain('51820');
    expect(after.rules6).not.toContain('51820');
    expect(after.table4).not.toContain('table 51820');
    expect((await down(name, { netns: home })).changed).toBe(false);
  });

  const steps: UpStep[] = [
    'pre-up',
    'create-link',
    'configure-keys',
    'configure-link',
    'routing',
    'post-up',
  ];
  it.each(steps)('rolls back everything when up() fails at %s', async (failAt) => {
    const before = await snapshot();
    const onStep = (step: UpStep) => {
      if (step === failAt) throw new Error(`injected failure at ${step}`);
    };
    // onStep runs before each step: a failure there finds every earlier step done.
    await expect(up(config, { name, netns: home, onStep, runHooks: true })).rejects.toThrow(
      `injected failure at ${failAt}`,
    );
    await assertNothingLeft(before);
  });

  it('rolls back a real failure halfway (endpoint host name that does not resolve)', async () => {
    const before = await snapshot();
    const peer = config.peers[0]!;
    const bad = {
      ...config,
      peers: [{ ...peer, endpoint: { host: 'no-such-host.lab.test', port: 51820 } }],
    };
    await expect(up(bad, { name, netns: home })).rejects.toThrow(/wg setconf/);
    await assertNothingLeft(before);
  });

  it('rejects bad names and foreign interfaces with typed errors', async () => {
    await expect(up(config, { name: 'much-too-long-name0', netns: home })).rejects.toSatisfy(
      ConfigError.is,
    );
    await lab.exec(home, 'ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
    try {
      await expect(up(config, { name, netns: home })).rejects.toSatisfy(InterfaceError.is);
      await expect(down(name, { netns: home })).rejects.toSatisfy(InterfaceError.is);
    } finally {
      await lab.exec(home, 'ip', ['link', 'del', name]);
    }
  });

  it('names the package to install when wireguard-go is missing', async () => {
    const before = await snapshot();
    // A PATH with ip and wg but no wireguard-go (and no WireGuard kernel module here).
    const bin = await mkdtemp(join(tmpdir(), 'splitnet-path-'));
    for (const tool of ['ip', 'wg'])
      await symlink((await lab.exec(home, 'which', [tool])).stdout.trim(), join(bin, tool));
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      const error = await up(config, { name, netns: home }).catch((e: unknown) => e);
      expect(MissingToolError.is(error)).toBe(true);
      expect(error).toMatchObject({ tool: 'wireguard-go' });
      expect((error as Error).message).toMatch(/apt-get install wireguard-go/);
    } finally {
      process.env.PATH = path;
      await rm(bin, { recursive: true, force: true });
    }
    await assertNothingLeft(before);
  });
});
