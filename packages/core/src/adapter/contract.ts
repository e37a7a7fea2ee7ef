/**
 * The adapter contract: how splitnet makes one application send its traffic through an interface.
 *
 * An adapter is a factory returning a plain object ({@link defineAdapter}). Its implementation
 * only knows the application; the wrapper that `defineAdapter` puts around it validates targets at
 * the boundary, remembers what the application was bound to before the first `apply()` (for
 * `revert()`), turns a failed read-back into a {@link BindingDriftError}, and makes sure every
 * failure is a typed {@link SplitnetError}.
 *
 * @example
 * ```ts
 * import { defineAdapter } from '@splitnet/core';
 * export const myApp = defineAdapter((options: { url: string }) => ({
 *   name: 'my-app',
 *   bindModes: ['device'],
 *   async inspect() { return { interfaceName: '', address: '', mode: 'none' }; },
 *   async apply(target) { … return { changed: true, previous, warnings: [] }; },
 *   async check(target) { … return { observed, problems: [], warnings: [] }; },
 *   async revert(previous) { … },
 * }));
 * const adapter = myApp({ url: 'http://127.0.0.1:8080' });
 * await adapter.apply(await resolveBindTarget('wg0'));
 * ```
 */
import { z } from 'zod';
import { interfaceNameSchema } from '../config/interface-name.js';
import {
  AdapterError,
  BindingDriftError,
  ConfigError,
  isSplitnetError,
  type SplitnetError,
} from '../errors.js';

const kAdapter = Symbol.for('splitnet.adapter');

/** How an application binds: to a device (`SO_BINDTODEVICE`) or to the interface's address. */
export type BindMode = 'device' | 'address';

export const bindTargetSchema = z.object({
  /** The interface name, e.g. `wg0`. */
  interfaceName: interfaceNameSchema,
  /** The interface index now. A re-created interface has a new one. */
  ifindex: z.number().int().positive(),
  /** The interface's addresses, without prefix length (`10.66.0.2`, `2001:db8:66::2`). */
  addresses: z.array(z.string().min(1)).default([]),
  /** Bind by device or by address. Default: `device`. */
  mode: z.enum(['device', 'address']).default('device'),
});

/** What an adapter binds the application to. Build one with `bindTarget()` or `resolveBindTarget()`. */
export type BindTarget = z.output<typeof bindTargetSchema>;
export type BindTargetInput = z.input<typeof bindTargetSchema>;

/** What an application is bound to. Plain JSON, so the CLI can store it for a later `revert`. */
export interface BindingState {
  /** The interface the application binds to, or `''` when it uses every interface. */
  interfaceName: string;
  /** The address it binds to, or `''` for all addresses (of `interfaceName`, when one is set). */
  address: string;
  /** `device` (interface set, address empty), `address` (an address set) or `none`. */
  mode: BindMode | 'none';
  /** Adapter-specific values needed to restore the state exactly (JSON-serialisable). */
  details?: Record<string, unknown> | undefined;
}

/** A setting that does not break the binding but undercuts it (UPnP on, a random port, …). */
export interface AdapterWarning {
  /** Stable identifier, e.g. `upnp-enabled`. */
  code: string;
  message: string;
}

/** The result of `verify()` / `check()`. */
export interface Check {
  /** True when the application is bound as `target` asks and nothing in `problems`. */
  ok: boolean;
  adapter: string;
  target: BindTarget;
  /** What the application reported when read back. */
  observed: BindingState;
  /** Each difference from the target; empty when `ok`. */
  problems: string[];
  warnings: AdapterWarning[];
}

export interface ApplyResult {
  /** False when the application was already bound as asked (apply is idempotent). */
  changed: boolean;
  /** What the application was bound to before this call. Store it to `revert()` later. */
  previous: BindingState;
  warnings: AdapterWarning[];
}

/** Options every adapter call accepts. */
export interface AdapterCallOptions {
  /** Cancels the call. Every call also has the adapter's own timeout. */
  signal?: AbortSignal | undefined;
}

export interface RevertOptions extends AdapterCallOptions {
  /**
   * The state to restore. Default: what this adapter object saw before its first `apply()`.
   * A new process (the CLI's `unbind`) passes the `previous` that `apply()` returned.
   */
  previous?: BindingState | undefined;
}

/** What an adapter author writes; `defineAdapter` turns it into an {@link Adapter}. */
export interface AdapterImplementation {
  /** Short lowercase name, e.g. `qbittorrent`; it prefixes every error message. */
  name: string;
  /** The modes the application supports. Default: `['device']`. */
  bindModes?: readonly BindMode[] | undefined;
  /** Reads what the application is bound to now. */
  inspect(options: AdapterCallOptions): Promise<BindingState>;
  /** Binds the application to `target`; must be idempotent and report `changed`. */
  apply(
    target: BindTarget,
    options: AdapterCallOptions,
  ): Promise<{ changed: boolean; previous: BindingState; warnings?: AdapterWarning[] }>;
  /** Reads the application back and lists every difference from `target`. Never throws drift. */
  check(
    target: BindTarget,
    options: AdapterCallOptions,
  ): Promise<{ observed: BindingState; problems: string[]; warnings?: AdapterWarning[] }>;
  /** Restores `previous`. */
  revert(previous: BindingState, options: AdapterCallOptions): Promise<void>;
  /** Makes the application re-open its sockets on a re-created interface (new ifindex). */
  rebind?(target: BindTarget, options: AdapterCallOptions): Promise<void>;
  /** Sets the application's peer listen port (a forwarded port). */
  setListenPort?(port: number, options: AdapterCallOptions): Promise<void>;
  /** Releases resources (a session, a connection). */
  close?(): Promise<void>;
}

/** An adapter object, as `defineAdapter` returns it. */
export interface Adapter {
  readonly name: string;
  readonly bindModes: readonly BindMode[];
  /** What the application is bound to now. */
  inspect(options?: AdapterCallOptions): Promise<BindingState>;
  /** Binds to `target` (idempotent). Remembers the first `previous` for `revert()`. */
  apply(target: BindTargetInput, options?: AdapterCallOptions): Promise<ApplyResult>;
  /** Reads back; resolves with an ok {@link Check} or rejects with {@link BindingDriftError}. */
  verify(target: BindTargetInput, options?: AdapterCallOptions): Promise<Check>;
  /** Like `verify()` but resolves with `ok: false` instead of rejecting (for status displays). */
  check(target: BindTargetInput, options?: AdapterCallOptions): Promise<Check>;
  /** Restores what the application was bound to before `apply()`; returns the restored state. */
  revert(options?: RevertOptions): Promise<BindingState>;
  /** Present when the application needs a kick after the interface was re-created. */
  rebind?: ((target: BindTargetInput, options?: AdapterCallOptions) => Promise<Check>) | undefined;
  /** Present when the application has a peer listen port splitnet may set. */
  setListenPort?: ((port: number, options?: AdapterCallOptions) => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** True for an object made by {@link defineAdapter}, from any copy of `@splitnet/core`. */
export function isAdapter(value: unknown): value is Adapter {
  return typeof value === 'object' && value !== null && kAdapter in value;
}

/** Validates a bind target at the boundary; a bad one is a {@link ConfigError}. */
export function bindTarget(input: BindTargetInput): BindTarget {
  const parsed = bindTargetSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') || undefined;
    throw new ConfigError(
      `invalid bind target${key ? ` (${key})` : ''}: ${issue?.message ?? 'invalid'}`,
      { key },
    );
  }
  return parsed.data;
}

/** Validates an interface name; a bad one is a {@link ConfigError} keyed `interfaceName`. */
export function parseInterfaceName(name: string): string {
  const parsed = interfaceNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid interface name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      { key: 'interfaceName' },
    );
  }
  return parsed.data;
}

function modeOf(state: { interfaceName: string; address: string }): BindingState['mode'] {
  if (state.address !== '') return 'address';
  return state.interfaceName !== '' ? 'device' : 'none';
}

/** Builds a {@link BindingState}, deriving `mode` from the interface and address. */
export function bindingState(
  interfaceName: string,
  address: string,
  details?: Record<string, unknown>,
): BindingState {
  const state: BindingState = { interfaceName, address, mode: modeOf({ interfaceName, address }) };
  if (details !== undefined) state.details = details;
  return state;
}

/** Wraps anything thrown by an implementation so callers only ever see a SplitnetError. */
function typed(adapter: string, what: string, error: unknown): SplitnetError {
  if (isSplitnetError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AdapterError(adapter, `${what} failed: ${reason}`, { cause: error });
}

/**
 * Turns an adapter implementation factory into an adapter factory. No registration, no global
 * state: each call of the returned function makes an independent adapter object.
 */
export function defineAdapter<Options>(
  factory: (options: Options) => AdapterImplementation,
): (options: Options) => Adapter {
  return (options: Options): Adapter => {
    const impl = factory(options);
    const name = impl.name;
    const bindModes: readonly BindMode[] = impl.bindModes ?? ['device'];
    let remembered: BindingState | undefined;

    const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        throw typed(name, what, error);
      }
    };
    const target = (input: BindTargetInput): BindTarget => {
      const parsed = bindTarget(input);
      if (!bindModes.includes(parsed.mode)) {
        throw new ConfigError(
          `[${name}] cannot bind by ${parsed.mode}; it supports: ${bindModes.join(', ')}`,
          { key: 'mode' },
        );
      }
      return parsed;
    };
    const check = (input: BindTargetInput, o: AdapterCallOptions = {}): Promise<Check> =>
      guard('check', async () => {
        const t = target(input);
        const result = await impl.check(t, o);
        return {
          ok: result.problems.length === 0,
          adapter: name,
          target: t,
          observed: result.observed,
          problems: result.problems,
          warnings: result.warnings ?? [],
        };
      });
    const verify = async (input: BindTargetInput, o: AdapterCallOptions = {}): Promise<Check> => {
      const result = await check(input, o);
      if (!result.ok) throw new BindingDriftError(name, result.problems);
      return result;
    };

    const adapter: Adapter & { [kAdapter]: true } = {
      [kAdapter]: true,
      name,
      bindModes,
      inspect: (o = {}) => guard('inspect', () => impl.inspect(o)),
      apply: (input, o = {}) =>
        guard('apply', async () => {
          const t = target(input);
          const result = await impl.apply(t, o);
          remembered ??= result.previous;
          return {
            changed: result.changed,
            previous: result.previous,
            warnings: result.warnings ?? [],
          };
        }),
      verify,
      check,
      revert: (o = {}) =>
        guard('revert', async () => {
          const previous = o.previous ?? remembered;
          if (previous === undefined) {
            throw new AdapterError(
              name,
              'nothing to revert: apply() was not called on this adapter object; pass the `previous` state that apply() returned',
            );
          }
          await impl.revert(previous, o);
          remembered = undefined;
          return previous;
        }),
      rebind: impl.rebind
        ? async (input, o = {}) => {
            await guard('rebind', () => impl.rebind!(target(input), o));
            return verify(input, o);
          }
        : undefined,
      setListenPort: impl.setListenPort
        ? (port, o = {}) =>
            guard('setListenPort', async () => {
              if (!Number.isInteger(port) || port < 1 || port > 65535) {
                throw new ConfigError(`[${name}] listen port must be 1-65535, got ${port}`, {
                  key: 'port',
                });
              }
              await impl.setListenPort!(port, o);
            })
        : undefined,
      close: () => guard('close', async () => impl.close?.()),
    };
    return adapter;
  };
}
