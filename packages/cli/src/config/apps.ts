/**
 * The adapter registry: for each `adapter:` value of an `apps[]` entry, the zod schema of its
 * options and the factory that creates the adapter. Adding an app is one line in `APP_ADAPTERS`
 * (plus its entry file, like `qbittorrent-app.ts`).
 *
 * @example
 * ```ts
 * const adapter = adapterFor(config.apps[0]!, { env: process.env });
 * const state = await adapter.inspect();
 * ```
 */
import type { Adapter } from '@splitnet/core';
import type { z } from 'zod';
import { qbittorrentApp } from './qbittorrent-app.js';

/** What an adapter needs besides its own options. */
export interface AdapterContext {
  /** Where credential environment variables are read. Default: `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** Network namespace the interface lives in (`interface.netns`), for socket checks. */
  netns?: string | undefined;
}

/** One registry entry: the schema of `apps[]` items with this `adapter`, and the factory. */
export interface AppAdapterEntry<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  create: (options: z.output<Schema>, context: AdapterContext) => Adapter;
  /** A short label for output, e.g. `qbittorrent (http://127.0.0.1:8080)`. */
  describe: (options: z.output<Schema>) => string;
  /** The API calls (or commands) `apply` and `rebind` make, for `apply --dry-run`. */
  calls: {
    bind: (options: z.output<Schema>, interfaceName: string) => string[];
    rebind: (options: z.output<Schema>, interfaceName: string) => string[];
  };
}

/** Every known adapter, by its `adapter:` name. Add one line per new app. */
export const APP_ADAPTERS = {
  qbittorrent: qbittorrentApp,
} as const;

export type AppAdapterName = keyof typeof APP_ADAPTERS;
export const appAdapterNames = Object.keys(APP_ADAPTERS) as AppAdapterName[];

/** One entry of `apps[]`, validated. */
export type AppConfig = {
  [K in AppAdapterName]: z.output<(typeof APP_ADAPTERS)[K]['schema']>;
}[AppAdapterName];

const entryOf = (app: AppConfig): AppAdapterEntry =>
  APP_ADAPTERS[app.adapter] as unknown as AppAdapterEntry;

/** Creates the adapter an `apps[]` entry describes. */
export function adapterFor(app: AppConfig, context: AdapterContext = {}): Adapter {
  return entryOf(app).create(app, context);
}

/** What binding (or rebinding) the app to `interfaceName` sends, as a person would read it. */
export function describeAppCalls(
  app: AppConfig,
  action: 'bind' | 'rebind',
  interfaceName: string,
): string[] {
  return entryOf(app).calls[action](app, interfaceName);
}

/** A short label for an app, e.g. `qbittorrent (http://127.0.0.1:8080)`. */
export function describeApp(app: AppConfig): string {
  return entryOf(app).describe(app);
}
