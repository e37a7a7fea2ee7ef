/**
 * Everything the reconcile engine reads or changes, behind one object: the real one calls
 * `@splitnet/core` and the app adapters; unit tests pass fakes (and core's `memoryAdapter`).
 */
import {
  type Adapter,
  type BindTarget,
  ConfigError,
  type EnsureReport,
  ensureInterface,
  InterfaceNotFoundError,
  type InterfaceStatus,
  status as interfaceStatus,
  loadConfigFile,
  resolveBindTarget,
  run,
  type UpOptions,
  type UpResult,
  up,
  type WgQuickConfig,
} from '@splitnet/core';
import { type AppConfig, adapterFor } from '../config/apps.js';
import { SplitnetConfigFileError } from '../config/load.js';
import type { SplitnetConfig } from '../config/schema.js';
import { defaultStateDir, readState, type StateFile, writeState } from '../state.js';
import { guardAuth } from './auth-guard.js';

export interface ReconcileSystem {
  /** Reads the wg-quick file (`interface.config`). A bad file is a config error (exit 2). */
  loadTunnel(): Promise<WgQuickConfig>;
  /** The interface now, or `undefined` when there is none. */
  interfaceStatus(): Promise<InterfaceStatus | undefined>;
  up(tunnel: WgQuickConfig, options: UpOptions): Promise<UpResult>;
  setLinkUp(): Promise<void>;
  ensureInterface(): Promise<EnsureReport>;
  resolveTarget(): Promise<BindTarget>;
  /** The adapter of `apps[index]`, created once and kept (with its session) until `close()`. */
  adapter(index: number, app: AppConfig): Adapter;
  readState(): Promise<StateFile>;
  writeState(state: StateFile): Promise<void>;
  /** Ends what `adapter()` opened (sessions). */
  close(): Promise<void>;
}

export interface SystemOptions {
  /** Where credential variables are read. Default: `process.env`. */
  env?: Record<string, string | undefined> | undefined;
}

/** The real system: core's interface lifecycle and the configured adapters. */
export function createSystem(config: SplitnetConfig, options: SystemOptions = {}): ReconcileSystem {
  const env = options.env ?? process.env;
  const { name, netns } = config.interface;
  const stateDir = config.stateDir ?? defaultStateDir(env);
  const adapters = new Map<number, Adapter>();
  return {
    async loadTunnel() {
      try {
        return (await loadConfigFile(config.interface.config)).config;
      } catch (error) {
        if (!ConfigError.is(error)) throw error;
        throw new SplitnetConfigFileError(
          config.file,
          error.message.replace(/^\[splitnet\] /, ''),
          { path: 'interface.config' },
          { cause: error },
        );
      }
    },
    async interfaceStatus() {
      try {
        return await interfaceStatus(name, { netns });
      } catch (error) {
        if (InterfaceNotFoundError.is(error)) return undefined;
        throw error;
      }
    },
    up: (tunnel, o) => up(tunnel, o),
    async setLinkUp() {
      await run('ip', ['link', 'set', 'dev', name, 'up'], { netns });
    },
    ensureInterface: () => ensureInterface(name, { netns }),
    resolveTarget: () => resolveBindTarget(name, { netns }),
    adapter(index, app) {
      const cached = adapters.get(index);
      if (cached) return cached;
      const adapter = guardAuth(adapterFor(app, { env, netns }));
      adapters.set(index, adapter);
      return adapter;
    },
    readState: () => readState(stateDir),
    writeState: (state) => writeState(stateDir, state),
    async close() {
      for (const adapter of adapters.values()) await adapter.close().catch(() => {});
      adapters.clear();
    },
  };
}
