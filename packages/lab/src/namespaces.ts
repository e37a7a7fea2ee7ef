/**
 * Per-run names and the three namespaces with their links: home ── internet router ── vpn.
 * Every link is created from inside a lab namespace (`ip -n <ns> link add … peer … netns <ns>`),
 * so nothing ever exists in the root namespace, not even for a moment.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_ADDRESSES as A, LINKS } from './addresses.js';
import { run } from './run.js';

/** Prefix of every lab namespace: `snlab-<id>-<role>`. */
export const NS_PREFIX = 'snlab-';

/** The three namespaces of a lab. */
export type LabNamespace = 'home' | 'internet' | 'vpn';

export const NAMESPACE_ROLES: readonly LabNamespace[] = ['home', 'internet', 'vpn'];

export interface LabNames {
  id: string;
  ns: Record<LabNamespace, string>;
  /** wireguard-go server interface in the vpn namespace. */
  serverInterface: string;
  /** Suggested name for the home interface under test (not created by the lab). */
  homeInterface: string;
}

/** A short random run id: 5 base36 characters. */
export function newRunId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (const b of bytes.subarray(0, 5)) id += (b % 36).toString(36);
  return id;
}

export function labNames(id: string): LabNames {
  return {
    id,
    ns: {
      home: `${NS_PREFIX}${id}-home`,
      internet: `${NS_PREFIX}${id}-internet`,
      vpn: `${NS_PREFIX}${id}-vpn`,
    },
    serverInterface: `snv${id}`,
    homeInterface: `snh${id}`,
  };
}

/** Parses `snlab-<id>-<role>` back into the id, or undefined for other names. */
export function parseNamespace(name: string): { id: string; role: LabNamespace } | undefined {
  const m = /^snlab-([a-z0-9]{5})-(home|internet|vpn)$/.exec(name);
  return m ? { id: m[1] as string, role: m[2] as LabNamespace } : undefined;
}

/** Names of all namespaces on the host (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(' ')[0] ?? '')
    .filter(Boolean);
}

/**
 * `ip netns exec` bind-mounts `/etc/netns/<ns>/resolv.conf` over `/etc/resolv.conf`: every name
 * lookup made in a lab namespace goes to the lab's own DNS server, never to the host's resolver.
 */
const netnsEtc = (name: string) => join('/etc/netns', name);

export async function addNamespace(name: string, signal?: AbortSignal): Promise<void> {
  await mkdir(netnsEtc(name), { recursive: true });
  await writeFile(
    join(netnsEtc(name), 'resolv.conf'),
    `# splitnet lab ${name}: lab DNS only\nnameserver ${A.dns4}\noptions timeout:1 attempts:1\n`,
  );
  await run('ip', ['netns', 'add', name], { signal });
}

/** Deletes a namespace if it exists (idempotent). */
export async function deleteNamespace(name: string): Promise<void> {
  await rm(netnsEtc(name), { recursive: true, force: true });
  const r = await run('ip', ['netns', 'delete', name], { reject: false });
  if (r.exitCode !== 0 && !/No such file|not found|Invalid/i.test(r.stderr)) {
    // Surface anything other than "already gone".
    await run('ip', ['netns', 'delete', name]);
  }
}

const sysctl = (ns: string, settings: string[], signal?: AbortSignal) =>
  run('sysctl', ['-q', '-w', ...settings], { netns: ns, signal });

/** Wires home, internet and vpn together; addresses, routes and forwarding as in LAB.md. */
export async function buildTopology(
  names: LabNames,
  options: { ipv6: boolean; signal?: AbortSignal | undefined },
): Promise<void> {
  const { home, internet, vpn } = names.ns;
  const { signal, ipv6 } = options;
  const ip = (ns: string, args: string[]) => run('ip', ['-n', ns, ...args], { signal });

  for (const ns of [home, internet, vpn]) {
    await ip(ns, ['link', 'set', 'lo', 'up']);
    if (!ipv6) {
      await sysctl(
        ns,
        ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'],
        signal,
      );
    }
  }
  await sysctl(internet, ['net.ipv4.ip_forward=1'], signal);
  await sysctl(vpn, ['net.ipv4.ip_forward=1'], signal);
  if (ipv6) {
    await sysctl(internet, ['net.ipv6.conf.all.forwarding=1'], signal);
    await sysctl(vpn, ['net.ipv6.conf.all.forwarding=1'], signal);
  }

  // veth pairs, created inside the lab namespaces only.
  await ip(home, [
    'link',
    'add',
    LINKS.homeUplink,
    'type',
    'veth',
    'peer',
    'name',
    LINKS.internetHome,
    'netns',
    internet,
  ]);
  await ip(vpn, [
    'link',
    'add',
    LINKS.vpnUplink,
    'type',
    'veth',
    'peer',
    'name',
    LINKS.internetVpn,
    'netns',
    internet,
  ]);

  const addr4 = (ns: string, cidr: string, dev: string) =>
    ip(ns, ['addr', 'add', cidr, 'dev', dev]);
  const addr6 = (ns: string, cidr: string, dev: string) =>
    ipv6 ? ip(ns, ['-6', 'addr', 'add', cidr, 'dev', dev, 'nodad']) : undefined;

  await addr4(home, `${A.home4}/24`, LINKS.homeUplink);
  await addr6(home, `${A.home6}/64`, LINKS.homeUplink);
  await addr4(internet, `${A.homeGateway4}/24`, LINKS.internetHome);
  await addr6(internet, `${A.homeGateway6}/64`, LINKS.internetHome);
  await addr4(internet, `${A.vpnGateway4}/24`, LINKS.internetVpn);
  await addr6(internet, `${A.vpnGateway6}/64`, LINKS.internetVpn);
  await addr4(vpn, `${A.vpnExit4}/24`, LINKS.vpnUplink);
  await addr6(vpn, `${A.vpnExit6}/64`, LINKS.vpnUplink);
  // Servers live on the router's loopback (no dummy module needed): local delivery.
  await addr4(internet, `${A.echo4}/32`, LINKS.internetServers);
  await addr4(internet, `${A.dns4}/32`, LINKS.internetServers);
  await addr6(internet, `${A.echo6}/128`, LINKS.internetServers);
  await addr6(internet, `${A.dns6}/128`, LINKS.internetServers);

  await ip(home, ['link', 'set', LINKS.homeUplink, 'up']);
  await ip(vpn, ['link', 'set', LINKS.vpnUplink, 'up']);
  for (const dev of [LINKS.internetHome, LINKS.internetVpn]) {
    await ip(internet, ['link', 'set', dev, 'up']);
  }

  await ip(home, ['route', 'add', 'default', 'via', A.homeGateway4]);
  await ip(vpn, ['route', 'add', 'default', 'via', A.vpnGateway4]);
  if (ipv6) {
    await ip(home, ['-6', 'route', 'add', 'default', 'via', A.homeGateway6]);
    await ip(vpn, ['-6', 'route', 'add', 'default', 'via', A.vpnGateway6]);
  }
}
