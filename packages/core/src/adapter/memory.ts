/**
 * An in-memory application for the adapter contract: it holds an interface/address setting and
 * "sockets" tied to an ifindex, like qBittorrent does. It proves the shared suite and lets the CLI
 * and other code be tested without a real application.
 *
 * @example
 * ```ts
 * import { memoryAdapter } from '@splitnet/core';
 * const app = { interfaceName: '', address: '' };
 * const adapter = memoryAdapter({ app });
 * await adapter.apply({ interfaceName: 'wg0', ifindex: 7 });
 * app.interfaceName; // 'wg0'
 * ```
 */
import { AuthError, InterfaceNotFoundError } from '../errors.js';
import { type AdapterWarning, type BindingState, bindingState, defineAdapter } from './contract.js';

/** The fake application's state; share one object between adapters to model one app. */
export interface MemoryApp {
  interfaceName: string;
  address: string;
  /** The ifindex the app's listen sockets are tied to (`undefined`: not listening on a device). */
  socketsIfindex?: number | undefined;
  listenPort?: number | undefined;
  /** Turns on a warning like qBittorrent's UPnP one. */
  upnp?: boolean | undefined;
  /** The password the app accepts; `undefined` = no authentication. */
  password?: string | undefined;
  /** Interface names the app can see, with their index (`undefined` = any name exists). */
  interfaces?: Map<string, number> | undefined;
}

export interface MemoryAdapterOptions {
  /** The application. Default: a fresh one bound to nothing. */
  app?: MemoryApp | undefined;
  /** The password to log in with (checked against `app.password`). */
  password?: string | undefined;
}

export const memoryAdapter = defineAdapter((options: MemoryAdapterOptions) => {
  const app: MemoryApp = options.app ?? { interfaceName: '', address: '' };
  const login = async () => {
    if (app.password !== undefined && options.password !== app.password) {
      throw new AuthError('memory', 'login refused: wrong username or password');
    }
  };
  const state = (): BindingState =>
    bindingState(app.interfaceName, app.address, { listenPort: app.listenPort ?? null });
  const warnings = (): AdapterWarning[] =>
    app.upnp
      ? [{ code: 'upnp-enabled', message: 'UPnP is on: it maps ports on the home router' }]
      : [];
  const ifindexOf = (name: string) => app.interfaces?.get(name);

  return {
    name: 'memory',
    bindModes: ['device', 'address'],
    async inspect() {
      await login();
      return state();
    },
    async apply(target) {
      await login();
      const previous = state();
      const address = target.mode === 'address' ? (target.addresses[0] ?? '') : '';
      const changed = app.interfaceName !== target.interfaceName || app.address !== address;
      if (changed) {
        // One assignment, never through '' (which would mean "every interface").
        app.interfaceName = target.interfaceName;
        app.address = address;
        app.socketsIfindex = ifindexOf(target.interfaceName) ?? target.ifindex;
      }
      return { changed, previous, warnings: warnings() };
    },
    async check(target) {
      await login();
      const problems: string[] = [];
      if (app.interfaceName !== target.interfaceName) {
        problems.push(
          `interface is ${JSON.stringify(app.interfaceName)}, expected ${JSON.stringify(target.interfaceName)}`,
        );
      }
      const address = target.mode === 'address' ? (target.addresses[0] ?? '') : '';
      if (app.address !== address) {
        problems.push(
          `address is ${JSON.stringify(app.address)}, expected ${JSON.stringify(address)}`,
        );
      }
      if (problems.length === 0 && app.socketsIfindex !== target.ifindex) {
        problems.push(
          `listen sockets are on ifindex ${app.socketsIfindex}, the interface is now ${target.ifindex}: call rebind()`,
        );
      }
      return { observed: state(), problems, warnings: warnings() };
    },
    async revert(previous) {
      await login();
      app.interfaceName = previous.interfaceName;
      app.address = previous.address;
      app.socketsIfindex = previous.interfaceName ? ifindexOf(previous.interfaceName) : undefined;
    },
    async rebind(target) {
      await login();
      if (app.interfaces && !app.interfaces.has(target.interfaceName)) {
        throw new InterfaceNotFoundError(
          target.interfaceName,
          `no interface ${target.interfaceName}`,
        );
      }
      app.socketsIfindex = ifindexOf(target.interfaceName) ?? target.ifindex;
    },
    async setListenPort(port) {
      await login();
      app.listenPort = port;
    },
  };
});
