/**
 * A refused login is not retried: qBittorrent, for one, bans the client's address for an hour
 * after five failed logins, and a reconcile loop that retried every tick would walk straight into
 * that ban. After an adapter call fails with `SPLITNET_ERR_AUTH` or `SPLITNET_ERR_AUTH_BANNED`,
 * every later call of that adapter fails with the same error without contacting the app, until
 * the process restarts (with corrected credentials).
 */
import { type Adapter, AuthBannedError, AuthError } from '@splitnet/core';

const guarded = [
  'inspect',
  'apply',
  'verify',
  'check',
  'revert',
  'rebind',
  'setListenPort',
] as const;

export function guardAuth(adapter: Adapter): Adapter {
  let refused: Error | undefined;
  const wrapped: Adapter = { ...adapter };
  for (const method of guarded) {
    const original = adapter[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof original !== 'function') continue;
    (wrapped as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      if (refused) throw refused;
      try {
        return await original.apply(adapter, args);
      } catch (error) {
        if (AuthError.is(error) || AuthBannedError.is(error)) {
          refused = error;
          error.message += ' — not retrying until splitnet restarts: fix the credentials first';
        }
        throw error;
      }
    };
  }
  return wrapped;
}
