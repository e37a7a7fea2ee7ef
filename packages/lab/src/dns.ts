/**
 * Two authoritative-only dnsmasq instances for the lab zone `lab.test`: one in the vpn namespace
 * on the tunnel server address (the tunnel's `DNS =`), one in the internet namespace on
 * 198.51.100.53 (what the home's system resolver would ask). `--no-resolv --no-hosts`, no
 * `--server`: they never forward anywhere. Each logs its queries to a file.
 *
 * Zone (both servers): `echo.lab.test` A 198.51.100.1 / AAAA 2001:db8:100::1,
 * `whoami.lab.test` TXT `vpn` or `internet` (who answered) and A 10.66.0.1 or 198.51.100.53.
 * Other names under `lab.test` are NXDOMAIN; names outside it are REFUSED.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError } from '@splitnet/core';
import { LAB_ADDRESSES as A } from './addresses.js';
import { type LabProcess, logTail } from './processes.js';
import { run } from './run.js';
import { waitFor } from './wait.js';

/** Which dnsmasq: the one behind the tunnel or the "public" one. */
export type DnsServerRole = 'vpn' | 'internet';

/** One logged query. */
export interface DnsLogEntry {
  /** The timestamp dnsmasq printed (syslog style, e.g. `Nov 27 07:01:02`). */
  time: string;
  /** Query type, e.g. `A`, `AAAA`, `TXT`. */
  type: string;
  name: string;
  /** Source address of the query, as the server saw it. */
  from: string;
}

export function dnsLogFile(workDir: string, role: DnsServerRole): string {
  return join(workDir, `dns-${role}.log`);
}

export function dnsListenAddresses(role: DnsServerRole, ipv6: boolean): string[] {
  return role === 'vpn'
    ? [A.tunnelServer4, ...(ipv6 ? [A.tunnelServer6] : [])]
    : [A.dns4, ...(ipv6 ? [A.dns6] : [])];
}

/** dnsmasq argv: foreground, no config file, authoritative answers only, queries logged. */
export function dnsmasqArgs(role: DnsServerRole, workDir: string, ipv6: boolean): string[] {
  const listen = dnsListenAddresses(role, ipv6);
  return [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--bind-interfaces',
    ...listen.map((a) => `--listen-address=${a}`),
    '--port=53',
    '--pid-file=',
    '--user=root',
    '--group=root',
    '--local=/lab.test/',
    `--host-record=echo.lab.test,${A.echo4},${A.echo6}`,
    `--host-record=whoami.lab.test,${listen[0]}`,
    `--txt-record=whoami.lab.test,${role}`,
    '--log-queries',
    `--log-facility=${dnsLogFile(workDir, role)}`,
  ];
}

/** Waits until dnsmasq answers on its first listen address. */
export async function waitDnsReady(
  proc: LabProcess,
  netns: string,
  role: DnsServerRole,
  signal?: AbortSignal,
): Promise<void> {
  const port = `:53`;
  await waitFor(
    `dnsmasq (${role}) to listen`,
    async () => {
      if (!proc.running()) {
        throw new CommandError(`dnsmasq (${role}) exited at start: ${logTail(proc.logFile)}`, {
          command: ['dnsmasq'],
        });
      }
      const { stdout } = await run('ss', ['-Hlnu'], { netns, signal });
      return stdout.includes(`${dnsListenAddresses(role, false)[0]}${port}`);
    },
    { timeout: 10_000, signal },
  );
}

const QUERY =
  /^(\w{3}\s+\d+\s[\d:]+)\s+dnsmasq\[\d+\]:\s+(?:\d+\s+)?query\[(\w+)\]\s+(\S+)\s+from\s+(\S+)/;

export async function readDnsLog(file: string): Promise<DnsLogEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const entries: DnsLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = QUERY.exec(line);
    if (m)
      entries.push({
        time: m[1] as string,
        type: m[2] as string,
        name: m[3] as string,
        from: m[4] as string,
      });
  }
  return entries;
}
