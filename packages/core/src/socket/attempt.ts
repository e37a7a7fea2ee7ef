/**
 * One bound TCP attempt: fd bound to the device → `net.Socket` → `connect()`, all in one
 * synchronous block (trap 1: an event-loop turn between fd and connect gives `read ENOTCONN`),
 * with `autoSelectFamily: false` (trap 2: Node's happy eyeballs swaps in an unbound handle) and an
 * IP literal of the fd's family (trap 3).
 */
import net from 'node:net';
import { TimeoutError } from '../errors.js';
import { closeFd, type IpFamily, interfaceError, openBoundFd } from '../native/binding.js';
import { addDeadline, clearDeadline } from './deadlines.js';
import { diagnoseFamily } from './families.js';

/**
 * A bound, not yet connected TCP socket, opened with `manualStart` so that it survives an event
 * loop turn before `connect()`. Internal: every public API connects it in the same tick.
 */
export function openBoundTcpSocket(ifname: string, family: IpFamily, checkUp = true): net.Socket {
  const fd = openBoundFd(ifname, family, 'tcp', checkUp);
  try {
    // `manualStart` is an undocumented net.Socket option: without it the constructor starts
    // reading the unconnected fd (see test "ENOTCONN regression").
    return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
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
  const socket = openBoundTcpSocket(ifname, family, checkUp);
  socket.connect({ host: address, port, autoSelectFamily: false, family });
  return socket;
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
