#!/usr/bin/env node
/**
 * The lab's BitTorrent tracker: a real HTTP tracker (npm `bittorrent-tracker`) that answers every
 * announce with `interval: 1` and `min interval: 1` (so a forced re-announce is never deferred by
 * the client) and appends each announce to the log file as one JSON line
 * `{"time":"<ISO>","address":"203.0.113.2","port":16881,"event":"started","infoHash":"…","peerId":"…","userAgent":"…"}`.
 * `address` is the TCP peer address of the announce (the client's `ip=` parameter is ignored):
 * exactly "where did this announce come from".
 *
 * Usage: node tracker.mjs --log <file> --listen 198.51.100.1 --port 6969
 * Prints `ready` on stdout once listening.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
// The server entry only: the package root also loads the WebRTC client (a native addon).
import Server from 'bittorrent-tracker/server';

const { values } = parseArgs({
  options: {
    log: { type: 'string' },
    listen: { type: 'string', default: '198.51.100.1' },
    port: { type: 'string', default: '6969' },
  },
});
if (!values.log) {
  console.error('tracker: --log <file> is required');
  process.exit(2);
}
const logFile = values.log;

const server = new Server({
  udp: false,
  http: true,
  ws: false,
  stats: false,
  trustProxy: false,
  interval: 1000,
});
const ANNOUNCE = 1; // common.ACTIONS.ANNOUNCE
const onRequest = server._onRequest.bind(server);
server._onRequest = (params, cb) => {
  if (params.action === ANNOUNCE) {
    appendFileSync(
      logFile,
      `${JSON.stringify({
        time: new Date().toISOString(),
        address: params.ip,
        port: params.port,
        event: params.event || 'update',
        infoHash: params.info_hash,
        peerId: params.peer_id,
        userAgent: params.headers?.['user-agent'] ?? '',
      })}\n`,
    );
  }
  onRequest(params, (err, response) => {
    if (response && params.action === ANNOUNCE) {
      response.interval = 1;
      response['min interval'] = 1;
    }
    cb(err, response);
  });
};
server.on('error', (err) => {
  console.error(`tracker error: ${err.message}`);
  process.exit(1);
});
server.on('warning', (err) => console.error(`tracker warning: ${err.message}`));
server.listen(Number(values.port), values.listen, () => {
  console.log('ready');
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
