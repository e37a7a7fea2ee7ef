import { describe, expect, it } from 'vitest';
import {
  AdapterError,
  AuthError,
  ConfigError,
  InterfaceNotFoundError,
  isSplitnetError,
} from '../errors.js';
import { bindingState, bindTarget, defineAdapter, isAdapter } from './contract.js';
import { type MemoryApp, memoryAdapter } from './memory.js';
import { plainAddress, resolveBindTarget, targetFromInterface } from './target.js';
import { testAdapter } from './test-suite.js';

const target = { interfaceName: 'wg0', ifindex: 7, addresses: ['10.66.0.2'] };

// The shared suite, proven on the in-memory application.
testAdapter({ describe, it }, 'memory', async () => {
  const app: MemoryApp = {
    interfaceName: 'eth9',
    address: '',
    password: 'right',
    interfaces: new Map([['wg0', 7]]),
  };
  return {
    create: () => memoryAdapter({ app, password: 'right' }),
    target,
    wrongCredentials: () => memoryAdapter({ app, password: 'wrong' }),
    async recreate() {
      app.interfaces?.set('wg0', 8);
      return { ...target, ifindex: 8 };
    },
  };
});

describe('defineAdapter', () => {
  it('brands adapters and defaults bindModes to device', () => {
    const adapter = defineAdapter(() => ({
      name: 'x',
      inspect: async () => bindingState('', ''),
      apply: async () => ({ changed: false, previous: bindingState('', '') }),
      check: async () => ({ observed: bindingState('', ''), problems: [] }),
      revert: async () => {},
    }))({});
    expect(isAdapter(adapter)).toBe(true);
    expect(isAdapter({ name: 'x' })).toBe(false);
    expect(adapter.bindModes).toEqual(['device']);
    expect(adapter.rebind).toBeUndefined();
  });

  it('wraps untyped failures in AdapterError with the cause', async () => {
    const boom = new TypeError('boom');
    const adapter = defineAdapter(() => ({
      name: 'x',
      inspect: async () => {
        throw boom;
      },
      apply: async () => ({ changed: false, previous: bindingState('', '') }),
      check: async () => ({ observed: bindingState('', ''), problems: [] }),
      revert: async () => {},
    }))({});
    const error = await adapter.inspect().catch((e: unknown) => e);
    expect(AdapterError.is(error)).toBe(true);
    expect((error as AdapterError).cause).toBe(boom);
    expect((error as AdapterError).message).toMatch(/^\[splitnet\] \[x\] inspect failed: boom/);
  });

  it('keeps typed errors as they are', async () => {
    const adapter = memoryAdapter({
      app: { interfaceName: '', address: '', password: 'a' },
      password: 'b',
    });
    const error = await adapter.inspect().catch((e: unknown) => e);
    expect(AuthError.is(error)).toBe(true);
  });

  it('validates setListenPort', async () => {
    const app: MemoryApp = { interfaceName: '', address: '' };
    const adapter = memoryAdapter({ app });
    await expect(adapter.setListenPort!(0)).rejects.toSatisfy(ConfigError.is);
    await adapter.setListenPort!(51413);
    expect(app.listenPort).toBe(51413);
  });

  it('binds by address when asked and the adapter supports it', async () => {
    const app: MemoryApp = { interfaceName: '', address: '' };
    const adapter = memoryAdapter({ app });
    await adapter.apply({ ...target, mode: 'address' });
    expect(app).toMatchObject({ interfaceName: 'wg0', address: '10.66.0.2' });
    expect((await adapter.inspect()).mode).toBe('address');
  });
});

describe('bind targets', () => {
  it('validates interface names, ifindex and mode', () => {
    expect(bindTarget({ interfaceName: 'wg0', ifindex: 1 })).toEqual({
      interfaceName: 'wg0',
      ifindex: 1,
      addresses: [],
      mode: 'device',
    });
    for (const bad of ['', 'a'.repeat(16), 'a b', 'a/b', '..']) {
      expect(() => bindTarget({ interfaceName: bad, ifindex: 1 })).toThrow(ConfigError);
    }
    const error = (() => {
      try {
        bindTarget({ interfaceName: 'wg0', ifindex: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(isSplitnetError(error) && (error as ConfigError).key).toBe('ifindex');
  });

  it('builds a target from up() output', () => {
    expect(
      targetFromInterface({
        name: 'wg0',
        ifindex: 9,
        addresses: ['10.66.0.2/32', { address: '2001:db8:66::2/128' }],
      }),
    ).toEqual({
      interfaceName: 'wg0',
      ifindex: 9,
      addresses: ['10.66.0.2', '2001:db8:66::2'],
      mode: 'device',
    });
    expect(plainAddress('fe80::1%wg0')).toBe('fe80::1');
  });

  it('derives the binding mode', () => {
    expect(bindingState('', '').mode).toBe('none');
    expect(bindingState('wg0', '').mode).toBe('device');
    expect(bindingState('wg0', '10.66.0.2').mode).toBe('address');
  });
});

describe('resolveBindTarget (reads `ip -j addr`, changes nothing)', () => {
  it('reads the loopback interface', async () => {
    const lo = await resolveBindTarget('lo');
    expect(lo).toMatchObject({ interfaceName: 'lo', ifindex: 1, mode: 'device' });
    expect(lo.addresses).toContain('127.0.0.1');
  });

  it('a missing interface is InterfaceNotFoundError', async () => {
    await expect(resolveBindTarget('splitnetnx0')).rejects.toSatisfy(InterfaceNotFoundError.is);
    await expect(resolveBindTarget('bad name')).rejects.toSatisfy(ConfigError.is);
  });
});
