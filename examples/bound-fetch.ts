/**
 * `fetch` through the VPN only. Run it in the lab's home namespace, with the tunnel up:
 *
 *   pnpm lab up                                   # prints the lab id, namespaces and interface
 *   ip netns exec snlab-<id>-home node --import tsx examples/bound-fetch.ts \
 *     snh<id> 10.66.0.1 http://echo.lab.test/
 *
 * Arguments: interface, tunnel DNS server(s) (comma-separated), URL. The echo server answers with
 * the source address it saw: the VPN exit (203.0.113.2), never the home address (192.0.2.2).
 */
import { createBoundDispatcher, InterfaceDownError } from '@splitnet/core';

const [ifname = 'wg0', dns = '10.66.0.1', url = 'http://echo.lab.test/'] = process.argv.slice(2);
const dispatcher = createBoundDispatcher(ifname, { dns: dns.split(','), connectTimeout: 5000 });
try {
  // Node 20 types its global fetch with undici-types 6; the dispatcher is undici 7's Agent, which
  // the built-in fetch accepts at run time (same Dispatcher interface), so only the types differ.
  const response = await fetch(url, { dispatcher } as unknown as RequestInit);
  console.log(`${response.status} ${(await response.text()).trim()}`);
} catch (error) {
  const cause = (error as Error).cause ?? error;
  // Bound sockets fail closed: a down tunnel is an error, never a leak.
  if (InterfaceDownError.is(cause)) console.error(`tunnel is down: ${(cause as Error).message}`);
  else console.error(cause);
  process.exitCode = 1;
} finally {
  await dispatcher.close();
}
