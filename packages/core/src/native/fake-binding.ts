/**
 * A fake of the native helper for unit tests: no compiler, no root, no interfaces. It simulates
 * devices (present / down), records every call, hands out fake fd numbers and throws the same
 * `{ errno, syscall }` objects as the addon. Install it with `setNativeBinding(fake)`.
 *
 * Fake fds are not real sockets: use them to test validation, error mapping and fd hygiene; use
 * the real addon on `lo` to test sockets.
 */
import { constants } from 'node:os';
import type { NativeBinding } from './load-native.js';

export interface FakeDevice {
  /** Administratively up. Default: true. */
  up?: boolean;
}

export interface FakeBindingOptions {
  /** Interfaces that exist, by name. Default: `{ lo: {} }`. */
  devices?: Record<string, FakeDevice>;
  /** Simulate a kernel before 5.7 without CAP_NET_RAW: SO_BINDTODEVICE gives EPERM. */
  denyBindToDevice?: boolean;
}

export interface FakeBinding extends NativeBinding {
  /** Every call, in order: `[name, ...args]`. */
  readonly calls: unknown[][];
  /** Open fake fds and the device each is bound to. */
  readonly open: Map<number, { family: 4 | 6; type: 'tcp' | 'udp'; device: string }>;
  readonly devices: Record<string, FakeDevice>;
}

const errno = (name: keyof typeof constants.errno, syscall: string) =>
  Object.assign(new Error(`${syscall} failed`), { errno: constants.errno[name], syscall });

export function createFakeBinding(options: FakeBindingOptions = {}): FakeBinding {
  const devices = options.devices ?? { lo: {} };
  const open = new Map<number, { family: 4 | 6; type: 'tcp' | 'udp'; device: string }>();
  const calls: unknown[][] = [];
  let next = 10_000;
  const fdOrThrow = (fd: number, syscall: string) => {
    const entry = open.get(fd);
    if (!entry) throw errno('EBADF', syscall);
    return entry;
  };
  return {
    calls,
    open,
    devices,
    openSocket(family, type, ifname) {
      calls.push(['openSocket', family, type, ifname]);
      if (options.denyBindToDevice) throw errno('EPERM', 'setsockopt');
      if (!(ifname in devices)) throw errno('ENODEV', 'setsockopt');
      const fd = next++;
      open.set(fd, { family, type, device: ifname });
      return fd;
    },
    bindAddress(fd, family, address, port, reuseAddr, v6Only) {
      calls.push(['bindAddress', fd, family, address, port, reuseAddr, v6Only]);
      fdOrThrow(fd, 'bind');
    },
    getBoundDevice(fd) {
      calls.push(['getBoundDevice', fd]);
      return fdOrThrow(fd, 'getsockopt').device;
    },
    getInterfaceFlags(fd, ifname) {
      calls.push(['getInterfaceFlags', fd, ifname]);
      fdOrThrow(fd, 'ioctl');
      const device = devices[ifname];
      if (!device) throw errno('ENODEV', 'ioctl');
      return device.up === false ? 0x1000 : 0x1 | 0x40 | 0x1000;
    },
    closeFd(fd) {
      calls.push(['closeFd', fd]);
      fdOrThrow(fd, 'close');
      open.delete(fd);
    },
  };
}
