/**
 * RFC 8305-style connection racing over already resolved addresses, each attempt on its own
 * device-bound fd. The first attempt to connect wins; the others are destroyed.
 */
import type net from 'node:net';
import {
  ConfigError,
  InterfaceDownError,
  InterfaceNotFoundError,
  NativeUnavailableError,
  PermissionError,
} from '../errors.js';
import type { IpFamily } from '../native/binding.js';

export interface RaceAddress {
  address: string;
  family: IpFamily;
}

export interface RaceOptions {
  /** Delay before the next attempt starts while earlier ones are still pending. */
  attemptDelay: number;
  signal?: AbortSignal | undefined;
}

/** Errors that no other address can fix: stop the race at once. */
export function isFatal(error: unknown): boolean {
  return (
    InterfaceNotFoundError.is(error) ||
    InterfaceDownError.is(error) ||
    PermissionError.is(error) ||
    NativeUnavailableError.is(error) ||
    ConfigError.is(error)
  );
}

/** Orders addresses v6, v4, v6, v4, … keeping each family's own order (RFC 8305 §4). */
export function interleave<T extends { family: number }>(addresses: readonly T[]): T[] {
  const v6 = addresses.filter((a) => a.family === 6);
  const v4 = addresses.filter((a) => a.family !== 6);
  const out: T[] = [];
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (v6[i]) out.push(v6[i]!);
    if (v4[i]) out.push(v4[i]!);
  }
  return out;
}

/**
 * Races `start(address)` attempts. `start` must return a socket that is already connecting (or
 * throw synchronously). Rejects with the only error, or an AggregateError carrying all of them.
 */
export function race(
  addresses: readonly RaceAddress[],
  start: (address: RaceAddress) => net.Socket,
  options: RaceOptions,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const pending = new Set<net.Socket>();
    const errors: Error[] = [];
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;

    const finish = (error: unknown, winner?: net.Socket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const socket of pending) if (socket !== winner) socket.destroy();
      pending.clear();
      if (winner) resolve(winner);
      else reject(error);
    };
    const failAll = () => {
      if (errors.length === 1) return finish(errors[0]);
      const first = errors[0] as Error & { code?: string };
      const all = new AggregateError(errors, errors.map((e) => e.message).join('; '));
      Object.assign(all, { code: first?.code });
      finish(all);
    };
    const onAbort = () => finish(options.signal?.reason);

    const startNext = (): void => {
      if (done) return;
      clearTimeout(timer);
      const address = addresses[next++];
      if (!address) {
        if (pending.size === 0) failAll();
        return;
      }
      let socket: net.Socket;
      try {
        socket = start(address);
      } catch (error) {
        if (isFatal(error)) {
          finish(error);
          return;
        }
        errors.push(error as Error);
        startNext();
        return;
      }
      pending.add(socket);
      const onError = (error: Error) => {
        pending.delete(socket);
        socket.destroy();
        errors.push(error);
        startNext();
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        pending.delete(socket);
        finish(undefined, socket);
      });
      if (next < addresses.length) timer = setTimeout(startNext, options.attemptDelay);
    };

    if (options.signal?.aborted) return finish(options.signal.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (addresses.length === 0) return finish(new Error('no addresses to connect to'));
    startNext();
  });
}
