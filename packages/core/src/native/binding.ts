/**
 * Typed wrapper around the native helper: validation, errno → Node-style codes, and the typed
 * splitnet errors (interface missing / down, permission). The only module that calls
 * {@link loadNative}; everything else in splitnet goes through these functions.
 */
import { getSystemErrorName } from 'node:util';
import {
  ConfigError,
  InterfaceDownError,
  InterfaceNotFoundError,
  PermissionError,
  SplitnetError,
} from '../errors.js';
import { loadNative } from './load-native.js';

export type IpFamily = 4 | 6;
export type SocketKind = 'tcp' | 'udp';

/** Linux `IFF_UP`. */
const IFF_UP = 0x1;
/** `IFNAMSIZ - 1`: longer names never exist. */
const MAX_IFNAME = 15;
const IFNAME = /^[^\s/:]{1,15}$/;

/** A Node-style system error (`code`, `errno`, `syscall`) as `net` would throw it. */
export interface NodeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/** Turns the addon's `{ errno, syscall }` into a Node-style error with a `code` such as `ENODEV`. */
export function toSystemError(error: unknown, detail?: string): NodeSystemError | Error {
  const raw = error as { errno?: unknown; syscall?: unknown; message?: string };
  if (typeof raw?.errno !== 'number' || typeof raw.syscall !== 'string') return error as Error;
  let code: string;
  try {
    code = getSystemErrorName(-raw.errno);
  } catch {
    code = `E${raw.errno}`;
  }
  const e = new Error(`${raw.syscall} ${code}${detail ? ` ${detail}` : ''}`) as NodeSystemError;
  e.code = code;
  e.errno = -raw.errno;
  e.syscall = raw.syscall;
  return e;
}

/** Checks an interface name before it reaches the kernel (which would say only ENODEV). */
export function validateInterfaceName(ifname: unknown): asserts ifname is string {
  if (typeof ifname !== 'string' || !IFNAME.test(ifname)) {
    throw new ConfigError(
      `invalid interface name ${JSON.stringify(ifname)}: 1-${MAX_IFNAME} characters, no spaces, '/' or ':'`,
    );
  }
}

function mapOpenError(error: unknown, ifname: string): Error {
  if (error instanceof SplitnetError) return error;
  const sys = toSystemError(error, ifname) as Partial<NodeSystemError>;
  switch (sys.code) {
    case 'ENODEV':
      return new InterfaceNotFoundError(
        ifname,
        `cannot bind to ${ifname}: no such interface in this network namespace (ENODEV). Bring it up first (up()), and check the namespace.`,
        { cause: sys },
      );
    case 'EPERM':
    case 'EACCES':
      return new PermissionError(
        `cannot bind a socket to ${ifname} (${sys.code}): kernels before 5.7 need CAP_NET_RAW for SO_BINDTODEVICE; grant it (setcap cap_net_raw+ep) or upgrade the kernel`,
        { cause: sys },
      );
    default:
      return sys as Error;
  }
}

function downError(ifname: string, cause?: unknown): InterfaceDownError {
  return new InterfaceDownError(
    ifname,
    `${ifname} is down: bound sockets cannot send (nothing leaks). Bring it up (ip link set ${ifname} up / up()).`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Opens a non-blocking, close-on-exec socket bound to `ifname`, and (unless `checkUp` is false)
 * checks that the interface is up with one `ioctl`. Throws {@link InterfaceNotFoundError},
 * {@link InterfaceDownError}, {@link PermissionError} or a Node-style system error. The caller owns
 * the fd until it hands it to Node.
 *
 * `checkUp: false` is for TCP connects only: the kernel refuses a connect through a down interface
 * at once (`ENETUNREACH`, nothing sent), and the caller runs {@link interfaceError} on that failure
 * so the error is still the typed one.
 */
export function openBoundFd(
  ifname: string,
  family: IpFamily,
  kind: SocketKind,
  checkUp = true,
): number {
  validateInterfaceName(ifname);
  const native = loadNative();
  let fd: number;
  try {
    fd = native.openSocket(family, kind, ifname);
  } catch (error) {
    throw mapOpenError(error, ifname);
  }
  if (!checkUp) return fd;
  let flags: number;
  try {
    flags = native.getInterfaceFlags(fd, ifname);
  } catch (error) {
    native.closeFd(fd);
    throw mapOpenError(error, ifname);
  }
  if ((flags & IFF_UP) === 0) {
    native.closeFd(fd);
    throw downError(ifname);
  }
  return fd;
}

/**
 * Why a bound socket on `ifname` could not work, checked now (a probe socket and one `ioctl`):
 * {@link InterfaceNotFoundError} or {@link InterfaceDownError} with `cause` as its cause, or
 * `undefined` when the interface exists and is up (or the probe itself fails otherwise). For error
 * paths: it turns a connect failure through a missing or down interface into the typed error.
 */
export function interfaceError(
  ifname: string,
  family: IpFamily,
  cause?: unknown,
): InterfaceNotFoundError | InterfaceDownError | undefined {
  let native: ReturnType<typeof loadNative>;
  let fd: number;
  try {
    native = loadNative();
    fd = native.openSocket(family, 'udp', ifname);
  } catch (error) {
    const mapped = mapOpenError(error, ifname);
    return InterfaceNotFoundError.is(mapped) ? mapped : undefined;
  }
  try {
    const flags = native.getInterfaceFlags(fd, ifname);
    return (flags & IFF_UP) === 0 ? downError(ifname, cause) : undefined;
  } catch (error) {
    const mapped = mapOpenError(error, ifname);
    return InterfaceNotFoundError.is(mapped) ? mapped : undefined;
  } finally {
    native.closeFd(fd);
  }
}

/** Binds an fd from {@link openBoundFd} to a local address (servers, pinned UDP ports). */
export function bindFd(
  fd: number,
  family: IpFamily,
  address: string,
  port: number,
  options: { reuseAddr?: boolean; v6Only?: boolean } = {},
): void {
  try {
    loadNative().bindAddress(
      fd,
      family,
      address,
      port,
      options.reuseAddr ?? false,
      options.v6Only ?? false,
    );
  } catch (error) {
    throw toSystemError(error, `${family === 6 ? `[${address}]` : address}:${port}`);
  }
}

/** Closes an fd that was never handed to Node. Never throws. */
export function closeFd(fd: number): void {
  try {
    loadNative().closeFd(fd);
  } catch {
    // already closed: nothing to do
  }
}

/** The device an fd is bound to (`getsockopt(SO_BINDTODEVICE)`), `''` when unbound. */
export function boundDeviceOfFd(fd: number): string {
  try {
    return loadNative().getBoundDevice(fd);
  } catch (error) {
    throw toSystemError(error);
  }
}
