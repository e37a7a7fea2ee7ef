/**
 * The qBittorrent adapter: binds qBittorrent to an interface through its Web API
 * (`current_network_interface = <if>`, `current_interface_address = ""`, i.e. libtorrent device
 * binding with SO_BINDTODEVICE), reads it back, re-opens stale listen sockets after the interface
 * was re-created, and restores the previous setting.
 *
 * Run it in qBittorrent's network namespace: the Web UI is reached over HTTP and the listen
 * sockets are read with `ss` there.
 *
 * @example
 * ```ts
 * import { resolveBindTarget } from '@splitnet/core';
 * import { qbittorrent } from '@splitnet/qbittorrent';
 * const adapter = qbittorrent({ url: 'http://127.0.0.1:8080', username: 'admin', passwordFile: '/run/secrets/qbt' });
 * const target = await resolveBindTarget('wg0');
 * const { previous, warnings } = await adapter.apply(target);
 * await adapter.verify(target);
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AdapterCallOptions,
  type AdapterWarning,
  AppUnsupportedError,
  BindingDriftError,
  type BindingState,
  type BindTarget,
  bindingState,
  ConfigError,
  defineAdapter,
} from '@splitnet/core';
import { z } from 'zod';
import {
  compareVersions,
  createQbittorrentClient,
  normalizeUrl,
  type QbittorrentPreferences,
} from './client.js';
import { type CredentialOptions, resolveCredentials } from './credentials.js';
import { type ListenSocket, listenSockets, socketProblems } from './listen-sockets.js';

/** WebAPI 2.3.0 = qBittorrent 4.2.0: the first with the interface preferences. */
export const MIN_WEBAPI_FOR_BINDING = '2.3.0';

const optionsSchema = z.object({
  url: z.string().default('http://127.0.0.1:8080'),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  passwordFile: z.string().min(1).optional(),
  apiKey: z.string().optional(),
  apiKeyFile: z.string().min(1).optional(),
  auth: z.enum(['auto', 'session', 'basic', 'apikey', 'none']).default('auto'),
  timeout: z.number().int().positive().default(10_000),
  sockets: z.enum(['auto', 'check', 'skip']).default('auto'),
  socketsNetns: z.string().min(1).optional(),
  settleTimeout: z.number().int().positive().default(20_000),
  // process.env is an exotic object zod's record() rejects; resolveCredentials reads it.
  env: z
    .custom<Record<string, string | undefined>>((v) => typeof v === 'object' && v !== null)
    .optional(),
});

/** Options of {@link qbittorrent}. */
export interface QbittorrentOptions extends CredentialOptions {
  /** Web UI base URL. Default: `http://127.0.0.1:8080`. */
  url?: string | undefined;
  /** See `QbittorrentClientOptions.auth`. Default: `auto`. */
  auth?: 'auto' | 'session' | 'basic' | 'apikey' | 'none' | undefined;
  /** Per-request timeout in milliseconds. Default: 10 000. */
  timeout?: number | undefined;
  /**
   * Check the listen sockets with `ss` in `verify()`/`rebind()`: `check` always, `skip` never,
   * `auto` (default) only when the URL points at this host (loopback).
   */
  sockets?: 'auto' | 'check' | 'skip' | undefined;
  /** Run `ss` in this network namespace (when qBittorrent runs in another one). */
  socketsNetns?: string | undefined;
  /** How long `rebind()` waits for the sockets to move, in milliseconds. Default: 20 000. */
  settleTimeout?: number | undefined;
}

const isLoopback = (url: string) => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
};

/** Settings that undercut the binding, and the traffic binding never covers. */
export function preferenceWarnings(prefs: QbittorrentPreferences): AdapterWarning[] {
  const warnings: AdapterWarning[] = [];
  if (prefs.upnp === true) {
    warnings.push({
      code: 'upnp-enabled',
      message:
        'UPnP/NAT-PMP is on: qBittorrent asks the home router to forward its port, outside the tunnel; turn it off (upnp=false)',
    });
  }
  if (prefs.random_port === true) {
    warnings.push({
      code: 'random-port',
      message:
        'a random listen port is on: the port changes at each start, so a port forwarded by the VPN cannot follow it',
    });
  }
  if (prefs.rss_processing_enabled === true) {
    warnings.push({
      code: 'rss-not-bound',
      message:
        'RSS is on: RSS feeds (and "add from URL", search plugins) are fetched outside libtorrent and do NOT use the bound interface',
    });
  }
  if (prefs.resolve_peer_countries === true) {
    warnings.push({
      code: 'geoip-download',
      message:
        'peer-country resolution is on: qBittorrent downloads a GeoIP database outside the bound interface (resolve_peer_countries=false avoids it)',
    });
  }
  return warnings;
}

export const qbittorrent = defineAdapter((input: QbittorrentOptions) => {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `[qbittorrent] invalid option ${issue?.path.join('.')}: ${issue?.message}`,
      {
        key: issue?.path.join('.'),
      },
    );
  }
  const options = parsed.data;
  const url = normalizeUrl(options.url);
  const client = createQbittorrentClient({
    url,
    auth: options.auth,
    timeout: options.timeout,
    credentials: () => resolveCredentials(input),
  });
  const checkSockets =
    options.sockets === 'check' || (options.sockets === 'auto' && isLoopback(url));
  let webapi: string | undefined;

  const requireRuntimeBinding = async (o: AdapterCallOptions) => {
    webapi ??= await client.webapiVersion(o);
    if (compareVersions(webapi, MIN_WEBAPI_FOR_BINDING) < 0) {
      throw new AppUnsupportedError(
        'qbittorrent',
        webapi,
        `WebAPI ${webapi} (qBittorrent < 4.2.0) cannot bind to an interface at runtime: stop qBittorrent and provision its config file instead (splitnet bind qbittorrent --offline --config …)`,
      );
    }
  };
  const stateOf = (prefs: QbittorrentPreferences): BindingState =>
    bindingState(prefs.current_network_interface ?? '', prefs.current_interface_address ?? '', {
      listenPort: prefs.listen_port ?? null,
    });
  const bindingProblems = (prefs: QbittorrentPreferences, target: BindTarget): string[] => {
    const problems: string[] = [];
    if (!('current_network_interface' in prefs)) {
      return ['qBittorrent does not report current_network_interface (older than 4.2.0?)'];
    }
    if (prefs.current_network_interface !== target.interfaceName) {
      problems.push(
        `current_network_interface is ${JSON.stringify(prefs.current_network_interface)}, expected ${JSON.stringify(target.interfaceName)}`,
      );
    }
    if ((prefs.current_interface_address ?? '') !== '') {
      problems.push(
        `current_interface_address is ${JSON.stringify(prefs.current_interface_address)}, expected "" (an explicit address means address-only binding)`,
      );
    }
    return problems;
  };
  const sockets = (port: number, o: AdapterCallOptions): Promise<ListenSocket[]> =>
    listenSockets(port, { netns: options.socketsNetns, signal: o.signal });

  /** Polls `ss` until every listen socket on `port` is on the interface (or the time is up). */
  const settle = async (port: number, name: string, o: AdapterCallOptions): Promise<string[]> => {
    const deadline = Date.now() + options.settleTimeout;
    let problems: string[] = [];
    while (Date.now() < deadline) {
      problems = socketProblems(await sockets(port, o), name, port);
      if (problems.length === 0) return [];
      await sleep(250, undefined, { signal: o.signal });
    }
    return problems;
  };

  const interfaceWarnings = async (
    target: BindTarget,
    o: AdapterCallOptions,
  ): Promise<AdapterWarning[]> => {
    const list = await client.networkInterfaceList(o).catch(() => undefined);
    if (!list || list.some((i) => i.value === target.interfaceName)) return [];
    return [
      {
        code: 'interface-not-visible',
        message: `qBittorrent does not list ${target.interfaceName} among its interfaces (no address yet, or another network namespace): it stays offline, without leaking, until the interface appears`,
      },
    ];
  };

  return {
    name: 'qbittorrent',
    bindModes: ['device'],

    async inspect(o) {
      return stateOf(await client.preferences(o));
    },

    async apply(target, o) {
      await requireRuntimeBinding(o);
      const before = await client.preferences(o);
      const previous = stateOf(before);
      const changed = bindingProblems(before, target).length > 0;
      if (changed) {
        // Both keys in ONE request, straight from the old interface to the new one: never
        // through "" (which would bind every interface for a moment).
        await client.setPreferences(
          { current_network_interface: target.interfaceName, current_interface_address: '' },
          o,
        );
        const after = await client.preferences(o);
        const problems = bindingProblems(after, target);
        if (problems.length > 0) throw new BindingDriftError('qbittorrent', problems);
      }
      const warnings = [...preferenceWarnings(before), ...(await interfaceWarnings(target, o))];
      const visible = !warnings.some((w) => w.code === 'interface-not-visible');
      if (changed && checkSockets && visible && typeof before.listen_port === 'number') {
        // libtorrent re-creates its listen sockets asynchronously: wait until they are on it.
        const problems = await settle(before.listen_port, target.interfaceName, o);
        if (problems.length > 0) throw new BindingDriftError('qbittorrent', problems);
      }
      return { changed, previous, warnings };
    },

    async check(target, o) {
      const prefs = await client.preferences(o);
      const problems = bindingProblems(prefs, target);
      if (problems.length === 0 && checkSockets && typeof prefs.listen_port === 'number') {
        problems.push(
          ...socketProblems(
            await sockets(prefs.listen_port, o),
            target.interfaceName,
            prefs.listen_port,
          ),
        );
      }
      return {
        observed: stateOf(prefs),
        problems,
        warnings: [...preferenceWarnings(prefs), ...(await interfaceWarnings(target, o))],
      };
    },

    async revert(previous, o) {
      await client.setPreferences(
        {
          current_network_interface: previous.interfaceName,
          current_interface_address: previous.address,
        },
        o,
      );
      const after = stateOf(await client.preferences(o));
      if (after.interfaceName !== previous.interfaceName || after.address !== previous.address) {
        throw new BindingDriftError('qbittorrent', [
          `revert asked for ${JSON.stringify(previous.interfaceName)}/${JSON.stringify(previous.address)}, qBittorrent reports ${JSON.stringify(after.interfaceName)}/${JSON.stringify(after.address)}`,
        ]);
      }
    },

    /**
     * Setting the same interface again is a no-op in libtorrent (it matches listen sockets by
     * device NAME, not ifindex), so force new sockets: move the listen port to a neighbour and
     * back, waiting each time until `ss` shows the sockets on the live interface.
     */
    async rebind(target, o) {
      await requireRuntimeBinding(o);
      const prefs = await client.preferences(o);
      const port = prefs.listen_port;
      if (typeof port !== 'number' || port < 1) {
        throw new ConfigError('[qbittorrent] cannot rebind: qBittorrent reports no listen_port', {
          key: 'listen_port',
        });
      }
      const bump = port < 65535 ? port + 1 : port - 1;
      await client.setPreferences(
        {
          current_network_interface: target.interfaceName,
          current_interface_address: '',
          listen_port: bump,
        },
        o,
      );
      if (checkSockets) await settle(bump, target.interfaceName, o);
      else await sleep(1_000, undefined, { signal: o.signal });
      await client.setPreferences({ listen_port: port }, o);
      if (checkSockets) {
        const problems = await settle(port, target.interfaceName, o);
        if (problems.length > 0) throw new BindingDriftError('qbittorrent', problems);
      }
    },

    async setListenPort(port, o) {
      await client.setPreferences({ listen_port: port }, o);
      const after = await client.preferences(o);
      if (after.listen_port !== port) {
        throw new BindingDriftError('qbittorrent', [
          `listen_port is ${after.listen_port}, expected ${port}`,
        ]);
      }
    },

    async close() {
      await client.logout();
    },
  };
});
