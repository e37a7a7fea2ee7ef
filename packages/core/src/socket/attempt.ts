/**
 * One bound TCP attempt: fd bound to the device → `net.Socket` → `connect()`, all in one
 * synchronous block (trap 1: an event-loop turn between fd and connect gives `read ENOTCONN`),
 * with `autoSelectFamily: false` (trap 2: Node's happy eyeballs swaps in an unbound handle) and an
 * IP literal of the fd's family (trap 3).
 */
import net from 'node:net';
import { closeFd, type IpFamily, openBoundFd } from '../native/binding.js';

/**
 * A bound, not yet connected TCP socket, opened with `manualStart` so that it survives an event
 * loop turn before `connect()`. Internal: every public API connects it in the same tick.
 */
export function openBoundTcpSocket(ifname: string, family: IpFamily): net.Socket {
  const fd = openBoundFd(ifname, family, 'tcp');
  try {
    // `manualStart` is an undocumented net.Socket option: without it the constructor starts
    // reading the unconnected fd (see test "ENOTCONN regression").
    return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/** Starts a bound connect to an IP literal. Throws synchronously on fd/interface errors. */
export function startBoundConnect(
  ifname: string,
  family: IpFamily,
  address: string,
  port: number,
): net.Socket {
  const socket = openBoundTcpSocket(ifname, family);
  socket.connect({ host: address, port, autoSelectFamily: false, family });
  return socket;
}
