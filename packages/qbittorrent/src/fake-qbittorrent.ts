/**
 * A scripted qBittorrent Web API server for protocol tests: it reproduces, per version, the
 * differences the client must handle (cookie names, login status codes, POST-only writes, HTTP
 * Basic and API keys, IP bans, CSRF checks). Exported as a test double for code that drives the
 * adapter (the CLI's tests use it), like serialport's mock binding.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeVersion = '4.1' | '4.5' | '4.6' | '5.2';

export interface FakeQbittorrentOptions {
  version?: FakeVersion | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** 4.6–5.1 `[WebAPI] SessionCookieName`. */
  cookieName?: string | undefined;
  /** 5.2: the configured Web UI port used in `QBT_SID_<port>` (may differ from the real one). */
  configuredPort?: number | undefined;
  /** 5.2 API key. */
  apiKey?: string | undefined;
  /** Failed logins before the ban. Default: 5. */
  maxFailures?: number | undefined;
  /** No authentication at all (LocalHostAuth=false). */
  noAuth?: boolean | undefined;
  /** Never answer (timeout tests). */
  hang?: boolean | undefined;
  /** Initial preferences. */
  prefs?: Record<string, unknown> | undefined;
  /** Interfaces qBittorrent lists. */
  interfaces?: string[] | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeQbittorrent {
  url: string;
  prefs: Record<string, unknown>;
  requests: RecordedRequest[];
  loginAttempts: number;
  /** Forgets every session (as after WebUI\SessionTimeout or a restart). */
  expireSessions(): void;
  close(): Promise<void>;
}

const WEBAPI: Record<FakeVersion, string> = {
  '4.1': '2.0.0',
  '4.5': '2.8.19',
  '4.6': '2.9.3',
  '5.2': '2.15.1',
};

export async function startFakeQbittorrent(
  options: FakeQbittorrentOptions = {},
): Promise<FakeQbittorrent> {
  const version = options.version ?? '4.5';
  const username = options.username ?? 'admin';
  const password = options.password ?? 'adminadmin';
  const maxFailures = options.maxFailures ?? 5;
  const sessions = new Set<string>();
  let failures = 0;
  const v = Number.parseFloat(version);
  const prefs: Record<string, unknown> = {
    listen_port: 16881,
    upnp: false,
    random_port: false,
    dht: false,
    ...(v >= 4.2 ? { current_network_interface: '', current_interface_address: '' } : {}),
    ...options.prefs,
  };
  const interfaces = options.interfaces ?? ['lo', 'wg0'];
  const requests: RecordedRequest[] = [];
  let port = 0;
  const cookieName = () =>
    version === '5.2'
      ? `QBT_SID_${options.configuredPort ?? port}`
      : version === '4.6' && options.cookieName
        ? options.cookieName
        : 'SID';
  const postOnly = new Set(
    v >= 4.5
      ? [
          'auth/login',
          'auth/logout',
          'app/setPreferences',
          'torrents/add',
          'torrents/reannounce',
          'torrents/delete',
        ]
      : [],
  );

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const endpoint = url.pathname.replace(/^\/api\/v2\//, '');
    requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
    const send = (status: number, text = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', ...headers });
      res.end(text);
    };
    const ok = (text = '') => (version === '5.2' && text === '' ? send(204) : send(200, text));
    if (failures >= maxFailures) {
      return send(
        403,
        'Your IP address has been banned after too many failed authentication attempts.',
      );
    }
    const host = req.headers.host ?? '';
    for (const h of ['origin', 'referer'] as const) {
      const value = req.headers[h];
      if (typeof value === 'string' && new URL(value).host !== host)
        return send(401, 'Unauthorized');
    }
    if (postOnly.has(endpoint) && req.method !== 'POST') return send(405, 'Method Not Allowed');
    const form = new URLSearchParams(
      req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '',
    );

    if (endpoint === 'auth/login') {
      if (form.get('username') === username && form.get('password') === password) {
        const sid = randomBytes(12).toString('base64url');
        sessions.add(sid);
        const cookie = `${cookieName()}=${sid}; HttpOnly; path=/; SameSite=Strict`;
        return version === '5.2'
          ? send(204, '', { 'set-cookie': cookie })
          : send(200, 'Ok.', { 'set-cookie': cookie });
      }
      failures++;
      return version === '5.2' ? send(401, 'Unauthorized') : send(200, 'Fails.');
    }

    // Authentication for everything else.
    let authed = options.noAuth === true;
    const auth = req.headers.authorization;
    if (!authed && version === '5.2' && auth?.startsWith('Bearer ')) {
      if (auth.slice(7) !== options.apiKey) return send(401, 'Unauthorized');
      authed = true;
    } else if (!authed && version === '5.2' && auth?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (u !== username || p !== password) {
        failures++;
        return send(401, 'Unauthorized');
      }
      authed = true;
    } else if (!authed) {
      const cookies = Object.fromEntries(
        (req.headers.cookie ?? '')
          .split(/;\s*/)
          .filter(Boolean)
          .map((c) => {
            const i = c.indexOf('=');
            return [c.slice(0, i), c.slice(i + 1)];
          }),
      );
      const sid = cookies[cookieName()];
      authed = sid !== undefined && sessions.has(sid);
    }
    if (!authed) return send(403, 'Forbidden');

    switch (endpoint) {
      case 'auth/logout':
        return ok();
      case 'app/webapiVersion':
        return send(200, WEBAPI[version]);
      case 'app/version':
        return send(200, `v${version}.0`);
      case 'app/preferences':
        return send(200, JSON.stringify(prefs), { 'content-type': 'application/json' });
      case 'app/setPreferences': {
        const json = form.get('json');
        if (json === null) return send(400, 'Bad Request');
        for (const [k, val] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
          if (k in prefs || k === 'listen_port') prefs[k] = val; // unknown keys are silently ignored
        }
        return ok();
      }
      case 'app/networkInterfaceList':
        if (v < 4.2) return send(404, 'Not Found');
        return send(200, JSON.stringify(interfaces.map((i) => ({ name: i, value: i }))));
      case 'app/networkInterfaceAddressList':
        return send(
          200,
          JSON.stringify(url.searchParams.get('iface') === 'wg0' ? ['10.66.0.2'] : []),
        );
      default:
        return send(404, 'Not Found');
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.hang) return;
      handle(req, res, Buffer.concat(chunks).toString());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    prefs,
    requests,
    get loginAttempts() {
      return requests.filter((r) => r.path.endsWith('/auth/login')).length;
    },
    expireSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
