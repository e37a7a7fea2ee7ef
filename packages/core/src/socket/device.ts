/**
 * `boundDevice()`: reads back (`getsockopt(SO_BINDTODEVICE)`) which device a socket handed out by
 * splitnet is bound to. Works for `net.Socket`, `tls.TLSSocket` (through the socket it wraps),
 * `net.Server` and `dgram.Socket`. Tests use it to prove that no API hands out an unbound socket.
 */
import dgram from 'node:dgram';
import { boundDeviceOfFd } from '../native/binding.js';

type WithHandle = { _handle?: { fd?: number } | null; _parent?: unknown; [k: symbol]: unknown };

/** The fd behind a Node socket, server or TLS socket, or undefined when it has none. */
export function socketFd(socket: unknown): number | undefined {
  let current = socket as WithHandle | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    // dgram.Socket#_handle is a deprecated getter (DEP0112): read its state instead.
    const fd = current instanceof dgram.Socket ? undefined : current._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
    // dgram keeps its handle behind a symbol (kStateSymbol).
    for (const sym of Object.getOwnPropertySymbols(current)) {
      const state = current[sym] as { handle?: { fd?: number } } | undefined;
      const stateFd = state && typeof state === 'object' ? state.handle?.fd : undefined;
      if (typeof stateFd === 'number' && stateFd >= 0) return stateFd;
    }
    current = current._parent as WithHandle | undefined;
  }
  return undefined;
}

/** The device the socket is bound to, `''` when unbound. Throws when it has no fd. */
export function boundDevice(socket: unknown): string {
  const fd = socketFd(socket);
  if (fd === undefined) throw new Error('[splitnet] this socket has no file descriptor');
  return boundDeviceOfFd(fd);
}
