/**
 * `createBoundServer()`: a TCP `net.Server` listening only on one interface. The fd is bound to
 * the device and to the local address natively (Node's fd path skips `bind()`), then handed to
 * `server.listen({ fd })`. Accepted connections inherit the device binding.
 *
 * Not supported in `cluster` workers (the primary would try to open the fd number).
 */
import net from 'node:net';
import { ConfigError } from '../errors.js';
import { bindFd, closeFd, type IpFamily, openBoundFd } from '../native/binding.js';

export interface BoundServerOptions {
  /** TCP port; 0 (default) picks one (read it from `server.address()`). */
  port?: number | undefined;
  /**
   * Local address. Default `'::'` (both families on that interface), or `'0.0.0.0'` when
   * IPv6 is disabled on the host.
   */
  host?: string | undefined;
  /** For `host: '::'`: accept only IPv6. Default: false. */
  ipv6Only?: boolean | undefined;
  /** Listen backlog. Default: 511. */
  backlog?: number | undefined;
  /** `net.createServer` options (e.g. `allowHalfOpen`, `noDelay`). */
  serverOptions?: net.ServerOpts | undefined;
}

function openAndBind(ifname: string, host: string, port: number, ipv6Only: boolean): number {
  const family = net.isIP(host) as 0 | IpFamily;
  if (family === 0)
    throw new ConfigError(`createBoundServer host must be an IP address, got ${host}`);
  const fd = openBoundFd(ifname, family, 'tcp');
  try {
    bindFd(fd, family, host, port, { reuseAddr: true, v6Only: ipv6Only });
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  return fd;
}

/** Resolves once the server listens on `ifname`. */
export async function createBoundServer(
  ifname: string,
  options: BoundServerOptions = {},
  connectionListener?: (socket: net.Socket) => void,
): Promise<net.Server> {
  const port = options.port ?? 0;
  let fd: number;
  if (options.host) {
    fd = openAndBind(ifname, options.host, port, options.ipv6Only ?? false);
  } else {
    try {
      fd = openAndBind(ifname, '::', port, options.ipv6Only ?? false);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAFNOSUPPORT') throw error;
      fd = openAndBind(ifname, '0.0.0.0', port, false);
    }
  }
  const server = net.createServer(options.serverOptions ?? {}, connectionListener);
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.close();
      reject(error);
    };
    server.once('error', onError);
    try {
      server.listen({ fd, backlog: options.backlog ?? 511 }, () => {
        server.off('error', onError);
        resolve(server);
      });
    } catch (error) {
      closeFd(fd);
      reject(error);
    }
  });
}
