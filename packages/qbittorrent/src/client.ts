/**
 * A small qBittorrent Web API v2 client (qBittorrent 4.1 to 5.x), written for what splitnet
 * needs: log in, read the version and preferences, change preferences, list interfaces, and a
 * few torrent calls the tests use.
 *
 * Version differences it handles (see docs/qbittorrent.md):
 * - the session cookie is replayed exactly as the server set it (`SID`, a renamed cookie from
 *   `[WebAPI] SessionCookieName`, or `QBT_SID_<port>` in 5.2+);
 * - login success is `200 Ok.` (≤ 5.1) or `204` (5.2+); bad credentials `200 Fails.` or `401`;
 *   `403` means this address is banned: the client stops and never retries a login;
 * - HTTP Basic (5.2+) and API keys (`Authorization: Bearer qbt_…`, 5.2+) instead of a session;
 * - every write is a POST form (4.4.4+/4.5 answer 405 to GET); no Origin/Referer headers are sent
 *   (a mismatching one is a 401 under CSRF protection).
 * Every request has a timeout and takes an AbortSignal.
 *
 * @example
 * ```ts
 * const client = createQbittorrentClient({ url: 'http://127.0.0.1:8080', username: 'admin', password });
 * await client.setPreferences({ current_network_interface: 'wg0', current_interface_address: '' });
 * ```
 */
import {
  AdapterError,
  AppApiError,
  AppUnreachableError,
  AuthBannedError,
  AuthError,
  ConfigError,
  TimeoutError,
} from '@splitnet/core';
import type { Credentials } from './credentials.js';

const ADAPTER = 'qbittorrent';

/** How the client authenticates. */
export type QbittorrentAuth = 'auto' | 'session' | 'basic' | 'apikey' | 'none';

export interface QbittorrentClientOptions {
  /** Web UI base URL, e.g. `http://127.0.0.1:8080` (a path prefix behind a reverse proxy is kept). */
  url: string;
  /** Resolved credentials (see `resolveCredentials`), or a function resolving them lazily. */
  credentials?: Credentials | (() => Promise<Credentials>) | undefined;
  /**
   * `session` (cookie login, every version), `basic` (HTTP Basic per request, 5.2+), `apikey`
   * (Bearer, 5.2+), `none` (LocalHostAuth off or a whitelisted subnet). Default `auto`: the API
   * key when there is one, else a session when there is a password, else none.
   */
  auth?: QbittorrentAuth | undefined;
  /** Per-request timeout in milliseconds. Default: 10 000. */
  timeout?: number | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** The preferences splitnet reads or writes (`app/preferences` has ~200 more). */
export interface QbittorrentPreferences {
  /** Interface name (4.2.0+); `''` = any interface. */
  current_network_interface?: string;
  /** `''` = all addresses of the interface (device binding); an IP = address-only binding. */
  current_interface_address?: string;
  /** Read-only human-readable interface name (4.6.0+). */
  current_interface_name?: string;
  listen_port?: number;
  random_port?: boolean;
  upnp?: boolean;
  dht?: boolean;
  pex?: boolean;
  lsd?: boolean;
  rss_processing_enabled?: boolean;
  resolve_peer_countries?: boolean;
  [key: string]: unknown;
}

export interface TorrentInfo {
  hash: string;
  name: string;
  state: string;
  [key: string]: unknown;
}

export interface TrackerInfo {
  url: string;
  /** 0 disabled, 1 not contacted, 2 working, 3 updating, 4 not working. */
  status: number;
  msg: string;
  [key: string]: unknown;
}

export interface QbittorrentClient {
  /** The base URL, without credentials. */
  readonly url: string;
  /** Logs in (session auth). Called on demand by every other method. */
  login(options?: CallOptions): Promise<void>;
  logout(options?: CallOptions): Promise<void>;
  /** `app/webapiVersion`, e.g. `2.8.19`. */
  webapiVersion(options?: CallOptions): Promise<string>;
  /** `app/version`, e.g. `v4.5.2`. */
  appVersion(options?: CallOptions): Promise<string>;
  preferences(options?: CallOptions): Promise<QbittorrentPreferences>;
  /** Sends only the given keys, as `json=` in a POST form. */
  setPreferences(prefs: QbittorrentPreferences, options?: CallOptions): Promise<void>;
  /** Interfaces with at least one address, as `{ name: human name, value: interface name }`. */
  networkInterfaceList(options?: CallOptions): Promise<{ name: string; value: string }[]>;
  networkInterfaceAddressList(iface: string, options?: CallOptions): Promise<string[]>;
  /** Adds a .torrent file (`torrents/add`, multipart). */
  addTorrent(
    torrent: Uint8Array,
    params?: Record<string, string>,
    options?: CallOptions,
  ): Promise<void>;
  torrents(options?: CallOptions): Promise<TorrentInfo[]>;
  trackers(hash: string, options?: CallOptions): Promise<TrackerInfo[]>;
  /** Forces a re-announce (`torrents/reannounce`); `all` for every torrent. */
  reannounce(hashes: readonly string[] | 'all', options?: CallOptions): Promise<void>;
  deleteTorrents(hashes: readonly string[] | 'all', options?: CallOptions): Promise<void>;
}

/** Compares dotted versions numerically: `compareVersions('2.8.19', '2.3.0') > 0`. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10) || 0);
  const pb = b
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Validates the base URL: http(s), no credentials in it. Returns it without a trailing slash. */
export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`[${ADAPTER}] not a URL: ${JSON.stringify(url)}`, { key: 'url' });
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError(
      `[${ADAPTER}] the Web UI URL must not contain credentials: use --username and --password-file (or SPLITNET_QBITTORRENT_PASSWORD)`,
      { key: 'url' },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(
      `[${ADAPTER}] the Web UI URL must be http or https, got ${parsed.protocol}`,
      {
        key: 'url',
      },
    );
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString().replace(/\/+$/, '');
}

/** Picks the session cookie from `Set-Cookie` headers and returns its `name=value` pair verbatim. */
export function sessionCookie(setCookies: readonly string[]): string | undefined {
  const pairs = setCookies
    .map((line) => line.split(';', 1)[0]!.trim())
    .filter((pair) => pair.indexOf('=') > 0);
  return pairs.find((pair) => /SID/i.test(pair.slice(0, pair.indexOf('=')))) ?? pairs[0];
}

interface Req {
  method: 'GET' | 'POST';
  query?: Record<string, string> | undefined;
  form?: Record<string, string> | undefined;
  multipart?: FormData | undefined;
  signal?: AbortSignal | undefined;
}

const BANNED = /banned/i;

export function createQbittorrentClient(options: QbittorrentClientOptions): QbittorrentClient {
  const base = normalizeUrl(options.url);
  const timeout = options.timeout ?? 10_000;
  let credentials: Credentials | undefined;
  let cookie: string | undefined;
  let loggedIn = false;
  let banned: AuthBannedError | undefined;

  const getCredentials = async (): Promise<Credentials> => {
    if (credentials) return credentials;
    const c = options.credentials;
    credentials = typeof c === 'function' ? await c() : (c ?? { source: 'none' });
    return credentials;
  };
  const authMode = async (): Promise<Exclude<QbittorrentAuth, 'auto'>> => {
    const mode = options.auth ?? 'auto';
    if (mode !== 'auto') return mode;
    const c = await getCredentials();
    if (c.apiKey !== undefined) return 'apikey';
    return c.password !== undefined ? 'session' : 'none';
  };
  const who = (c: Credentials) => (c.username ? ` as ${c.username}` : '');

  /** One HTTP exchange with timeout + caller signal. Never includes secrets in errors. */
  const send = async (endpoint: string, req: Req, headers: Record<string, string>) => {
    const url = new URL(`${base}/api/v2/${endpoint}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const timer = AbortSignal.timeout(timeout);
    const signal = req.signal ? AbortSignal.any([req.signal, timer]) : timer;
    let body: string | FormData | undefined;
    if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.multipart) {
      body = req.multipart;
    }
    try {
      const res = await fetch(url, {
        method: req.method,
        headers,
        body,
        signal,
        redirect: 'manual',
      });
      const text = res.status === 204 ? '' : await res.text();
      return { res, text };
    } catch (error) {
      if (timer.aborted) {
        throw new TimeoutError(
          `[${ADAPTER}] ${endpoint} at ${base} did not answer within ${timeout} ms`,
          timeout,
          { cause: error },
        );
      }
      if (req.signal?.aborted) {
        throw new AdapterError(ADAPTER, `${endpoint} at ${base} was cancelled`, {
          cause: req.signal.reason,
        });
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new AppUnreachableError(
        ADAPTER,
        base,
        `cannot reach the Web UI at ${base} (${cause?.code ?? (error as Error).message}): is qbittorrent-nox running, and is this process in its network namespace?`,
        { cause: error },
      );
    }
  };

  /** A short, non-JSON body can be quoted in an error; preferences (with proxy passwords) never. */
  const quote = (text: string) => {
    const t = text.trim();
    return t && t.length < 120 && !/^[[{]/.test(t) ? `: ${t}` : '';
  };

  const login = async (o: CallOptions = {}): Promise<void> => {
    if (banned) throw banned;
    const c = await getCredentials();
    if (c.password === undefined) {
      throw new AuthError(
        ADAPTER,
        `the Web UI at ${base} needs a login and no password was given (use --password-file or SPLITNET_QBITTORRENT_PASSWORD)`,
      );
    }
    const { res, text } = await send(
      'auth/login',
      {
        method: 'POST',
        form: { username: c.username ?? 'admin', password: c.password },
        signal: o.signal,
      },
      {},
    );
    if (res.status === 403) {
      banned = new AuthBannedError(
        ADAPTER,
        `login${who(c)} at ${base} refused with 403: qBittorrent has banned this address after failed logins (WebUI\\BanDuration, default 1 hour). splitnet does not retry; fix the credentials, then wait or restart qBittorrent`,
      );
      throw banned;
    }
    if (res.status === 401 || (res.status === 200 && text.trim() === 'Fails.')) {
      throw new AuthError(
        ADAPTER,
        `login${who(c)} at ${base} failed: wrong username or password (not retried; qBittorrent bans an address after 5 failures by default)`,
      );
    }
    if (!(res.status === 204 || (res.status === 200 && text.trim() === 'Ok.'))) {
      throw new AppApiError(ADAPTER, `login at ${base} answered ${res.status}${quote(text)}`, {
        endpoint: 'auth/login',
        status: res.status,
      });
    }
    cookie = sessionCookie(res.headers.getSetCookie());
    loggedIn = true;
  };

  const authHeaders = async (mode: Exclude<QbittorrentAuth, 'auto'>) => {
    const headers: Record<string, string> = {};
    const c = await getCredentials();
    if (mode === 'apikey') {
      if (c.apiKey === undefined)
        throw new AuthError(ADAPTER, 'auth is apikey but no API key was given');
      headers.authorization = `Bearer ${c.apiKey}`;
    } else if (mode === 'basic') {
      if (c.password === undefined)
        throw new AuthError(ADAPTER, 'auth is basic but no password was given');
      const token = Buffer.from(`${c.username ?? 'admin'}:${c.password}`).toString('base64');
      headers.authorization = `Basic ${token}`;
    } else if (mode === 'session' && cookie) {
      headers.cookie = cookie;
    }
    return headers;
  };

  const call = async (endpoint: string, req: Req): Promise<string> => {
    if (banned) throw banned;
    const mode = await authMode();
    if (mode === 'session' && !loggedIn) await login({ signal: req.signal });
    let { res, text } = await send(endpoint, req, await authHeaders(mode));
    if (res.status === 403 && mode === 'session' && !BANNED.test(text)) {
      // The session expired (WebUI\SessionTimeout) or the server restarted: log in once more.
      loggedIn = false;
      cookie = undefined;
      await login({ signal: req.signal });
      ({ res, text } = await send(endpoint, req, await authHeaders(mode)));
    }
    if (res.status === 200 || res.status === 204) return text;
    const c = await getCredentials();
    if (res.status === 403 && BANNED.test(text)) {
      banned = new AuthBannedError(
        ADAPTER,
        `${base} has banned this address after failed logins; splitnet does not retry`,
      );
      throw banned;
    }
    if (res.status === 403) {
      throw new AuthError(
        ADAPTER,
        mode === 'none'
          ? `${endpoint} at ${base} needs a login: give a username and password (or an API key)`
          : `${endpoint} at ${base} refused the session${who(c)} (403)`,
      );
    }
    if (res.status === 401) {
      if (mode === 'basic' || mode === 'apikey') {
        throw new AuthError(
          ADAPTER,
          `${base} refused the ${mode === 'basic' ? 'HTTP Basic credentials' : 'API key'}${who(c)} (401; not retried)`,
        );
      }
      throw new AppApiError(
        ADAPTER,
        `${endpoint} at ${base} answered 401: a proxy in between probably adds an Origin or Referer header that does not match the Host (qBittorrent's CSRF protection)`,
        { endpoint, status: 401 },
      );
    }
    if (res.status === 404) {
      throw new AppApiError(
        ADAPTER,
        `${endpoint} does not exist at ${base} (404): qBittorrent is too old for it, or the URL is not the Web UI root`,
        { endpoint, status: 404 },
      );
    }
    throw new AppApiError(ADAPTER, `${endpoint} at ${base} answered ${res.status}${quote(text)}`, {
      endpoint,
      status: res.status,
    });
  };

  const json = <T>(endpoint: string, text: string): T => {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new AppApiError(
        ADAPTER,
        `${endpoint} at ${base} did not answer JSON`,
        { endpoint },
        { cause: error },
      );
    }
  };
  const hashesParam = (hashes: readonly string[] | 'all') =>
    hashes === 'all' ? 'all' : hashes.join('|');

  return {
    url: base,
    login,
    async logout(o = {}) {
      if (!loggedIn || !cookie) return;
      await send('auth/logout', { method: 'POST', form: {}, signal: o.signal }, { cookie }).catch(
        () => {},
      );
      loggedIn = false;
      cookie = undefined;
    },
    async webapiVersion(o = {}) {
      return (await call('app/webapiVersion', { method: 'GET', signal: o.signal })).trim();
    },
    async appVersion(o = {}) {
      return (await call('app/version', { method: 'GET', signal: o.signal })).trim();
    },
    async preferences(o = {}) {
      const text = await call('app/preferences', { method: 'GET', signal: o.signal });
      return json<QbittorrentPreferences>('app/preferences', text);
    },
    async setPreferences(prefs, o = {}) {
      await call('app/setPreferences', {
        method: 'POST',
        form: { json: JSON.stringify(prefs) },
        signal: o.signal,
      });
    },
    async networkInterfaceList(o = {}) {
      const text = await call('app/networkInterfaceList', { method: 'GET', signal: o.signal });
      return json<{ name: string; value: string }[]>('app/networkInterfaceList', text);
    },
    async networkInterfaceAddressList(iface, o = {}) {
      const text = await call('app/networkInterfaceAddressList', {
        method: 'GET',
        query: { iface },
        signal: o.signal,
      });
      return json<string[]>('app/networkInterfaceAddressList', text);
    },
    async addTorrent(torrent, params = {}, o = {}) {
      const form = new FormData();
      form.append(
        'torrents',
        new Blob([torrent], { type: 'application/x-bittorrent' }),
        'test.torrent',
      );
      for (const [k, v] of Object.entries(params)) form.append(k, v);
      const text = await call('torrents/add', {
        method: 'POST',
        multipart: form,
        signal: o.signal,
      });
      if (text.trim() === 'Fails.') {
        throw new AppApiError(ADAPTER, 'torrents/add refused the torrent', {
          endpoint: 'torrents/add',
        });
      }
    },
    async torrents(o = {}) {
      return json<TorrentInfo[]>(
        'torrents/info',
        await call('torrents/info', { method: 'GET', signal: o.signal }),
      );
    },
    async trackers(hash, o = {}) {
      const text = await call('torrents/trackers', {
        method: 'GET',
        query: { hash },
        signal: o.signal,
      });
      return json<TrackerInfo[]>('torrents/trackers', text);
    },
    async reannounce(hashes, o = {}) {
      await call('torrents/reannounce', {
        method: 'POST',
        form: { hashes: hashesParam(hashes) },
        signal: o.signal,
      });
    },
    async deleteTorrents(hashes, o = {}) {
      await call('torrents/delete', {
        method: 'POST',
        form: { hashes: hashesParam(hashes), deleteFiles: 'false' },
        signal: o.signal,
      });
    },
  };
}
