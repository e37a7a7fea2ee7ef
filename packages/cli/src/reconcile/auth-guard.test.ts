import { type Adapter, AuthError, memoryAdapter } from '@splitnet/core';
import { describe, expect, it } from 'vitest';
import { guardAuth } from './auth-guard.js';

/** A memory app that refuses the adapter's password, counting every call that reaches it. */
function refusingAdapter() {
  const inner = memoryAdapter({
    app: { interfaceName: '', address: '', password: 'right' },
    password: 'wrong',
  });
  const counter = { calls: 0 };
  const counted: Adapter = {
    ...inner,
    inspect: (o) => {
      counter.calls++;
      return inner.inspect(o);
    },
    check: (t, o) => {
      counter.calls++;
      return inner.check(t, o);
    },
  };
  return { adapter: counted, counter };
}

describe('guardAuth (a refused login is never retried)', () => {
  it('stops contacting the app after an auth error', async () => {
    const { adapter, counter } = refusingAdapter();
    const guarded = guardAuth(adapter);
    for (let i = 0; i < 5; i++) await expect(guarded.inspect()).rejects.toSatisfy(AuthError.is);
    await expect(guarded.check({ interfaceName: 'wg0', ifindex: 3 })).rejects.toThrow(
      /not retrying/,
    );
    expect(counter.calls).toBe(1);
  });

  it('passes results through', async () => {
    const guarded = guardAuth(memoryAdapter({}));
    expect((await guarded.inspect()).interfaceName).toBe('');
  });
});
