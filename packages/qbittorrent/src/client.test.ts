import {
  AppApiError,
  AppUnreachableError,
  AuthBannedError,
  AuthError,
  ConfigError,
  TimeoutError,
} from '@splitnet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { compareVersions, createQbittorrentClient, normalizeUrl, sessionCookie } from './client.js';
import {
  type FakeQbittorrent,
  type FakeVersion,
  startFakeQbittorrent,
} from './fake-qbittorrent.js';

let server: FakeQbittorrent | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const creds = (password = 'adminadmin') => ({
  username: 'admin',
  password,
  source: 'option' as const,
});

describe('qBittorrent Web API client: login across versions', () => {
  for (const version of ['4.1', '4.5', '4.6', '5.2'] as FakeVersion[]) {
    it(`${version}: logs in, replays the cookie, reads and writes preferences`, async () => {
      server = await startFakeQbittorrent({ version });
      const client = createQbittorrentClient({ url: server.url, credentials: creds() });
      expect(await client.webapiVersion()).toMatch(/^2\./);
      await client.setPreferences({ listen_port: 20000 });
      expect((await client.preferences()).listen_port).toBe(20000);
      expect(server.loginAttempts).toBe(1);
      const write = server.requests.find((r) => r.path.endsWith('/app/setPreferences'))!;
      expect(write.method).toBe('POST');
      expect(write.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(write.body).get('json')).toBe('{"listen_port":20000}');
    });
  }

  it('4.6: replays a renamed session cookie (SessionCookieName)', async () => {
    server = await startFakeQbittorrent({ version: '4.6', cookieName: 'MYQBT' });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    await client.preferences();
    const read = server.requests.find((r) => r.path.endsWith('/app/preferences'))!;
    expect(read.headers.cookie).toMatch(/^MYQBT=[\w-]+$/);
  });

  it('5.2: replays QBT_SID_<configured port>, not a name built from the dialled port', async () => {
    server = await startFakeQbittorrent({ version: '5.2', configuredPort: 8080 });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    await client.preferences();
    const read = server.requests.find((r) => r.path.endsWith('/app/preferences'))!;
    expect(read.headers.cookie).toMatch(/^QBT_SID_8080=[\w-]+$/);
  });

  it('sends no Origin, Referer or Sec-Fetch-Site (CSRF protection would answer 401)', async () => {
    server = await startFakeQbittorrent({ version: '4.5' });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    await client.setPreferences({ upnp: false });
    for (const r of server.requests) {
      expect(r.headers.origin).toBeUndefined();
      expect(r.headers.referer).toBeUndefined();
      expect(r.headers['sec-fetch-site']).toBeUndefined();
    }
  });

  for (const version of ['4.5', '5.2'] as FakeVersion[]) {
    it(`${version}: wrong password is AuthError after ONE attempt, no password in the message`, async () => {
      server = await startFakeQbittorrent({ version });
      const client = createQbittorrentClient({
        url: server.url,
        credentials: creds('s3cret-wrong'),
      });
      const error = await client.preferences().catch((e: unknown) => e);
      expect(AuthError.is(error)).toBe(true);
      expect(String((error as Error).message)).not.toContain('s3cret-wrong');
      expect(JSON.stringify(error)).not.toContain('s3cret-wrong');
      expect(server.loginAttempts).toBe(1);
    });
  }

  it('403 on login (IP ban) is AuthBannedError and the client never tries again', async () => {
    server = await startFakeQbittorrent({ version: '4.5', maxFailures: 0 });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    await expect(client.preferences()).rejects.toSatisfy(AuthBannedError.is);
    await expect(client.preferences()).rejects.toSatisfy(AuthBannedError.is);
    await expect(client.setPreferences({ upnp: false })).rejects.toSatisfy(AuthBannedError.is);
    expect(server.requests.length).toBe(1);
  });

  it('no ban loop: five calls with a wrong password make five logins at most, then stop on 403', async () => {
    server = await startFakeQbittorrent({ version: '4.5', maxFailures: 2 });
    const client = createQbittorrentClient({ url: server.url, credentials: creds('nope') });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        await client.preferences().then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      );
    expect(codes).toEqual([
      'SPLITNET_ERR_AUTH',
      'SPLITNET_ERR_AUTH',
      'SPLITNET_ERR_AUTH_BANNED',
      'SPLITNET_ERR_AUTH_BANNED',
      'SPLITNET_ERR_AUTH_BANNED',
    ]);
    expect(server.loginAttempts).toBe(3);
  });

  it('logs in again once when the session expired', async () => {
    server = await startFakeQbittorrent({ version: '4.5' });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    await client.preferences();
    server.expireSessions();
    await client.preferences();
    expect(server.loginAttempts).toBe(2);
  });

  it('5.2: HTTP Basic on every request, no login call', async () => {
    server = await startFakeQbittorrent({ version: '5.2' });
    const client = createQbittorrentClient({
      url: server.url,
      credentials: creds(),
      auth: 'basic',
    });
    await client.setPreferences({ upnp: false });
    expect(server.loginAttempts).toBe(0);
    expect(server.requests[0]!.headers.authorization).toMatch(/^Basic /);
    const bad = createQbittorrentClient({
      url: server.url,
      credentials: creds('x'),
      auth: 'basic',
    });
    await expect(bad.preferences()).rejects.toSatisfy(AuthError.is);
  });

  it('5.2: API key as Bearer (auto-selected when given)', async () => {
    const apiKey = `qbt_${'a'.repeat(28)}`;
    server = await startFakeQbittorrent({ version: '5.2', apiKey });
    const client = createQbittorrentClient({
      url: server.url,
      credentials: { apiKey, source: 'env' },
    });
    await client.preferences();
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    const bad = createQbittorrentClient({
      url: server.url,
      credentials: { apiKey: `qbt_${'b'.repeat(28)}`, source: 'env' },
    });
    const error = await bad.preferences().catch((e: unknown) => e);
    expect(AuthError.is(error)).toBe(true);
    expect((error as Error).message).not.toContain('qbt_b');
  });

  it('no credentials: works when the server needs none, AuthError when it does', async () => {
    server = await startFakeQbittorrent({ version: '4.5', noAuth: true });
    await createQbittorrentClient({ url: server.url }).preferences();
    await server.close();
    server = await startFakeQbittorrent({ version: '4.5' });
    await expect(createQbittorrentClient({ url: server.url }).preferences()).rejects.toSatisfy(
      AuthError.is,
    );
  });

  it('4.1: the interface endpoints are missing (404 → AppApiError)', async () => {
    server = await startFakeQbittorrent({ version: '4.1' });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    const error = await client.networkInterfaceList().catch((e: unknown) => e);
    expect(AppApiError.is(error)).toBe(true);
    expect((error as AppApiError).status).toBe(404);
  });
});

describe('qBittorrent Web API client: transport', () => {
  it('times out a server that never answers', async () => {
    server = await startFakeQbittorrent({ hang: true });
    const client = createQbittorrentClient({ url: server.url, credentials: creds(), timeout: 200 });
    const error = await client.preferences().catch((e: unknown) => e);
    expect(TimeoutError.is(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(200);
  });

  it('honours an AbortSignal', async () => {
    server = await startFakeQbittorrent({ hang: true });
    const client = createQbittorrentClient({ url: server.url, credentials: creds() });
    const controller = new AbortController();
    const pending = client.preferences({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow(/cancelled/);
  });

  it('connection refused is AppUnreachableError', async () => {
    server = await startFakeQbittorrent();
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await createQbittorrentClient({ url, credentials: creds() })
      .preferences()
      .catch((e: unknown) => e);
    expect(AppUnreachableError.is(error)).toBe(true);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('rejects credentials in the URL without echoing them', () => {
    expect(() => normalizeUrl('http://admin:hunter2@127.0.0.1:8080')).toThrow(ConfigError);
    try {
      normalizeUrl('http://admin:hunter2@127.0.0.1:8080');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(normalizeUrl('http://127.0.0.1:8080/qbt/')).toBe('http://127.0.0.1:8080/qbt');
    expect(() => normalizeUrl('ftp://x')).toThrow(ConfigError);
  });

  it('picks the session cookie verbatim', () => {
    expect(sessionCookie(['SID=abc+/=; HttpOnly; path=/'])).toBe('SID=abc+/=');
    expect(sessionCookie(['theme=dark', 'QBT_SID_8080=x; path=/'])).toBe('QBT_SID_8080=x');
    expect(sessionCookie(['MYQBT=y; path=/'])).toBe('MYQBT=y');
    expect(sessionCookie([])).toBeUndefined();
  });

  it('compares versions numerically', () => {
    expect(compareVersions('2.8.19', '2.3.0')).toBeGreaterThan(0);
    expect(compareVersions('2.2.1', '2.3.0')).toBeLessThan(0);
    expect(compareVersions('v2.3', '2.3.0')).toBe(0);
  });
});
