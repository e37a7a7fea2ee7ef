/**
 * The lean path of `createBoundSocket` for an IP literal (issue 3, connect+close benchmark): no
 * DNS, no race, one timer, no AbortController, and still every guarantee of the general path.
 * Real sockets on `lo` (no privilege needed on Linux 5.7+); 192.0.2.1 through `lo` never answers,
 * which stands in for a tunnel that cannot reach the destination.
 */

import { getEventListeners } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  FamilyUnavailableError,
  InterfaceDownError,
  InterfaceNotFoundError,
  TimeoutError,
} from '../errors.js';
import { createFakeBinding } from '../native/fake-binding.js';
import { loadNative, type NativeBinding, setNativeBinding } from '../native/load-native.js';
import { canAdoptIntoHandle } from './attempt.js';
import { createBoundSocket } from './connect.js';
import { pendingDeadlines } from './deadlines.js';
import { boundDevice } from './device.js';
import { nativeAvailable, openFds, readAll } from './fixtures/loopback.js';

const native = nativeAvailable('IP-literal fast-path tests');

const BLACKHOLE = '192.0.2.1'; // TEST-NET-1: through `lo` the SYN goes nowhere, connect hangs
const settle = () => new Promise((r) => setTimeout(r, 50));

let echo: net.Server;
let port: number;

beforeAll(async () => {
  echo = net.createServer((s) => s.on('error', () => {}).end(`${s.remoteAddress}`));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  port = (echo.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((r) => echo.close(r)));
afterEach(() => {
  vi.restoreAllMocks();
  setNativeBinding(undefined);
});

describe.skipIf(!native)('createBoundSocket: IP-literal fast path', () => {
  it('opens, binds and connects the fd in the calling tick: one deadline, no AbortController, no interface-state syscall, autoSelectFamily false', async () => {
    expect(canAdoptIntoHandle()).toBe(true); // the once-per-process probe, before the spies
    const real = loadNative();
    const calls: string[] = [];
    const recording: NativeBinding = {
      ...real,
      openSocket: (...args) => {
        calls.push('openSocket');
        return real.openSocket(...args);
      },
      getInterfaceFlags: (...args) => {
        calls.push('getInterfaceFlags');
        return real.getInterfaceFlags(...args);
      },
    };
    setNativeBinding(recording);
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const Original = globalThis.AbortController;
    let controllers = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        controllers++;
      }
    };
    let pending: Promise<net.Socket>;
    try {
      pending = createBoundSocket('lo', { host: '127.0.0.1', port });
      // Everything below happened before createBoundSocket returned (trap 1: no loop turn).
      expect(calls).toEqual(['openSocket']);
      expect(connect).toHaveBeenCalledTimes(1);
      expect(connect.mock.calls[0]?.[0]).toMatchObject({
        host: '127.0.0.1',
        port,
        autoSelectFamily: false,
      });
      expect(pendingDeadlines()).toBe(1);
      expect(timers.mock.calls.length).toBeLessThanOrEqual(1); // the shared timer, if not armed yet
      expect(controllers).toBe(0);
    } finally {
      globalThis.AbortController = Original;
      timers.mockRestore();
    }
    const socket = await pending;
    expect(pendingDeadlines()).toBe(0);
    expect(boundDevice(socket)).toBe('lo');
    expect(await readAll(socket)).toBe('127.0.0.1');
    expect(socket.listenerCount('error')).toBe(1); // only readAll's: ours is gone
  });

  it('with a signal: one abort listener while connecting, none once connected', async () => {
    const controller = new AbortController();
    const pending = createBoundSocket('lo', { host: '127.0.0.1', port, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const socket = await pending;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(boundDevice(socket)).toBe('lo');
    controller.abort(); // too late to matter
    expect(await readAll(socket)).toBe('127.0.0.1');
  });

  it('times out with TimeoutError and releases the fd', async () => {
    const before = openFds();
    const started = Date.now();
    const error = await createBoundSocket('lo', { host: BLACKHOLE, port: 9, timeout: 100 }).catch(
      (e) => e,
    );
    expect(TimeoutError.is(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(99);
    expect(pendingDeadlines()).toBe(0);
    expect((error as Error).message).toContain(`${BLACKHOLE}:9 through lo`);
    expect(Date.now() - started).toBeLessThan(2000);
    await settle();
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('rejects with signal.reason when aborted mid-connect, and never opens an fd for an aborted signal', async () => {
    const before = openFds();
    const controller = new AbortController();
    const pending = createBoundSocket('lo', {
      host: BLACKHOLE,
      port: 9,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(pending).rejects.toThrow('cancelled');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    const fake = createFakeBinding();
    setNativeBinding(fake);
    await expect(
      createBoundSocket('lo', { host: '127.0.0.1', port, signal: controller.signal }),
    ).rejects.toThrow('cancelled');
    expect(fake.calls).toEqual([]);
    setNativeBinding(undefined);
    await settle();
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  it('turns "unreachable" on a family the interface lacks into FamilyUnavailableError', async () => {
    // `lo` without its IPv6 address, as the connect path sees it.
    const v4only = { lo: os.networkInterfaces().lo?.filter((a) => a.family === 'IPv4') ?? [] };
    vi.spyOn(os, 'networkInterfaces').mockReturnValue(v4only);
    const error = await createBoundSocket('lo', { host: '100::1', port: 9 }).catch((e) => e);
    expect(FamilyUnavailableError.is(error)).toBe(true);
    expect((error as Error & { cause?: { code?: string } }).cause?.code).toBe('ENETUNREACH');
  });

  it('checks the interface state only when a connect fails, and then gives the typed error', async () => {
    // `lo` as if it were down: the kernel refuses the connect (100::1 has no route through lo:
    // ENETUNREACH, as through a down interface), and only then is the interface state read.
    const real = loadNative();
    const calls: string[] = [];
    setNativeBinding({
      ...real,
      getInterfaceFlags: (fd, ifname) => {
        calls.push('getInterfaceFlags');
        return real.getInterfaceFlags(fd, ifname) & ~0x1; // IFF_UP cleared
      },
    });
    const before = openFds();
    const down = await createBoundSocket('lo', { host: '100::1', port: 9 }).catch((e) => e);
    expect(InterfaceDownError.is(down)).toBe(true);
    expect((down as Error & { cause?: { code?: string } }).cause?.code).toBe('ENETUNREACH');
    expect(calls).toEqual(['getInterfaceFlags']); // once, on the error path
    await settle();
    expect(openFds()).toBeLessThanOrEqual(before); // the probe fd is closed too
  });

  it('keeps the other typed errors: interface missing, family mismatch', async () => {
    const fake = createFakeBinding({ devices: {} });
    setNativeBinding(fake);
    const missing = await createBoundSocket('wg0', { host: '10.66.0.1', port: 80 }).catch((e) => e);
    expect(InterfaceNotFoundError.is(missing)).toBe(true);
    expect(fake.open.size).toBe(0);
    await expect(
      createBoundSocket('wg0', { host: '10.66.0.1', port: 80, family: 6 }),
    ).rejects.toThrow(ConfigError);
  });
});

describe('createBoundSocket: option checks', () => {
  it('rejects what the schema rejects, whether or not the quick shape check applies', async () => {
    const fake = createFakeBinding();
    setNativeBinding(fake);
    const bad: unknown[] = [
      null,
      { host: '', port: 80 },
      { host: '127.0.0.1', port: 0 },
      { host: '127.0.0.1', port: 65536 },
      { host: '127.0.0.1', port: 80.5 },
      { host: '127.0.0.1', port: '80' },
      { host: '127.0.0.1', port: 80, family: 5 },
      { host: '127.0.0.1', port: 80, timeout: 0 },
      { host: '127.0.0.1', port: 80, timeout: Number.POSITIVE_INFINITY },
      { host: '127.0.0.1', port: 80, timeout: Number.NaN },
      { host: '127.0.0.1', port: 80, attemptDelay: -1 },
      { host: '127.0.0.1', port: 80, dns: 'x' },
    ];
    for (const options of bad) {
      await expect(
        createBoundSocket('lo', options as Parameters<typeof createBoundSocket>[1]),
      ).rejects.toThrow(ConfigError);
    }
    expect(fake.calls).toEqual([]); // nothing reached the kernel
  });
});
