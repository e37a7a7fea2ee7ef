/**
 * DNS transports. {@link createBoundTransport} sends every query from a socket bound to the
 * tunnel interface (UDP, and TCP when a reply is truncated), so DNS cannot leak by the uplink.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { TimeoutError } from '../errors.js';
import { createBoundSocket } from '../socket/connect.js';
import { createBoundUdpSocket } from '../socket/udp.js';
import type { DnsTransport } from './types.js';

type UdpFactory = (family: 4 | 6) => dgram.Socket;
type TcpFactory = (
  server: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<net.Socket>;

function timeoutError(what: string, ms: number) {
  return new TimeoutError(`[dns] ${what} did not answer within ${ms} ms`, ms);
}

function udpQuery(open: UdpFactory): DnsTransport['udp'] {
  return (server, port, query, id, timeoutMs, signal) =>
    new Promise((resolve, reject) => {
      let socket: dgram.Socket;
      try {
        socket = open(net.isIPv6(server) ? 6 : 4);
      } catch (error) {
        reject(error);
        return;
      }
      const done = (error: unknown, response?: Buffer) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.close();
        if (response) resolve(response);
        else reject(error);
      };
      const onAbort = () => done(signal?.reason);
      const timer = setTimeout(
        () => done(timeoutError(`${server}:${port} (udp)`, timeoutMs)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (error) => done(error));
      socket.on('message', (message, rinfo) => {
        // Ignore anything that is not the answer to this query from this server.
        if (rinfo.port !== port || message.length < 2 || message.readUInt16BE(0) !== id) return;
        if (
          net.isIP(rinfo.address) &&
          rinfo.address !== server &&
          `::ffff:${server}` !== rinfo.address
        )
          return;
        done(undefined, message);
      });
      socket.send(query, port, server, (error) => {
        if (error) done(error);
      });
    });
}

function tcpQuery(connect: TcpFactory): DnsTransport['tcp'] {
  return async (server, port, query, timeoutMs, signal) => {
    const socket = await connect(server, port, timeoutMs, signal);
    return new Promise((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const done = (error: unknown, response?: Buffer) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        if (response) resolve(response);
        else reject(error);
      };
      const onAbort = () => done(signal?.reason);
      const timer = setTimeout(
        () => done(timeoutError(`${server}:${port} (tcp)`, timeoutMs)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (error) => done(error));
      socket.on('end', () => done(new Error(`[dns] ${server}:${port} closed the TCP connection`)));
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
          done(undefined, buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
        }
      });
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
    });
  };
}

/** Every query leaves from a socket bound to `ifname` (the default for bound connections). */
export function createBoundTransport(ifname: string): DnsTransport {
  return {
    udp: udpQuery((family) => createBoundUdpSocket(ifname, { family })),
    tcp: tcpQuery((server, port, timeout, signal) =>
      createBoundSocket(ifname, { host: server, port, timeout, signal }),
    ),
  };
}

/**
 * Unbound sockets: queries follow the host's routing table. For tests on loopback only; with a
 * tunnel this is the leak that {@link createBoundTransport} exists to prevent.
 */
export function createUnboundTransport(): DnsTransport {
  return {
    udp: udpQuery((family) => {
      const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      socket.bind(0);
      return socket;
    }),
    tcp: tcpQuery(
      (server, port, timeout) =>
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: server, port, timeout, autoSelectFamily: false });
          socket.once('connect', () => {
            socket.setTimeout(0);
            resolve(socket);
          });
          socket.once('timeout', () => {
            socket.destroy();
            reject(timeoutError(`${server}:${port} (tcp connect)`, timeout));
          });
          socket.once('error', reject);
        }),
    ),
  };
}
