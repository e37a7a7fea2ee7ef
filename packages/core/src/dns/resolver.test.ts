import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DnsError, NativeUnavailableError } from '../errors.js';
import { loadNative } from '../native/load-native.js';
import { createTtlCache } from './cache.js';
import { startTestDnsServer, type TestDnsServer } from './fixtures/test-dns-server.js';
import { createTunnelResolver } from './resolver.js';
import { createUnboundTransport } from './transport.js';

const native = (() => {
  try {
    loadNative();
    return true;
  } catch (error) {
    if (!NativeUnavailableError.is(error)) throw error;
    return false;
  }
})();

// Queries go out from sockets bound to `lo` when the helper is built, else from plain sockets.
const transport = native ? undefined : createUnboundTransport();
const servers: TestDnsServer[] = [];
const start = async (options: Parameters<typeof startTestDnsServer>[0]) => {
  const server = await startTestDnsServer(options);
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const records = {
  'echo.test': { A: ['198.51.100.1'], AAAA: ['2001:db8:100::1'], ttl: 60 },
  'v4only.test': { A: ['198.51.100.7'] },
};

describe('createTunnelResolver', () => {
  it('resolves A and AAAA over UDP from bound sockets, then answers from its cache', async () => {
    const dns = await start({ records });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    const all = await resolver.lookup('echo.test');
    expect(all).toEqual(
      expect.arrayContaining([
        { address: '198.51.100.1', family: 4 },
        { address: '2001:db8:100::1', family: 6 },
      ]),
    );
    expect(await resolver.lookup('ECHO.test.', { family: 4 })).toEqual([
      { address: '198.51.100.1', family: 4 },
    ]);
    expect(dns.queries.map((q) => `${q.type}/${q.transport}`).sort()).toEqual([
      'A/udp',
      'AAAA/udp',
    ]);
  });

  it('expires cached answers after their TTL', async () => {
    const dns = await start({ records: { 'short.test': { A: ['198.51.100.9'], ttl: 1 } } });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    await resolver.lookup('short.test', { family: 4 });
    await resolver.lookup('short.test', { family: 4 });
    expect(dns.queries).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    await resolver.lookup('short.test', { family: 4 });
    expect(dns.queries).toHaveLength(2);
  });

  it('retries over TCP when the UDP reply is truncated', async () => {
    const dns = await start({ records, truncate: true });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    expect(await resolver.lookup('echo.test', { family: 4 })).toEqual([
      { address: '198.51.100.1', family: 4 },
    ]);
    expect(dns.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('moves on to the next server on timeout or SERVFAIL, and gives up with TIMEOUT', async () => {
    const good = await start({ records });
    const silent = await start({ records, host: '127.0.0.2', port: good.port, silent: true });
    const failing = await start({ records, host: '127.0.0.3', port: good.port, servfail: true });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [silent.host, failing.host, good.host],
      port: good.port,
      timeout: 100,
      transport,
    });
    expect(await resolver.lookup('echo.test', { family: 4 })).toHaveLength(1);
    expect([silent.queries.length, failing.queries.length, good.queries.length]).toEqual([1, 1, 1]);
    const dead = createTunnelResolver({
      interface: 'lo',
      servers: [silent.host],
      port: good.port,
      timeout: 100,
      attempts: 2,
      transport,
    });
    const error = await dead.lookup('echo.test', { family: 4 }).catch((e) => e);
    expect(DnsError.is(error) && error.rcode).toBe('TIMEOUT');
    expect(silent.queries).toHaveLength(3);
  });

  it('reports NXDOMAIN as DnsError and caches it briefly', async () => {
    const dns = await start({ records });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    const error = await resolver.lookup('missing.test').catch((e) => e);
    expect(DnsError.is(error)).toBe(true);
    expect(error.rcode).toBe('NXDOMAIN');
    await resolver.lookup('missing.test').catch(() => {});
    expect(dns.queries).toHaveLength(2); // A + AAAA once; the second lookup hit the cache
  });

  it('returns what exists when one family has no data', async () => {
    const dns = await start({ records });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    expect(await resolver.lookup('v4only.test')).toEqual([{ address: '198.51.100.7', family: 4 }]);
  });

  it('shares one query between concurrent lookups of the same name', async () => {
    const dns = await start({ records });
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: [dns.host],
      port: dns.port,
      transport,
    });
    await Promise.all(
      Array.from({ length: 10 }, () => resolver.lookup('echo.test', { family: 6 })),
    );
    expect(dns.queries).toHaveLength(1);
  });

  it('passes IP literals through and ignores search domains in DNS =', async () => {
    const resolver = createTunnelResolver({
      interface: 'lo',
      servers: ['home.arpa', '127.0.0.1'],
      transport,
    });
    expect(resolver.servers).toEqual(['127.0.0.1']);
    expect(await resolver.lookup('2001:db8::5')).toEqual([{ address: '2001:db8::5', family: 6 }]);
    expect(() => createTunnelResolver({ interface: 'lo', servers: ['home.arpa'] })).toThrow(
      ConfigError,
    );
  });
});

describe('createTtlCache', () => {
  it('evicts the oldest entry beyond its size and drops stale entries', () => {
    let now = 0;
    const cache = createTtlCache(2, () => now);
    cache.set('a', { addresses: ['1'], rcode: 'NOERROR', expires: 10 });
    cache.set('b', { addresses: ['2'], rcode: 'NOERROR', expires: 10 });
    cache.set('c', { addresses: ['3'], rcode: 'NOERROR', expires: 20 });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(2);
    now = 15;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')?.addresses).toEqual(['3']);
  });
});
