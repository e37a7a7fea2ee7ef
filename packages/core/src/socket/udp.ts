/**
 * `createBoundUdpSocket()`: a `dgram.Socket` whose fd is bound to an interface. It is returned
 * already bound (listening): `dgram.bind({ fd })` emits `'listening'` synchronously (trap 4).
 *
 * Note: libuv's `uv_udp_open` sets `SO_REUSEADDR` on every fd it adopts, so another
 * `SO_REUSEADDR` socket could bind the same address and port. Fine for clients; for a UDP
 * service on a fixed port, keep that in mind.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ConfigError } from '../errors.js';
import { bindFd, closeFd, type IpFamily, openBoundFd } from '../native/binding.js';

export interface BoundUdpSocketOptions {
  /** 4 (default) or 6. Must match every destination (an AF_INET fd cannot send to IPv6). */
  family?: IpFamily | undefined;
  /** Local address to bind (on that interface). Default: unspecified (`0.0.0.0` / `::`). */
  address?: string | undefined;
  /** Local port. Default: 0 (an ephemeral port, chosen at the first send). */
  port?: number | undefined;
  /** Passed to `dgram.bind`; set it under `cluster` workers. Default: true. */
  exclusive?: boolean | undefined;
  /** Extra `dgram.createSocket` options (e.g. `recvBufferSize`). */
  socketOptions?: Omit<dgram.SocketOptions, 'type'> | undefined;
}

export function createBoundUdpSocket(
  ifname: string,
  options: BoundUdpSocketOptions = {},
): dgram.Socket {
  const family = options.family ?? (options.address ? (net.isIP(options.address) as IpFamily) : 4);
  if (family !== 4 && family !== 6) {
    throw new ConfigError(`invalid UDP family or address for ${ifname}: ${options.address}`);
  }
  const fd = openBoundFd(ifname, family, 'udp');
  const socket = dgram.createSocket({
    ...options.socketOptions,
    type: family === 6 ? 'udp6' : 'udp4',
  });
  try {
    if (options.address || options.port) {
      bindFd(fd, family, options.address ?? (family === 6 ? '::' : '0.0.0.0'), options.port ?? 0);
    }
    socket.bind({ fd, exclusive: options.exclusive ?? true });
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  return socket;
}
