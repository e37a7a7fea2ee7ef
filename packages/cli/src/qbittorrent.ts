/** `splitnet bind qbittorrent` and `splitnet unbind qbittorrent`. */
import {
  type BindingState,
  type BindTarget,
  bindingState,
  ConfigError,
  resolveBindTarget,
} from '@splitnet/core';
import {
  provisionConfig,
  type QbittorrentOptions,
  qbittorrent,
  qbittorrentConfigPath,
  readConfigBinding,
  revertConfig,
} from '@splitnet/qbittorrent';
import { describeBinding, type Io } from './output.js';
import { type BindingRecord, bindingKey, readState, writeState } from './state.js';

export interface QbittorrentCliOptions {
  interface?: string;
  url: string;
  username?: string;
  passwordFile?: string;
  apiKeyFile?: string;
  auth?: QbittorrentOptions['auth'];
  timeout?: number;
  sockets?: QbittorrentOptions['sockets'];
  rebind?: boolean;
  offline?: boolean;
  config?: string;
  profile?: string;
  stateDir: string;
  json?: boolean;
  force?: boolean;
}

export function adapterOptions(o: QbittorrentCliOptions, io: Io): QbittorrentOptions {
  return {
    url: o.url,
    username: o.username,
    passwordFile: o.passwordFile,
    apiKeyFile: o.apiKeyFile,
    auth: o.auth,
    timeout: o.timeout,
    sockets: o.sockets,
    env: io.env,
  };
}

const configPathOf = (o: QbittorrentCliOptions) => {
  if (o.config) return o.config;
  if (o.profile) return qbittorrentConfigPath({ profile: o.profile });
  throw new ConfigError('--offline needs --config <qBittorrent.conf> or --profile <dir>', {
    key: 'config',
  });
};

const authRecord = (o: QbittorrentCliOptions, io: Io): BindingRecord['auth'] => ({
  username: o.username ?? io.env.SPLITNET_QBITTORRENT_USERNAME,
  passwordFile: o.passwordFile,
  apiKeyFile: o.apiKeyFile,
  mode: o.auth,
  sockets: o.sockets,
});

export async function bindQbittorrent(
  o: QbittorrentCliOptions,
  io: Io,
): Promise<Record<string, unknown>> {
  const name = o.interface;
  if (!name) throw new ConfigError('bind needs --interface <name>', { key: 'interface' });
  const state = await readState(o.stateDir);

  if (o.offline) {
    const configPath = configPathOf(o);
    const result = await provisionConfig(configPath, { interfaceName: name });
    const key = bindingKey({ app: 'qbittorrent', via: 'offline', configPath });
    state.bindings[key] = {
      app: 'qbittorrent',
      via: 'offline',
      configPath,
      interfaceName: name,
      previous: state.bindings[key]?.previous ?? result.previous,
      boundAt: new Date().toISOString(),
    };
    await writeState(o.stateDir, state);
    return {
      app: 'qbittorrent',
      via: 'offline',
      configPath,
      interfaceName: name,
      changed: result.changed,
      previous: result.previous,
      warnings: result.warnings,
      note: 'written to the config file: start (or restart) qBittorrent now; it must be stopped while the file is edited',
    };
  }

  const target: BindTarget = await resolveBindTarget(name);
  const adapter = qbittorrent(adapterOptions(o, io));
  try {
    const result = await adapter.apply(target);
    if (o.rebind) await adapter.rebind!(target);
    const check = await adapter.verify(target);
    const key = bindingKey({ app: 'qbittorrent', via: 'api', url: o.url });
    const previous = state.bindings[key]?.previous ?? result.previous;
    state.bindings[key] = {
      app: 'qbittorrent',
      via: 'api',
      url: o.url,
      interfaceName: name,
      ifindex: target.ifindex,
      previous,
      boundAt: new Date().toISOString(),
      auth: authRecord(o, io),
    };
    await writeState(o.stateDir, state);
    return {
      app: 'qbittorrent',
      via: 'api',
      url: o.url,
      interfaceName: name,
      ifindex: target.ifindex,
      changed: result.changed,
      rebound: o.rebind === true,
      previous,
      warnings: check.warnings,
    };
  } finally {
    await adapter.close();
  }
}

export async function unbindQbittorrent(
  o: QbittorrentCliOptions,
  io: Io,
): Promise<Record<string, unknown>> {
  const state = await readState(o.stateDir);
  const via = o.offline ? 'offline' : 'api';
  const configPath = o.offline ? configPathOf(o) : undefined;
  const key = bindingKey({ app: 'qbittorrent', via, url: o.url, configPath });
  const record = state.bindings[key];
  let previous: BindingState | undefined = record?.previous;
  if (!previous) {
    if (!o.force) {
      throw new ConfigError(
        `no bind of qbittorrent (${o.offline ? configPath : o.url}) is recorded in ${o.stateDir}: nothing to restore. Use --force to unbind to "any interface" anyway`,
        { key: 'stateDir' },
      );
    }
    previous = bindingState('', '');
  }
  if (o.offline) {
    await revertConfig(configPath!, previous);
    const now = await readConfigBinding(configPath!);
    delete state.bindings[key];
    await writeState(o.stateDir, state);
    return { app: 'qbittorrent', via, configPath, restored: now };
  }
  const adapter = qbittorrent(adapterOptions(o, io));
  try {
    const restored = await adapter.revert({ previous });
    delete state.bindings[key];
    await writeState(o.stateDir, state);
    return {
      app: 'qbittorrent',
      via,
      url: o.url,
      restored,
      description: describeBinding(restored),
    };
  } finally {
    await adapter.close();
  }
}
