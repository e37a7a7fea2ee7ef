/** Bounded polling: every wait in the lab has a deadline and says what it waited for. */
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from '@splitnet/core';

export interface WaitOptions {
  /** Give up after this many milliseconds. Default: 5 000. */
  timeout?: number;
  /** Poll interval in milliseconds. Default: 25. */
  interval?: number;
  signal?: AbortSignal | undefined;
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or times out. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeout ?? 5_000;
  const interval = options.interval ?? 25;
  const deadline = Date.now() + timeout;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      throw new TimeoutError(`[lab] timed out after ${timeout} ms waiting for ${what}`, timeout);
    }
    await sleep(interval);
  }
}
