#!/usr/bin/env node
/**
 * The lab's IP-echo HTTP server: answers every request with the caller's source address, as
 * plain text (`192.0.2.2\n`) or, with `?format=json`, as `{"address":"192.0.2.2","family":4}`.
 * Each request is appended to the log file as one JSON line
 * `{"time":"<ISO>","address":"…","family":4|6,"local":"198.51.100.1","port":80,"method":"GET","path":"/…"}`.
 *
 * Usage: node echo-server.mjs --log <file> --listen 198.51.100.1,2001:db8:100::1 --ports 80,8080
 * Prints `ready` on stdout once every listener is bound. Plain ESM, no dependencies.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    log: { type: 'string' },
    listen: { type: 'string', default: '198.51.100.1' },
    ports: { type: 'string', default: '80' },
  },
});
if (!values.log) {
  console.error('echo-server: --log <file> is required');
  process.exit(2);
}
const logFile = values.log;

function handle(req, res) {
  let address = req.socket.remoteAddress ?? '';
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  const family = isIP(address) === 6 ? 6 : 4;
  const url = new URL(req.url ?? '/', 'http://echo.lab.test');
  appendFileSync(
    logFile,
    `${JSON.stringify({
      time: new Date().toISOString(),
      address,
      family,
      local: req.socket.localAddress,
      port: req.socket.localPort,
      method: req.method,
      path: url.pathname + url.search,
    })}\n`,
  );
  const json = url.searchParams.get('format') === 'json';
  const body = json ? `${JSON.stringify({ address, family })}\n` : `${address}\n`;
  res.writeHead(200, {
    'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

const hosts = values.listen.split(',').filter(Boolean);
const ports = values.ports.split(',').map(Number);
const servers = [];
await Promise.all(
  hosts.flatMap((host) =>
    ports.map(
      (port) =>
        new Promise((resolve, reject) => {
          const server = createServer(handle);
          server.keepAliveTimeout = 1000;
          server.once('error', reject);
          server.listen({ host, port, ipv6Only: isIP(host) === 6 }, () => resolve(undefined));
          servers.push(server);
        }),
    ),
  ),
);
console.log('ready');

function shutdown() {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  setTimeout(() => process.exit(0), 200).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
