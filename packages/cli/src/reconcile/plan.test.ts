import {
  type Adapter,
  type BindTarget,
  desiredRouting,
  type InterfaceStatus,
  type MemoryApp,
  memoryAdapter,
  parseConfig,
} from '@splitnet/core';
import { describe, expect, it } from 'vitest';
import { parseSplitnetConfig } from '../config/load.js';
import type { StateFile } from '../state.js';
import { applyPlan } from './apply.js';
import { plan } from './plan.js';
import type { ReconcileSystem } from './system.js';

const TUNNEL = parseConfig(`[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = 10.66.0.2/32

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 0.0.0.0/0
`);
const config = parseSplitnetConfig(
  'interface: { config: wg0.conf, name: wg0 }\napps:\n  - { adapter: qbittorrent, passwordFile: p }\n',
  '/etc/splitnet/splitnet.yaml',
);

/** A fake world: one interface (or none), its routing, one memory app. */
function fakeSystem(app: MemoryApp) {
  const world = {
    iface: undefined as { ifindex: number; up: boolean; missing: number } | undefined,
    state: { version: 1, bindings: {} } as StateFile,
    calls: [] as string[],
    nextIfindex: 10,
  };
  const all = desiredRouting({ interfaceName: 'wg0', addresses: ['10.66.0.2/32'] }, [4]);
  const adapter: Adapter = memoryAdapter({ app });
  const target = (): BindTarget => ({
    interfaceName: 'wg0',
    ifindex: world.iface!.ifindex,
    addresses: ['10.66.0.2'],
    mode: 'device',
  });
  const system: ReconcileSystem = {
    loadTunnel: async () => TUNNEL,
    interfaceStatus: async () =>
      world.iface &&
      ({
        name: 'wg0',
        ifindex: world.iface.ifindex,
        up: world.iface.up,
        mtu: 1420,
        addresses: ['10.66.0.2/32'],
        managed: true,
        peers: [
          {
            publicKey: TUNNEL.peers[0]!.publicKey,
            allowedIPs: ['0.0.0.0/0'],
            latestHandshake: new Date(),
            transferRx: 0,
            transferTx: 0,
          },
        ],
        routing: {
          table: 51820,
          priority: 10000,
          present: all.slice(world.iface.missing),
          missing: all.slice(0, world.iface.missing),
        },
      } as unknown as InterfaceStatus),
    up: async () => {
      world.calls.push('up');
      world.iface = { ifindex: world.nextIfindex++, up: true, missing: 0 };
      return { ifindex: world.iface.ifindex, implementation: 'wireguard-go' } as never;
    },
    setLinkUp: async () => {
      world.calls.push('link-up');
      world.iface!.up = true;
    },
    ensureInterface: async () => {
      world.calls.push('ensure');
      const added = all.slice(0, world.iface!.missing);
      world.iface!.missing = 0;
      return { added, deferred: [], addresses: [] };
    },
    resolveTarget: async () => target(),
    adapter: () => adapter,
    readState: async () => structuredClone(world.state),
    writeState: async (s) => {
      world.state = structuredClone(s);
    },
    close: async () => {},
  };
  return { world, system };
}

describe('plan / applyPlan on fakes', () => {
  it('fresh: interface up then bind; second plan has no step; dry plan changes nothing', async () => {
    const app: MemoryApp = { interfaceName: 'eth0', address: '' };
    const { world, system } = fakeSystem(app);
    const p = await plan(config, system);
    expect(p.steps.map((s) => s.kind)).toEqual(['interface-up', 'app-bind']);
    expect(p.steps[0]!.commands).toContain('ip -4 rule add oif wg0 lookup 51820 priority 10000');
    expect(p.steps[1]!.commands[0]).toContain(
      'POST http://127.0.0.1:8080/api/v2/app/setPreferences json={"current_network_interface":"wg0"',
    );
    expect(world.calls).toEqual([]); // planning changes nothing
    expect(app.interfaceName).toBe('eth0');

    const r = await applyPlan(p, system);
    expect(r.ok).toBe(true);
    expect(app.interfaceName).toBe('wg0');
    const record = Object.values(world.state.bindings)[0]!;
    expect(record).toMatchObject({ interfaceName: 'wg0', ifindex: 10 });
    expect(record.previous.interfaceName).toBe('eth0');
    expect((await plan(config, system)).steps).toEqual([]);
  });

  it('link down (routes flushed) → link-up + routing; re-created interface → rebind', async () => {
    const app: MemoryApp = { interfaceName: 'eth0', address: '' };
    const { world, system } = fakeSystem(app);
    await applyPlan(await plan(config, system), system);

    world.iface = { ...world.iface!, up: false, missing: 2 };
    const p = await plan(config, system);
    expect(p.steps.map((s) => s.kind)).toEqual(['link-up', 'routing']);
    expect(p.steps[1]!.commands).toHaveLength(2);
    await applyPlan(p, system);
    expect((await plan(config, system)).steps).toEqual([]);

    world.iface = undefined; // deleted behind our back
    const again = await plan(config, system);
    expect(again.steps.map((s) => s.kind)).toEqual(['interface-up', 'app-rebind']);
    await applyPlan(again, system);
    expect(Object.values(world.state.bindings)[0]).toMatchObject({ ifindex: 11 });
    // previous is still what the app had before splitnet's first bind
    expect(Object.values(world.state.bindings)[0]!.previous.interfaceName).toBe('eth0');
    expect((await plan(config, system)).steps).toEqual([]);
  });

  it('an app setting cleared → bind again; an unreachable app is a problem, not a crash', async () => {
    const app: MemoryApp = { interfaceName: '', address: '' };
    const { system } = fakeSystem(app);
    await applyPlan(await plan(config, system), system);
    app.interfaceName = '';
    expect((await plan(config, system)).steps.map((s) => s.id)).toEqual(['apps[0].bind']);
    app.password = 'x'; // login now refused
    const p = await plan(config, system);
    expect(p.problems[0]).toMatch(/SPLITNET_ERR_AUTH/);
    expect(p.apps[0]!.state).toBe('unknown');
  });
});
