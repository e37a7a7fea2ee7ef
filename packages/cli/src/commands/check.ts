/**
 * `splitnet check`: proves there is no leak, from what the far side saw.
 *
 * - **egress**: the address an IP-echo URL (`health.checkUrl` or `--url`) reports for a request
 *   bound to the interface (names resolved through the tunnel), and for an unbound one. They
 *   must both answer and must differ: equal means either the bound request is not going through
 *   the VPN, or everything is (no split) — in both cases nothing is proven.
 * - **dns**: the tunnel resolver (sockets bound to the interface, the tunnel's DNS servers)
 *   gets an answer through the tunnel.
 * - **apps**: each app's adapter reads back what the app is bound to (`check()`).
 *
 * Exit codes: 0 all passed; 1 error (the tunnel is unusable: interface missing or down, bound
 * request failed; an app could not be asked); 2 usage or configuration error; 3 drift (an app is
 * not bound as configured); 5 leak (bound and unbound egress are the same). The worst wins:
 * 5 > 3 > 1.
 *
 * Run it where the interface is (`ip netns exec <ns> splitnet check` when `interface.netns` is
 * set): bound sockets are made in the caller's network namespace.
 */
import { isIP } from 'node:net';
import {
  type BindTarget,
  createBoundDispatcher,
  createTunnelResolver,
  loadConfigFile,
  resolveBindTarget,
} from '@splitnet/core';
import type { Command } from 'commander';
import {
  adapterFor,
  configPathFrom,
  describeApp,
  loadSplitnetConfig,
  type SplitnetConfig,
} from '../config/index.js';
import { describeError, EXIT, type Io } from '../output.js';

/** Exit codes of `check`. */
export const CHECK_EXIT = { ok: EXIT.ok, error: 1, usage: 2, drift: 3, leak: 5 } as const;

export type CheckRowStatus = 'pass' | 'fail' | 'drift' | 'leak' | 'skip';

export interface CheckRow {
  /** `egress`, `dns`, `app:<label>`. */
  id: string;
  status: CheckRowStatus;
  detail: string;
  /** Structured values (addresses, the app's observed binding…). */
  data?: Record<string, unknown>;
}

export interface CheckReport {
  ok: boolean;
  exitCode: number;
  interface: string;
  url: string;
  bound: { address?: string; error?: string };
  unbound: { address?: string; error?: string };
  rows: CheckRow[];
}

export interface CheckOptions {
  config?: string;
  url?: string;
  dnsName?: string;
  timeout: number;
  json?: boolean;
}

/** The first address-looking token of an echo server's answer (text or `{ "address": … }`). */
export function parseEchoAnswer(body: string): string | undefined {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as { address?: unknown; ip?: unknown; origin?: unknown };
    const value = json.address ?? json.ip ?? json.origin;
    if (typeof value === 'string' && isIP(value.split(',')[0]!.trim())) {
      return value.split(',')[0]!.trim();
    }
  } catch {
    // plain text
  }
  const token = text.split(/\s+/)[0] ?? '';
  return isIP(token) ? token : undefined;
}

async function egress(
  url: string,
  timeout: number,
  dispatcher?: unknown,
): Promise<{ address?: string; error?: string }> {
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(timeout),
      ...(dispatcher ? { dispatcher } : {}),
    } as RequestInit);
    const body = await res.text();
    const address = parseEchoAnswer(body);
    return address
      ? { address }
      : { error: `${url} answered ${res.status} without an address: ${body.slice(0, 80)}` };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    return { error: describeError(cause).message };
  }
}

const worst = (rows: readonly CheckRow[]) =>
  rows.some((r) => r.status === 'leak')
    ? CHECK_EXIT.leak
    : rows.some((r) => r.status === 'drift')
      ? CHECK_EXIT.drift
      : rows.some((r) => r.status === 'fail')
        ? CHECK_EXIT.error
        : CHECK_EXIT.ok;

export async function runCheck(config: SplitnetConfig, o: CheckOptions): Promise<CheckReport> {
  const name = config.interface.name;
  const url = o.url ?? config.health.checkUrl;
  if (!url) {
    throw Object.assign(
      new Error(
        `no IP-echo URL: set health.checkUrl in ${config.file} or pass --url (a URL that answers with the caller's address)`,
      ),
      { exitCode: CHECK_EXIT.usage },
    );
  }
  const rows: CheckRow[] = [];
  let target: BindTarget | undefined;
  try {
    target = await resolveBindTarget(name);
    rows.push({
      id: 'interface',
      status: 'pass',
      detail: `${name} exists (ifindex ${target.ifindex}, ${target.addresses.join(', ') || 'no addresses'})`,
    });
  } catch (error) {
    rows.push({ id: 'interface', status: 'fail', detail: describeError(error).message });
  }

  const wg = await loadConfigFile(config.interface.config).catch(() => undefined);
  const servers = config.dns.servers ?? wg?.config.interface.dns ?? [];
  const resolver =
    servers.length > 0 ? createTunnelResolver({ interface: name, servers }) : undefined;

  const [bound, unbound] = await Promise.all([
    egress(url, o.timeout, createBoundDispatcher(name, resolver ? { resolver } : {})),
    egress(url, o.timeout),
  ]);
  const egressData = { bound: bound.address, unbound: unbound.address, url };
  if (!bound.address) {
    rows.push({
      id: 'egress',
      status: 'fail',
      detail: `a request bound to ${name} got no answer (${bound.error}); bound traffic fails closed, but the tunnel is not usable`,
      data: egressData,
    });
  } else if (!unbound.address) {
    rows.push({
      id: 'egress',
      status: 'fail',
      detail: `bound egress ${bound.address}, but the unbound request failed (${unbound.error}): nothing to compare with`,
      data: egressData,
    });
  } else if (bound.address === unbound.address) {
    rows.push({
      id: 'egress',
      status: 'leak',
      detail: `bound and unbound requests both come out at ${bound.address}: either bound traffic bypasses the VPN or all traffic uses it (is the tunnel Table = off?)`,
      data: egressData,
    });
  } else {
    rows.push({
      id: 'egress',
      status: 'pass',
      detail: `bound to ${name}: ${bound.address}; unbound: ${unbound.address}`,
      data: egressData,
    });
  }

  if (!resolver) {
    rows.push({
      id: 'dns',
      status: 'skip',
      detail: `no tunnel DNS servers (dns.servers or DNS = in ${config.interface.config}): bound connections cannot resolve names`,
    });
  } else {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    const dnsName = o.dnsName ?? (isIP(host) ? 'example.com' : host);
    try {
      const list = (await resolver.lookup(dnsName)).map((a) => a.address);
      rows.push({
        id: 'dns',
        status: 'pass',
        detail: `${dnsName} resolved through ${name} by ${servers.join(', ')}: ${list.join(', ')}`,
      });
    } catch (error) {
      const rcode = (error as { rcode?: string }).rcode;
      const answered = rcode !== undefined && rcode !== 'TIMEOUT' && rcode !== 'ERROR';
      rows.push({
        id: 'dns',
        status: answered ? 'pass' : 'fail',
        detail: answered
          ? `${servers.join(', ')} answered through ${name} (${rcode} for ${dnsName})`
          : `no tunnel DNS answer for ${dnsName}: ${describeError(error).message}`,
      });
    }
  }

  for (const app of config.apps) {
    const label = describeApp(app);
    const adapter = adapterFor(app);
    try {
      if (target) {
        const c = await adapter.check(target);
        rows.push({
          id: `app:${label}`,
          status: c.ok ? 'pass' : 'drift',
          detail: c.ok
            ? `bound to ${c.observed.interfaceName}${c.warnings.length > 0 ? ` (warnings: ${c.warnings.map((w) => w.code).join(', ')})` : ''}`
            : c.problems.join('; '),
          data: { observed: c.observed },
        });
      } else {
        const state = await adapter.inspect();
        const ok = state.interfaceName === name;
        rows.push({
          id: `app:${label}`,
          status: ok ? 'pass' : 'drift',
          detail: ok
            ? `set to ${name} (the interface is missing: it fails closed)`
            : `bound to ${state.interfaceName || 'any interface'}, not ${name}`,
          data: { observed: state },
        });
      }
    } catch (error) {
      rows.push({ id: `app:${label}`, status: 'fail', detail: describeError(error).message });
    } finally {
      await adapter.close().catch(() => {});
    }
  }

  const exitCode = worst(rows);
  return { ok: exitCode === 0, exitCode, interface: name, url, bound, unbound, rows };
}

const MARK: Record<CheckRowStatus, string> = {
  pass: 'PASS ',
  fail: 'FAIL ',
  drift: 'DRIFT',
  leak: 'LEAK ',
  skip: 'skip ',
};

export function renderCheck(r: CheckReport): string {
  const width = Math.max(...r.rows.map((x) => x.id.length));
  const lines = r.rows.map((x) => `${MARK[x.status]}  ${x.id.padEnd(width)}  ${x.detail}`);
  const verdict =
    r.exitCode === CHECK_EXIT.ok
      ? 'no leak: bound traffic leaves by the tunnel, the rest does not'
      : r.exitCode === CHECK_EXIT.leak
        ? 'LEAK'
        : r.exitCode === CHECK_EXIT.drift
          ? 'DRIFT: an app is not bound as configured'
          : 'FAILED';
  return `${lines.join('\n')}\n\n${verdict} (exit ${r.exitCode})\n`;
}

export function registerCheck(program: Command, io: Io): Command {
  return program
    .command('check')
    .description(
      'prove there is no leak: bound vs unbound egress, DNS through the tunnel, what each app is bound to',
    )
    .option(
      '-c, --config <file>',
      'the splitnet configuration file (default: $SPLITNET_CONFIG, else /etc/splitnet/splitnet.yaml)',
    )
    .option(
      '--url <url>',
      'an IP-echo URL (answers with the caller address); default: health.checkUrl',
    )
    .option('--dns-name <name>', 'the name to resolve through the tunnel (default: the URL host)')
    .option('--timeout <ms>', 'per-request timeout', (v) => Number(v), 10_000)
    .option('--json', 'print JSON')
    .action(async (o: CheckOptions) => {
      const config = await loadSplitnetConfig(configPathFrom(o.config, io.env));
      let report: CheckReport;
      try {
        report = await runCheck(config, o);
      } catch (error) {
        const code = (error as { exitCode?: number }).exitCode;
        if (code === undefined) throw error;
        io.stderr(`${(error as Error).message}\n`);
        process.exitCode = code;
        return;
      }
      io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
      process.exitCode = report.exitCode;
    });
}
