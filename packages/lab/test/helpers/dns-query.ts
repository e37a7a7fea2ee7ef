import type { Lab, LabNamespace } from '../../src/index.js';

/** Node's resolver run inside a namespace (no dig here); optional source address. */
const SCRIPT = `
import { Resolver } from 'node:dns/promises';
const [server, name, type, local] = process.argv.slice(1);
const r = new Resolver({ timeout: 2000, tries: 2 });
r.setServers([server]);
if (local) r.setLocalAddress(local.includes(':') ? undefined : local, local.includes(':') ? local : undefined);
const answers = await r.resolve(name, type);
console.log(JSON.stringify(answers));
`;

export async function dnsQuery(
  lab: Lab,
  ns: LabNamespace,
  server: string,
  name: string,
  type: 'A' | 'AAAA' | 'TXT',
  localAddress?: string,
): Promise<unknown> {
  const args = ['--input-type=module', '-e', SCRIPT, server, name, type];
  if (localAddress) args.push(localAddress);
  const { stdout } = await lab.exec(ns, process.execPath, args);
  return JSON.parse(stdout);
}
