/**
 * Bound sockets through a real WireGuard tunnel in the lab (issue 3 acceptance). Every assertion
 * is on what the far side saw (source addresses, DNS server logs, nftables counters on the home
 * uplink), never on what splitnet believes it did. The bound-socket code runs in a child process
 * inside the home namespace (runInNamespace); vitest stays in the root namespace.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_ADDRESSES as A, createLab, type Lab, labAvailable } from '@splitnet/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type WgQuickConfig } from '../../src/index.js';
import { makeTestPki } from '../../src/socket/fixtures/test-pki.js';
import { down, up } from '../../src/wireguard/index.js';
import { runInNamespace, startInNamespace } from './run-in-namespace.js';

const available = await labAvailable();
if (!available.ok) console.log(`skipping bound-socket lab tests: ${available.reason}`);

const farServers = fileURLToPath(new URL('./fixtures/far-servers.mjs', import.meta.url));
const VPN4 = A.vpnExit4;
const VPN6 = A.vpnExit6;
const HOME4 = A.home4;
const HOME6 = A.home6;

// biome-ignore lint/suspicious/noExplicitAny: JSON from the child process
type Json = any;

describe.skipIf(!available.ok)('bound sockets in the lab', () => {
  let lab: Lab;
  let home: string;
  let name: string;
  let config: WgQuickConfig;
  let input: Record<string, unknown>;

  beforeAll(async () => {
    lab = await createLab();
    home = lab.ns.home;
    name = lab.homeInterfaceName;
    config = parseConfig(lab.homeConfigText);
    await up(config, { name, netns: home });
    const pki = makeTestPki(['echo.lab.test', A.echo4, A.echo6]);
    const dir = join(lab.workDir, 'far');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'server.key'), pki.key);
    writeFileSync(join(dir, 'server.pem'), pki.cert);
    await lab.spawn(
      'internet',
      process.execPath,
      [farServers, '--dir', dir, '--listen', `${A.echo4},${A.echo6}`],
      {
        name: 'far-servers',
      },
    );
    for (let i = 0; i < 100 && !existsSync(join(dir, 'far.ready')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    input = { ifname: name, dns: config.interface.dns, ca: pki.ca, echo4: A.echo4, echo6: A.echo6 };
  });

  afterAll(async () => {
    try {
      if (lab) await down(name, { netns: home });
    } catch {
      // the lab's destroy() removes the interface anyway
    }
    await lab?.destroy();
  });

  it('DNS goes to the VPN-side server through the tunnel; nothing bound leaves the uplink', async () => {
    const counter = await lab.uplinkCounter({ excludeWireguard: true });
    const internetBefore = (await lab.dnsLog('internet')).length;
    const vpnBefore = (await lab.dnsLog('vpn')).length;
    const r: Json = await runInNamespace(home, 'boundOnly', input);
    expect(r.errors).toEqual([]);
    expect(new Set(r.seen)).toEqual(new Set([VPN4, VPN6]));
    const vpnLog = (await lab.dnsLog('vpn')).slice(vpnBefore);
    expect(vpnLog.filter((q) => q.name === 'echo.lab.test').length).toBeGreaterThan(0);
    expect(new Set(vpnLog.map((q) => q.from))).toEqual(new Set([A.tunnelHome4]));
    expect((await lab.dnsLog('internet')).slice(internetBefore)).toEqual([]);
    expect(await counter.read()).toEqual({ packets: 0, bytes: 0 });
    await counter.remove();
  });

  it('TCP, UDP, http, https, fetch over v4 and v6: bound traffic exits by the VPN, unbound by home', async () => {
    const r: Json = await runInNamespace(home, 'egress', input);
    for (const [family, vpn, homeAddress] of [
      [4, VPN4, HOME4],
      [6, VPN6, HOME6],
    ] as const) {
      expect(r[`tcp${family}`], `tcp${family}`).toEqual({ seen: vpn, device: name });
      expect(r[`tcpByName${family}`]).toEqual({ seen: vpn, device: name });
      expect(r[`tcpUnbound${family}`]).toEqual({ seen: homeAddress, device: '' });
      expect(r[`udp${family}`]).toEqual({ seen: vpn, device: name });
      expect(r[`udpUnbound${family}`]).toEqual({ seen: homeAddress, device: '' });
      expect(r[`http${family}`].first).toEqual({ seen: vpn, device: name, reused: false });
      expect(r[`http${family}`].byName).toMatchObject({ seen: vpn, device: name });
      expect(r[`httpUnbound${family}`]).toMatchObject({ seen: homeAddress, device: '' });
      expect(r[`https${family}`].first).toEqual({ seen: vpn, device: name, reused: false });
      expect(r[`https${family}`].second).toEqual({ seen: vpn, device: name, reused: true });
      expect(r[`fetch${family}`]).toEqual({ plain: vpn, secure: vpn });
      expect(r[`fetchUnbound${family}`]).toBe(homeAddress);
    }
  });

  it('a bound server accepts through the tunnel only', async () => {
    const child = startInNamespace(home, 'server', { ...input, count: 2 });
    const { port, device } = await child.ready;
    expect(device).toBe(name);
    const curl = (ns: string, url: string) =>
      lab.exec(ns, 'curl', ['-sS', '--max-time', '3', url], { reject: false });
    expect((await curl('vpn', `http://${A.tunnelHome4}:${port}/`)).stdout.trim()).toBe('ok');
    expect((await curl('vpn', `http://[${A.tunnelHome6}]:${port}/`)).stdout.trim()).toBe('ok');
    // The same port on the home uplink address is closed: the listener is bound to the tunnel.
    expect((await curl('internet', `http://${A.home4}:${port}/`)).exitCode).not.toBe(0);
    const r: Json = await child.result;
    expect(r.accepted).toEqual([
      { address: A.tunnelServer4, device: name },
      { address: A.tunnelServer6, device: name },
    ]);
  });

  // Regression (issue 3, research trap 1): connect delayed past one tick gave `read ENOTCONN`.
  it('ENOTCONN regression: delayed connect and DNS before connect both work', async () => {
    const r: Json = await runInNamespace(home, 'enotconn', input);
    expect(r).toEqual({ seen: VPN4, errors: [], byName: { seen: VPN4, device: name } });
  });

  it('1,000 sequential and 200 concurrent bound connections succeed and fds return', async () => {
    const r: Json = await runInNamespace(home, 'load', input, { timeout: 110_000 });
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(1000);
    expect(r.concurrent).toHaveLength(200);
    expect(new Set(r.concurrent)).toEqual(new Set([VPN4, VPN6]));
    expect(r.after).toBeLessThanOrEqual(r.before);
  });

  it('works as an unprivileged user (uid 65534, no capabilities)', async () => {
    const r: Json = await runInNamespace(home, 'boundOnly', input, { unprivileged: true });
    expect(r.uid).toBe(65534);
    expect(r.errors).toEqual([]);
    expect(new Set(r.seen)).toEqual(new Set([VPN4, VPN6]));
  });

  it('interface down: every API fails fast with the typed error and nothing leaves', async () => {
    const counter = await lab.uplinkCounter({ excludeWireguard: true });
    await lab.exec(home, 'ip', ['link', 'set', name, 'down']);
    try {
      const r: Json = await runInNamespace(home, 'downFast', input);
      expect(r.tcp.error).toBe('SPLITNET_ERR_INTERFACE_DOWN');
      expect(r.tcp6.error).toBe('SPLITNET_ERR_INTERFACE_DOWN');
      expect(r.tcpByName.error).toBe('SPLITNET_ERR_INTERFACE_DOWN');
      expect(r.udp.error).toBe('SPLITNET_ERR_INTERFACE_DOWN');
      expect(r.fetch.error).toBe('SPLITNET_ERR_INTERFACE_DOWN');
      expect(r.ms).toBeLessThan(1000);
      expect(await counter.read()).toEqual({ packets: 0, bytes: 0 });
    } finally {
      await counter.remove();
      await down(name, { netns: home });
      await up(config, { name, netns: home });
    }
  });

  it('interface deleted and re-created: old sockets stay dead, new ones work', async () => {
    const counter = await lab.uplinkCounter({ excludeWireguard: true });
    const child = startInNamespace(home, 'recreate', input);
    expect((await child.ready).before).toBe(VPN4);
    await down(name, { netns: home });
    await up(config, { name, netns: home });
    child.send('go');
    const r: Json = await child.result;
    console.log('re-created:', JSON.stringify(r));
    expect(JSON.stringify(r.after)).not.toMatch(/answered/);
    expect(JSON.stringify(r.udpAfter)).not.toMatch(/answered/);
    expect(r.fresh).toEqual({ seen: VPN4, device: name });
    expect(await counter.read()).toEqual({ packets: 0, bytes: 0 });
    await counter.remove();
  });
});
