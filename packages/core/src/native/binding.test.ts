import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  InterfaceDownError,
  InterfaceNotFoundError,
  PermissionError,
} from '../errors.js';
import { boundDeviceOfFd, closeFd, openBoundFd, toSystemError } from './binding.js';
import { createFakeBinding } from './fake-binding.js';
import { setNativeBinding } from './load-native.js';

afterEach(() => setNativeBinding(undefined));

describe('native binding wrapper (fake addon)', () => {
  it('opens an fd bound to an existing, up interface', () => {
    const fake = createFakeBinding({ devices: { wg0: {} } });
    setNativeBinding(fake);
    const fd = openBoundFd('wg0', 4, 'tcp');
    expect(fake.open.get(fd)).toEqual({ family: 4, type: 'tcp', device: 'wg0' });
    expect(boundDeviceOfFd(fd)).toBe('wg0');
    closeFd(fd);
    expect(fake.open.size).toBe(0);
  });

  it('maps ENODEV to InterfaceNotFoundError', () => {
    setNativeBinding(createFakeBinding({ devices: {} }));
    const error = (() => {
      try {
        openBoundFd('wg0', 4, 'tcp');
      } catch (e) {
        return e;
      }
    })();
    expect(InterfaceNotFoundError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/no such interface/);
    expect(((error as Error).cause as { code: string }).code).toBe('ENODEV');
  });

  it('maps EPERM to PermissionError that names CAP_NET_RAW and Linux 5.7', () => {
    setNativeBinding(createFakeBinding({ devices: { wg0: {} }, denyBindToDevice: true }));
    expect(() => openBoundFd('wg0', 6, 'udp')).toThrowError(/CAP_NET_RAW.*5\.7|5\.7.*CAP_NET_RAW/);
    try {
      openBoundFd('wg0', 6, 'udp');
    } catch (e) {
      expect(PermissionError.is(e)).toBe(true);
    }
  });

  it('refuses an interface that is down, and closes the fd it opened', () => {
    const fake = createFakeBinding({ devices: { wg0: { up: false } } });
    setNativeBinding(fake);
    expect(() => openBoundFd('wg0', 4, 'tcp')).toThrowError(/wg0 is down/);
    try {
      openBoundFd('wg0', 4, 'tcp');
    } catch (e) {
      expect(InterfaceDownError.is(e)).toBe(true);
    }
    expect(fake.open.size).toBe(0);
    expect(fake.calls.filter((c) => c[0] === 'closeFd')).toHaveLength(2);
  });

  it('validates interface names before the kernel sees them', () => {
    const fake = createFakeBinding();
    setNativeBinding(fake);
    for (const bad of ['', 'a'.repeat(16), 'wg 0', 'a/b', 'wg0:1']) {
      expect(() => openBoundFd(bad, 4, 'tcp')).toThrowError(ConfigError);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('turns { errno, syscall } into a Node-style error', () => {
    const error = toSystemError({ errno: 111, syscall: 'connect' }, '10.0.0.1:80') as {
      code: string;
      errno: number;
      syscall: string;
      message: string;
    };
    expect(error).toMatchObject({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    expect(error.message).toBe('connect ECONNREFUSED 10.0.0.1:80');
  });
});
