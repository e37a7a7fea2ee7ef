import { AppUnsupportedError, BindingDriftError, testAdapter } from '@splitnet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { qbittorrent } from './adapter.js';
import {
  type FakeQbittorrent,
  type FakeVersion,
  startFakeQbittorrent,
} from './fake-qbittorrent.js';

const target = { interfaceName: 'wg0', ifindex: 7, addresses: ['10.66.0.2'] };

// The shared adapter suite against the scripted server, for each version with runtime binding.
for (const version of ['4.5', '4.6', '5.2'] as FakeVersion[]) {
  testAdapter({ describe, it }, `qbittorrent ${version} (scripted server)`, async () => {
    const server = await startFakeQbittorrent({
      version,
      prefs: { current_network_interface: 'eth0' },
    });
    const options = {
      url: server.url,
      username: 'admin',
      password: 'adminadmin',
      sockets: 'skip' as const,
    };
    return {
      create: () => qbittorrent(options),
      target,
      wrongCredentials: () => qbittorrent({ ...options, password: 'wrong' }),
      teardown: () => server.close(),
    };
  });
}

let server: FakeQbittorrent | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const adapterFor = (s: FakeQbittorrent) =>
  qbittorrent({ url: s.url, password: 'adminadmin', sockets: 'skip' });

describe('qbittorrent adapter', () => {
  it('sets interface and empty address in ONE request, never through ""', async () => {
    server = await startFakeQbittorrent({
      prefs: { current_network_interface: 'eth0', current_interface_address: '192.0.2.2' },
    });
    const result = await adapterFor(server).apply(target);
    expect(result.previous).toMatchObject({
      interfaceName: 'eth0',
      address: '192.0.2.2',
      mode: 'address',
    });
    const writes = server.requests.filter((r) => r.path.endsWith('/setPreferences'));
    expect(writes.map((w) => JSON.parse(new URLSearchParams(w.body).get('json')!))).toEqual([
      { current_network_interface: 'wg0', current_interface_address: '' },
    ]);
  });

  it('apply() reads back: an ignored setting is BindingDriftError', async () => {
    server = await startFakeQbittorrent({ version: '4.5' });
    // Simulate a server that drops the key (as qBittorrent does with keys it does not know).
    delete server.prefs.current_network_interface;
    const error = await adapterFor(server)
      .apply(target)
      .catch((e: unknown) => e);
    expect(BindingDriftError.is(error)).toBe(true);
  });

  it('qBittorrent 4.1 (WebAPI < 2.3.0) is AppUnsupportedError pointing at offline provisioning', async () => {
    server = await startFakeQbittorrent({ version: '4.1' });
    const error = await adapterFor(server)
      .apply(target)
      .catch((e: unknown) => e);
    expect(AppUnsupportedError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/--offline/);
  });

  it('warns about UPnP, a random port, RSS and GeoIP, and an interface qBittorrent cannot see', async () => {
    server = await startFakeQbittorrent({
      prefs: {
        upnp: true,
        random_port: true,
        rss_processing_enabled: true,
        resolve_peer_countries: true,
      },
      interfaces: ['lo'],
    });
    const { warnings } = await adapterFor(server).apply(target);
    expect(warnings.map((w) => w.code).sort()).toEqual([
      'geoip-download',
      'interface-not-visible',
      'random-port',
      'rss-not-bound',
      'upnp-enabled',
    ]);
  });

  it('rebind() bumps the listen port and puts it back', async () => {
    server = await startFakeQbittorrent({ prefs: { listen_port: 16881 } });
    const adapter = adapterFor(server);
    await adapter.apply(target);
    const check = await adapter.rebind!({ ...target, ifindex: 9 });
    expect(check.ok).toBe(true);
    const ports = server.requests
      .filter((r) => r.path.endsWith('/setPreferences'))
      .map((w) => JSON.parse(new URLSearchParams(w.body).get('json')!).listen_port)
      .filter((p) => p !== undefined);
    expect(ports).toEqual([16882, 16881]);
    expect(server.prefs.listen_port).toBe(16881);
  });

  it('setListenPort() sets and reads back', async () => {
    server = await startFakeQbittorrent();
    await adapterFor(server).setListenPort!(51413);
    expect(server.prefs.listen_port).toBe(51413);
  });

  it('invalid options are a ConfigError', () => {
    expect(() => qbittorrent({ url: 'http://a:b@127.0.0.1' })).toThrow(/credentials/);
    expect(() => qbittorrent({ timeout: -1 })).toThrow(/timeout/);
  });
});
