/**
 * One bound TCP attempt: an fd bound to the device, put into the `net.Socket` before anything
 * connects, then `connect()` to an IP literal of the fd's family, all in one synchronous block.
 * `autoSelectFamily: false` always: Node's happy eyeballs would swap in an unbound handle
 * (research trap 2).
 *
 * Two ways to hand the fd to Node (see docs/bound-sockets.md):
 * - adoption (the normal path): `new net.Socket().connect(ip)` creates an fd-less libuv handle and
 *   defers the kernel connect to the next tick; the bound fd is opened into that handle now
 *   (`uv_tcp_open`), so the deferred connect uses it. The same JS path as `net.connect()`.
 * - from the fd (`new net.Socket({ fd, manualStart })`), for a Node that would not defer: Node
 *   first guesses the fd's type with three syscalls, about 30 µs more per connect.
 */
import net from 'node:net';
import { TimeoutError } from '../errors.js';
import {
  closeFd,
  type IpFamily,
  interfaceError,
  openBoundFd,
  toSystemError,
} from '../native/binding.js';
import { addDeadline, clearDeadline } from './deadlines.js';
import { diagnoseFamily } from './families.js';

/** The part of Node's private libuv TCP handle (`socket._handle`) that adoption uses. */
interface TcpHandle {
  /** -1 while libuv has created no socket for the handle. */
  readonly fd: number;
  /** `uv_tcp_open`: 0, or a negative libuv error code. */
  open(fd: number): number;
}

const handleOf = (socket: net.Socket) =>
  (socket as unknown as { _handle?: TcpHandle | null })._handle;

let adoption: boolean | undefined;

/**
 * Whether this Node leaves the handle of a fresh `connect()` to an IP literal without an fd until
 * the next tick, so that a bound fd can be adopted before the kernel sees a connect. Node defers
 * it with `process.nextTick` (`lookupAndConnect` in lib/net.js, for many majors). Probed once per
 * process on a socket destroyed before that tick: no syscall, no packet. On a Node that connected
 * at once, the probe's one SYN would go to 127.0.0.1, which never leaves the host.
 */
export function canAdoptIntoHandle(): boolean {
  if (adoption === undefined) {
    const probe = new net.Socket();
    probe.on('error', () => {});
    probe.connect({ host: '127.0.0.1', port: 9, autoSelectFamily: false });
    const handle = handleOf(probe);
    adoption = handle?.fd === -1 && typeof handle.open === 'function';
    probe.destroy();
  }
  return adoption;
}

/**
 * Adoption: a `net.Socket` connecting to `address` through the bound `fd`, which the socket owns
 * from here on (closed on failure). Throws a Node-style system error if libuv refuses the fd, and
 * refuses (before any connect) a handle that already has a socket of its own.
 */
export function connectAdopting(
  fd: number,
  family: IpFamily,
  address: string,
  port: number,
): net.Socket {
  const socket = new net.Socket();
  let result: number;
  try {
    socket.connect({ host: address, port, autoSelectFamily: false, family });
    const handle = handleOf(socket);
    if (!handle || handle.fd !== -1) {
      throw new Error('[splitnet] Node created its own socket before the bound fd was adopted');
    }
    result = handle.open(fd);
  } catch (error) {
    socket.destroy();
    closeFd(fd);
    throw error;
  }
  if (result !== 0) {
    socket.destroy(); // cancels the deferred connect: `connecting` is false from here
    closeFd(fd);
    throw toSystemError({ errno: -result, syscall: 'uv_tcp_open' });
  }
  return socket;
}

/**
 * A `net.Socket` on the bound `fd`, not yet connected, which owns the fd from here on. Opened
 * with `manualStart` so that it survives an event-loop turn before `connect()`: without it the
 * constructor starts reading the unconnected fd and Node destroys the socket with `read ENOTCONN`
 * (research trap 1; `manualStart` is an undocumented option, see test "ENOTCONN regression").
 */
export function socketFromFd(fd: number): net.Socket {
  try {
    return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/** A bound, not yet connected TCP socket ({@link socketFromFd} on a fresh bound fd). */
export function openBoundTcpSocket(ifname: string, family: IpFamily, checkUp = true): net.Socket {
  return socketFromFd(openBoundFd(ifname, family, 'tcp', checkUp));
}

/**
 * Starts a bound connect to an IP literal. Throws synchronously on fd/interface errors. With
 * `checkUp: false` a down interface shows up as the connect's error instead (see
 * {@link diagnoseConnectError}).
 */
export function startBoundConnect(
  ifname: string,
  family: IpFamily,
  address: string,
  port: number,
  checkUp = true,
): net.Socket {
  const fd = openBoundFd(ifname, family, 'tcp', checkUp);
  if (canAdoptIntoHandle()) return connectAdopting(fd, family, address, port);
  return socketFromFd(fd).connect({ host: address, port, autoSelectFamily: false, family });
}

/**
 * The typed error for a failed bound connect: {@link InterfaceDownError} or
 * {@link InterfaceNotFoundError} when the interface is down or gone now (checked only here, on the
 * error path), {@link FamilyUnavailableError} for "unreachable" on a family the interface lacks,
 * else the error itself.
 */
export function diagnoseConnectError(error: unknown, ifname: string, family: IpFamily): unknown {
  return interfaceError(ifname, family, error) ?? diagnoseFamily(error, ifname, family);
}

/** The {@link TimeoutError} of a bound connect that took longer than `timeout` ms. */
export function connectTimeoutError(
  ifname: string,
  host: string,
  port: number,
  timeout: number,
): TimeoutError {
  return new TimeoutError(
    `connecting to ${host}:${port} through ${ifname} timed out after ${timeout} ms (a socket bound to an interface that cannot reach the destination hangs: check the tunnel's routes, peer and AllowedIPs)`,
    timeout,
  );
}

/**
 * One bound connect to one IP literal, with its own deadline and optional signal: the lean path
 * for `createBoundSocket` when there is nothing to resolve and nothing to race. The fd is created
 * and connected before this returns (same tick as the caller); a deadline on the shared connect
 * timer (`deadlines.ts`), no AbortController, an abort listener only when a signal is given, and
 * no per-connect interface-state syscall: the kernel refuses a connect through a down interface at
 * once, and that failure is diagnosed ({@link diagnoseConnectError}). Rejects with {@link InterfaceNotFoundError},
 * {@link InterfaceDownError}, {@link PermissionError}, {@link FamilyUnavailableError},
 * {@link TimeoutError}, a Node system error or `signal.reason`.
 */
export function connectBound(
  ifname: string,
  family: IpFamily,
  address: string,
  port: number,
  timeout: number,
  signal?: AbortSignal,
): Promise<net.Socket> {
  let socket: net.Socket;
  try {
    socket = startBoundConnect(ifname, family, address, port, false);
  } catch (error) {
    return Promise.reject(diagnoseConnectError(error, ifname, family));
  }
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      clearDeadline(deadline);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error) => fail(diagnoseConnectError(error, ifname, family));
    const onAbort = () => fail(signal?.reason);
    const onConnect = () => {
      clearDeadline(deadline);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolve(socket);
    };
    const deadline = addDeadline(timeout, () =>
      fail(connectTimeoutError(ifname, address, port, timeout)),
    );
    socket.once('error', onError);
    socket.once('connect', onConnect);
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
