/**
 * The policy table that makes table-off interfaces usable without touching the host's path.
 *
 * For each family (IPv4, and IPv6 when the namespace has it) splitnet keeps, in its own table
 * (default 51820):
 *
 * - `default dev <if>`: sockets bound to the device route deterministically (IPv6 needs this: it
 *   has no "bound to a device, assume on-link" fallback), and so do apps that bind by address;
 * - `unreachable default metric 4096`: when the kernel flushes the device route (link down), the
 *   lookup ends here instead of falling through to the main table, so nothing leaks;
 *
 * selected by two kinds of rules, which match only traffic that already chose the tunnel:
 *
 * - `oif <if> lookup <table>` at `priority` (sockets bound with SO_BINDTODEVICE);
 * - `from <address> lookup <table>` at `priority + 1` for each interface address (apps that bind
 *   by address, and kernel-generated replies to tunnel traffic).
 *
 * Unbound traffic matches none of them and keeps the main table. Everything is idempotent.
 *
 * @example
 * ```ts
 * await ensureRouting({ interfaceName: 'wg0', addresses: ['10.66.0.2/32'] });
 * ```
 */
import { TableInUseError } from '../errors.js';
import { getLink, type IpOptions, ipBatch, isLinkUp, type LinkInfo, parseJsonLines } from './ip.js';

/** Default policy table, as wg-quick's. */
export const DEFAULT_TABLE = 51820;
/** Default priority of the `oif` rules; `from` rules use the next one. */
export const DEFAULT_RULE_PRIORITY = 10_000;
/** Metric of the unreachable fallback route. */
export const UNREACHABLE_METRIC = 4096;

export interface PolicyRoutingSpec {
  /** The tunnel interface. */
  interfaceName: string;
  /** The interface's addresses (CIDR); each gets a `from` rule. */
  addresses: readonly string[];
  /** Policy table number. Default: 51820. */
  table?: number | undefined;
  /** Priority of the `oif` rules; `from` rules use `priority + 1`. Default: 10000. */
  priority?: number | undefined;
}

export type Family = 4 | 6;

export type RoutingItem =
  | { kind: 'rule'; family: Family; priority: number; oif: string; table: number }
  | { kind: 'rule'; family: Family; priority: number; from: string; table: number }
  | { kind: 'route'; family: Family; dev: string; table: number }
  | { kind: 'route'; family: Family; unreachable: true; metric: number; table: number };

export interface RoutingReport {
  /** Items that were missing and have been added. */
  added: RoutingItem[];
  /** Device routes that cannot exist while the link is down; `ensureRouting` after link up adds them. */
  deferred: RoutingItem[];
}

export function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}

function hostOf(cidr: string): string {
  return cidr.split('/')[0]!;
}

/** What the policy table and rules should contain for this spec (for the given families). */
export function desiredRouting(
  spec: PolicyRoutingSpec,
  families: readonly Family[] = [4, 6],
): RoutingItem[] {
  const table = spec.table ?? DEFAULT_TABLE;
  const priority = spec.priority ?? DEFAULT_RULE_PRIORITY;
  const dev = spec.interfaceName;
  const items: RoutingItem[] = [];
  for (const family of families) {
    items.push({ kind: 'rule', family, priority, oif: dev, table });
    for (const address of spec.addresses) {
      if (familyOf(address) === family) {
        items.push({ kind: 'rule', family, priority: priority + 1, from: hostOf(address), table });
      }
    }
    items.push({ kind: 'route', family, dev, table });
    items.push({ kind: 'route', family, unreachable: true, metric: UNREACHABLE_METRIC, table });
  }
  return items;
}

/** The `ip` arguments that add (or delete) one item. */
export function itemArgs(item: RoutingItem, action: 'add' | 'del'): string[] {
  const fam = `-${item.family}`;
  if (item.kind === 'rule') {
    const selector = 'oif' in item ? ['oif', item.oif] : ['from', item.from];
    return [
      fam,
      'rule',
      action,
      ...selector,
      'lookup',
      String(item.table),
      'priority',
      String(item.priority),
    ];
  }
  if ('dev' in item) {
    return [fam, 'route', action, 'default', 'dev', item.dev, 'table', String(item.table)];
  }
  return [
    fam,
    'route',
    action,
    'unreachable',
    'default',
    'metric',
    String(item.metric),
    'table',
    String(item.table),
  ];
}

/** One line, as a person would type it: `ip -4 rule add oif wg0 lookup 51820 priority 10000`. */
export function describeItem(item: RoutingItem, action: 'add' | 'del' = 'add'): string {
  return ['ip', ...itemArgs(item, action)].join(' ');
}

interface RuleJson {
  priority?: number;
  src?: string;
  srclen?: number;
  oif?: string;
  table?: string;
  action?: string;
}

interface RouteJson {
  type?: string;
  dst?: string;
  dev?: string;
  metric?: number;
}

interface FamilyState {
  rules: RuleJson[];
  routes: RouteJson[];
}

/** The namespace's routing as far as a spec is concerned: one `ip -batch` per family. */
export interface RoutingSnapshot {
  /** IPv4, plus IPv6 when the namespace has it. */
  families: Family[];
  state: Map<Family, FamilyState>;
}

/**
 * Reads rules and the policy table for both families in two `ip -batch` processes (run in
 * parallel). IPv6 counts as available when its local table is not empty (`disable_ipv6` empties
 * it).
 */
export async function readRouting(
  table: number,
  options: IpOptions = {},
): Promise<RoutingSnapshot> {
  const read = (family: Family) =>
    ipBatch(
      family,
      [
        ['rule', 'show'],
        ['route', 'show', 'table', String(table)],
        ['route', 'show', 'table', 'local'],
      ],
      { ...options, json: true, force: true, reject: false },
    ).then((r) => {
      // In batch mode an absent table prints `[]`: one array per command, in order.
      const [rules = [], routes = [], local = []] = parseJsonLines<RuleJson & RouteJson>(r.stdout);
      return { rules, routes, local };
    });
  const [v4, v6] = await Promise.all([read(4), read(6)]);
  const state = new Map<Family, FamilyState>([[4, v4]]);
  if (v6.local.length > 0) state.set(6, v6);
  return { families: [...state.keys()], state };
}

function present(item: RoutingItem, state: FamilyState): boolean {
  if (item.kind === 'rule') {
    return state.rules.some(
      (r) =>
        r.priority === item.priority &&
        r.table === String(item.table) &&
        ('oif' in item
          ? r.oif === item.oif && r.src === 'all'
          : r.src === item.from && r.oif === undefined),
    );
  }
  if ('dev' in item) {
    return state.routes.some(
      (r) => r.dst === 'default' && r.dev === item.dev && (r.type ?? 'unicast') === 'unicast',
    );
  }
  return state.routes.some(
    (r) => r.type === 'unreachable' && r.dst === 'default' && r.metric === item.metric,
  );
}

/** Which desired items are present, and which are missing (from a snapshot, or read now). */
export async function inspectRouting(
  spec: PolicyRoutingSpec,
  options: IpOptions & { snapshot?: RoutingSnapshot } = {},
): Promise<{ present: RoutingItem[]; missing: RoutingItem[] }> {
  const snapshot = options.snapshot ?? (await readRouting(spec.table ?? DEFAULT_TABLE, options));
  const result = { present: [] as RoutingItem[], missing: [] as RoutingItem[] };
  for (const item of desiredRouting(spec, snapshot.families)) {
    (present(item, snapshot.state.get(item.family)!) ? result.present : result.missing).push(item);
  }
  return result;
}

/**
 * Checks that the policy table is not already used by another interface's device route: two
 * interfaces sharing one table would send each other's bound traffic the wrong way.
 */
export async function assertTableFree(
  spec: PolicyRoutingSpec,
  options: IpOptions & { snapshot?: RoutingSnapshot } = {},
): Promise<void> {
  const table = spec.table ?? DEFAULT_TABLE;
  const snapshot = options.snapshot ?? (await readRouting(table, options));
  for (const { routes } of snapshot.state.values()) {
    const other = routes.find(
      (r) =>
        r.dst === 'default' && r.dev && r.dev !== spec.interfaceName && r.type !== 'unreachable',
    );
    if (other) {
      throw new TableInUseError(
        table,
        `policy table ${table} already routes through ${other.dev}; give ${spec.interfaceName} another table (option \`table\`)`,
      );
    }
  }
}

function byFamily(items: readonly RoutingItem[]): Array<[Family, RoutingItem[]]> {
  return ([4, 6] as const)
    .map((f): [Family, RoutingItem[]] => [f, items.filter((i) => i.family === f)])
    .filter(([, list]) => list.length > 0);
}

/** Applies items with one `ip -batch` per family, in parallel. */
async function applyItems(
  items: readonly RoutingItem[],
  action: 'add' | 'del',
  options: IpOptions,
): Promise<boolean> {
  const results = await Promise.all(
    byFamily(items).map(([family, list]) =>
      ipBatch(
        family,
        list.map((item) => itemArgs(item, action).slice(1)),
        { ...options, force: action === 'del', reject: action === 'del' ? false : undefined },
      ),
    ),
  );
  return results.every((r) => r.exitCode === 0);
}

/**
 * Adds whatever is missing. Device routes are deferred while the link is down (the kernel
 * refuses them, and flushes them when a link goes down): call again after link up. If adding
 * fails halfway, what this call added is removed again before the error is thrown.
 */
export async function ensureRouting(
  spec: PolicyRoutingSpec,
  options: IpOptions & { snapshot?: RoutingSnapshot; link?: LinkInfo } = {},
): Promise<RoutingReport> {
  const [{ missing }, link] = await Promise.all([
    inspectRouting(spec, options),
    options.link ?? getLink(spec.interfaceName, options),
  ]);
  const linkUp = link !== undefined && isLinkUp(link);
  const report: RoutingReport = { added: [], deferred: [] };
  for (const item of missing) {
    const deferred = item.kind === 'route' && 'dev' in item && !linkUp;
    (deferred ? report.deferred : report.added).push(item);
  }
  try {
    await applyItems(report.added, 'add', options);
  } catch (error) {
    // Everything in `added` was missing before: whatever of it exists now is ours to remove.
    await applyItems(report.added, 'del', options).catch(() => {});
    throw error;
  }
  return report;
}

/** Removes the given items where present (exactly these; nothing else is touched). */
export async function removeRoutingItems(
  items: readonly RoutingItem[],
  options: IpOptions = {},
): Promise<void> {
  await applyItems(items, 'del', options);
}

/**
 * Removes every item of the spec that is present. Each delete names the exact rule or route
 * (priority, selector, table), so nothing else can match; absent ones are skipped.
 */
export async function removeRouting(
  spec: PolicyRoutingSpec,
  options: IpOptions = {},
): Promise<void> {
  await removeRoutingItems(desiredRouting(spec, [4, 6]), options);
}
