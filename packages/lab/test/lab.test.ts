/**
 * The lab world end to end: addresses, echo server, a real tunnel through the VPN namespace
 * (home side brought up with raw commands), leak counters on the home uplink, both DNS servers,
 * and a destroy that leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab, STATE_DIR, wireguardSocketPath } from '../src/index.js';
import { listNamespaces } from '../src/namespaces.js';
import { isAlive } from '../src/processes.js';
import { available, skipReason } from './helpers/available.js';
import { dnsQuery } from './helpers/dns-query.js';
import { rawHomeUp } from './helpers/raw-home.js';

const curl = (lab: Lab, args: string[]) =>
  lab.exec('home', 'curl', ['-sS', '--max-time', '5', ...args]).then((r) => r.stdout.trim());

describe.skipIf(!available.ok)('lab world', () => {
  let lab: Lab;
  let tunnel: string;

  beforeAll(async () => {
    lab = await createLab();
    tunnel = (await rawHomeUp(lab)).name;
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('comes up with per-run names and the documented addresses', async () => {
    expect(lab.id).toMatch(/^[a-z0-9]{5}$/);
    expect(lab.ns.home).toBe(`snlab-${lab.id}-home`);
    expect(lab.homeInterfaceName).toBe(`snh${lab.id}`);
    expect(lab.addresses.endpoint).toBe('203.0.113.2:51820');
    const namespaces = await listNamespaces();
    for (const ns of Object.values(lab.ns)) expect(namespaces).toContain(ns);
    expect(lab.homeConfigText).toMatch(/^Table = off$/m);
    expect(lab.homeConfigText).toMatch(/^DNS = 10\.66\.0\.1$/m);
    expect(lab.homeConfigText).toContain(`PublicKey = ${lab.serverPublicKey}`);
    const { stdout } = await lab.exec('vpn', 'wg', [
      'show',
      lab.serverInterfaceName,
      'listen-port',
    ]);
    expect(stdout.trim()).toBe('51820');
  });

  it('echo server sees the home uplink address for unbound traffic (v4, v6, json)', async () => {
    expect(await curl(lab, [lab.echoUrl(4)])).toBe('192.0.2.2');
    expect(await curl(lab, [lab.echoUrl(6)])).toBe('2001:db8:2::2');
    const json = JSON.parse(await curl(lab, [lab.echoUrl(4, '/probe?format=json', 8080)]));
    expect(json).toEqual({ address: '192.0.2.2', family: 4 });
    const log = await lab.echoLog();
    expect(log.find((e) => e.path === '/probe?format=json')).toMatchObject({
      address: '192.0.2.2',
      family: 4,
      port: 8080,
    });
  });

  it('traffic bound to the tunnel leaves the VPN from its exit address (v4 and v6)', async () => {
    expect(await curl(lab, ['--interface', tunnel, lab.echoUrl(4, '/bound4')])).toBe('203.0.113.2');
    expect(await curl(lab, ['-6', '--interface', tunnel, lab.echoUrl(6, '/bound6')])).toBe(
      '2001:db8:3::2',
    );
    const log = await lab.echoLog();
    expect(log.find((e) => e.path === '/bound4')?.address).toBe('203.0.113.2');
    expect(log.find((e) => e.path === '/bound6')?.address).toBe('2001:db8:3::2');
  });

  it('uplink counter with excludeWireguard counts bound traffic as 0 and unbound as > 0', async () => {
    const leaks = await lab.uplinkCounter({ excludeWireguard: true });
    const all = await lab.uplinkCounter();
    await curl(lab, ['--interface', tunnel, lab.echoUrl(4, '/count-bound')]);
    await curl(lab, ['-6', '--interface', tunnel, lab.echoUrl(6, '/count-bound')]);
    expect((await leaks.read()).packets).toBe(0);
    expect((await all.read()).packets).toBeGreaterThan(0);
    await curl(lab, [lab.echoUrl(4, '/count-unbound')]);
    const leaked = await leaks.read();
    expect(leaked.packets).toBeGreaterThan(0);
    expect(leaked.bytes).toBeGreaterThan(0);
    await leaks.reset();
    expect((await leaks.read()).packets).toBe(0);
    await leaks.remove();
    await all.remove();
  });

  it('DNS: the tunnel resolver and the public one answer and log who asked', async () => {
    // Over the tunnel (source 10.66.0.2 → policy rule → wg), as a bound resolver would.
    expect(await dnsQuery(lab, 'home', '10.66.0.1', 'whoami.lab.test', 'TXT', '10.66.0.2')).toEqual(
      [['vpn']],
    );
    expect(await dnsQuery(lab, 'home', '10.66.0.1', 'echo.lab.test', 'A', '10.66.0.2')).toEqual([
      '198.51.100.1',
    ]);
    // The "system resolver" path: unbound, out of the home uplink.
    expect(await dnsQuery(lab, 'home', '198.51.100.53', 'whoami.lab.test', 'TXT')).toEqual([
      ['internet'],
    ]);
    expect(await dnsQuery(lab, 'home', '198.51.100.53', 'echo.lab.test', 'AAAA')).toEqual([
      '2001:db8:100::1',
    ]);
    await expect
      .poll(async () => (await lab.dnsLog('vpn')).map((e) => e.name))
      .toContain('echo.lab.test');
    const vpnLog = await lab.dnsLog('vpn');
    expect(vpnLog.every((e) => e.from === '10.66.0.2')).toBe(true);
    expect(vpnLog.find((e) => e.type === 'TXT')?.name).toBe('whoami.lab.test');
    await expect
      .poll(async () => (await lab.dnsLog('internet')).find((e) => e.type === 'AAAA'))
      .toMatchObject({ name: 'echo.lab.test', from: '192.0.2.2' });
  });

  it('destroy leaves no namespace, process, socket, state or log behind', async () => {
    const processes = lab.processes();
    expect(processes.length).toBeGreaterThanOrEqual(5); // server wg, echo, 2× dnsmasq, home wg
    expect(processes.every((p) => isAlive(p.pid))).toBe(true);
    await lab.destroy();
    await lab.destroy(); // idempotent
    const namespaces = await listNamespaces();
    for (const ns of Object.values(lab.ns)) expect(namespaces).not.toContain(ns);
    for (const p of processes) expect(isAlive(p.pid), `${p.name} (${p.pid})`).toBe(false);
    expect(existsSync(wireguardSocketPath(lab.serverInterfaceName))).toBe(false);
    expect(existsSync(wireguardSocketPath(lab.homeInterfaceName))).toBe(false);
    expect(existsSync(`${STATE_DIR}/${lab.id}.json`)).toBe(false);
    expect(existsSync(lab.workDir)).toBe(false);
  });
});

if (!available.ok) it.skip(skipReason, () => {});
