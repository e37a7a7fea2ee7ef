/**
 * The behavioural suite every adapter runs. It is runner-agnostic: pass `describe` and `it` from
 * vitest (or `node:test`), so `@splitnet/core` does not depend on a test framework. Assertions use
 * `node:assert/strict`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { memoryAdapter, testAdapter } from '@splitnet/core';
 * testAdapter({ describe, it }, 'memory', async () => ({
 *   create: () => memoryAdapter({ app }),
 *   target: { interfaceName: 'wg0', ifindex: 7, addresses: ['10.66.0.2'] },
 * }));
 * ```
 */
import assert from 'node:assert/strict';
import { AdapterError, BindingDriftError, ConfigError, isSplitnetError } from '../errors.js';
import type { Adapter, BindingState, BindTargetInput } from './contract.js';
import { bindTarget } from './contract.js';

/** The two functions of a test runner the suite needs (vitest and `node:test` both fit). */
export interface AdapterTestRunner {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>, timeout?: number): unknown;
}

/** What one test case gets from the adapter author. A fresh one per case. */
export interface AdapterTestSetup {
  /** Makes a new adapter object for the application under test. */
  create(): Adapter;
  /** The target to bind to. The application must NOT already be bound to it. */
  target: BindTargetInput;
  /**
   * Reads the application's binding without the adapter under test (ground truth). Default:
   * `inspect()` of a fresh adapter object.
   */
  observe?(): Promise<BindingState>;
  /** Deletes and re-creates the target interface; returns the new target (new ifindex). */
  recreate?(): Promise<BindTargetInput>;
  /** Makes an adapter with wrong credentials for the same application. */
  wrongCredentials?(): Adapter;
  /** Runs after each case, even a failed one. */
  teardown?(): Promise<void>;
}

export interface AdapterTestOptions {
  /** Per-case timeout in milliseconds. Default: 30 000. */
  timeout?: number | undefined;
}

const same = (a: BindingState, b: BindingState) => ({
  a: { interfaceName: a.interfaceName, address: a.address, mode: a.mode },
  b: { interfaceName: b.interfaceName, address: b.address, mode: b.mode },
});

/** Registers the shared adapter cases under `describe('adapter contract: <name>')`. */
export function testAdapter(
  runner: AdapterTestRunner,
  name: string,
  setup: () => Promise<AdapterTestSetup>,
  options: AdapterTestOptions = {},
): void {
  const timeout = options.timeout ?? 30_000;
  const withSetup =
    (fn: (s: AdapterTestSetup, observe: () => Promise<BindingState>) => Promise<void>) =>
    async () => {
      const s = await setup();
      const observe = s.observe ?? (() => s.create().inspect());
      try {
        await fn(s, observe);
      } finally {
        await s.teardown?.();
      }
    };
  const { describe, it } = runner;

  describe(`adapter contract: ${name}`, () => {
    it(
      'inspect() returns a binding state',
      withSetup(async (s) => {
        const state = await s.create().inspect();
        assert.equal(typeof state.interfaceName, 'string');
        assert.equal(typeof state.address, 'string');
        assert.ok(['device', 'address', 'none'].includes(state.mode), `mode ${state.mode}`);
        assert.doesNotThrow(() => JSON.stringify(state), 'state is JSON-serialisable');
      }),
      timeout,
    );

    it(
      'apply() binds, verify() reads it back, the app reports the target',
      withSetup(async (s, observe) => {
        const adapter = s.create();
        const target = bindTarget(s.target);
        const result = await adapter.apply(target);
        assert.equal(result.changed, true, 'the first apply() changes the app');
        assert.ok(Array.isArray(result.warnings));
        const check = await adapter.verify(target);
        assert.equal(check.ok, true);
        assert.deepEqual(check.problems, []);
        const seen = await observe();
        assert.equal(seen.interfaceName, target.interfaceName);
        assert.equal(seen.mode, target.mode);
      }),
      timeout,
    );

    it(
      'apply() is idempotent',
      withSetup(async (s, observe) => {
        const adapter = s.create();
        const first = await adapter.apply(s.target);
        const afterFirst = await observe();
        const second = await adapter.apply(s.target);
        assert.equal(second.changed, false, 'a second apply() changes nothing');
        const { a, b } = same(await observe(), afterFirst);
        assert.deepEqual(a, b);
        await adapter.verify(s.target);
        // revert() still restores what was there before the FIRST apply().
        await adapter.revert();
        const { a: c, b: d } = same(await observe(), first.previous);
        assert.deepEqual(c, d);
      }),
      timeout,
    );

    it(
      'verify() on an app that is not bound rejects with BindingDriftError; check() reports it',
      withSetup(async (s) => {
        const adapter = s.create();
        const check = await adapter.check(s.target);
        assert.equal(check.ok, false);
        assert.ok(check.problems.length > 0);
        await assert.rejects(adapter.verify(s.target), (e: unknown) => BindingDriftError.is(e));
      }),
      timeout,
    );

    it(
      'revert() restores what inspect() saw before apply()',
      withSetup(async (s, observe) => {
        const adapter = s.create();
        const before = await adapter.inspect();
        await adapter.apply(s.target);
        const restored = await adapter.revert();
        const { a, b } = same(restored, before);
        assert.deepEqual(a, b);
        const { a: c, b: d } = same(await observe(), before);
        assert.deepEqual(c, d);
      }),
      timeout,
    );

    it(
      'revert({ previous }) works from a new adapter object (a new process)',
      withSetup(async (s, observe) => {
        const before = await observe();
        const { previous } = await s.create().apply(s.target);
        const roundTripped = JSON.parse(JSON.stringify(previous)) as BindingState;
        await s.create().revert({ previous: roundTripped });
        const { a, b } = same(await observe(), before);
        assert.deepEqual(a, b);
        await assert.rejects(s.create().revert(), (e: unknown) => AdapterError.is(e));
      }),
      timeout,
    );

    it(
      'an invalid or unsupported target is a ConfigError and changes nothing',
      withSetup(async (s, observe) => {
        const adapter = s.create();
        const before = await observe();
        const bad = { ...bindTarget(s.target), interfaceName: 'no/such name' };
        await assert.rejects(adapter.apply(bad), (e: unknown) => ConfigError.is(e));
        await assert.rejects(adapter.apply({ ...bindTarget(s.target), ifindex: 0 }), (e: unknown) =>
          ConfigError.is(e),
        );
        const unsupported = (['device', 'address'] as const).find(
          (m) => !adapter.bindModes.includes(m),
        );
        if (unsupported) {
          await assert.rejects(
            adapter.apply({ ...bindTarget(s.target), mode: unsupported }),
            (e: unknown) => ConfigError.is(e),
          );
        }
        const { a, b } = same(await observe(), before);
        assert.deepEqual(a, b);
      }),
      timeout,
    );

    it(
      'wrong credentials give a typed error, not a retry loop',
      withSetup(async (s) => {
        if (!s.wrongCredentials) return;
        const adapter = s.wrongCredentials();
        const started = Date.now();
        await assert.rejects(adapter.apply(s.target), (e: unknown) => {
          assert.ok(isSplitnetError(e), 'a SplitnetError');
          assert.ok(/AUTH/.test(e.code), `an authentication code, got ${e.code}`);
          return true;
        });
        assert.ok(Date.now() - started < timeout / 2, 'failed fast');
      }),
      timeout,
    );

    it(
      'rebind() after the interface was re-created verifies against the new ifindex',
      withSetup(async (s) => {
        const adapter = s.create();
        if (!adapter.rebind || !s.recreate) return;
        await adapter.apply(s.target);
        const fresh = await s.recreate();
        assert.notEqual(bindTarget(fresh).ifindex, bindTarget(s.target).ifindex, 'new ifindex');
        const check = await adapter.rebind(fresh);
        assert.equal(check.ok, true);
        await adapter.verify(fresh);
      }),
      timeout,
    );
  });
}
