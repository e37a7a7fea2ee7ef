/**
 * A TCP client whose connection can only leave through the VPN interface. In the lab:
 *
 *   ip netns exec snlab-<id>-home node --import tsx examples/bound-tcp-client.ts \
 *     snh<id> 10.66.0.1 echo.lab.test 80
 *
 * Arguments: interface, tunnel DNS server(s), host, port. Sends a minimal HTTP request and prints
 * the reply; the host name is resolved by the tunnel's DNS server, through the tunnel.
 */
import { boundDevice, createBoundSocket } from '@splitnet/core';

const [ifname = 'wg0', dns = '10.66.0.1', host = 'echo.lab.test', port = '80'] =
  process.argv.slice(2);
const socket = await createBoundSocket(ifname, {
  host,
  port: Number(port),
  dns: dns.split(','),
  timeout: 5000,
  signal: AbortSignal.timeout(10_000),
});
console.log(
  `connected to ${socket.remoteAddress}:${socket.remotePort}, bound to ${boundDevice(socket)}`,
);
socket.end(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
let reply = '';
socket.on('data', (chunk) => (reply += chunk));
socket.on('end', () => console.log(reply.split('\r\n\r\n')[1]?.trim()));
