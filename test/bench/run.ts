/**
 * `pnpm bench`: every benchmark, ours against the reference tool measured in the same run on the
 * same path, printed as ratios. Needs root and the lab's packages (bash scripts/quickstart.sh setup).
 * One lab for all benchmarks, destroyed at the end (also on failure or Ctrl-C).
 *
 * `pnpm bench` runs everything; `pnpm bench sockets` or `pnpm bench interface` runs one group.
 */
import { createLab, labAvailable } from '@splitnet/lab';
import { benchInterface } from './interface.js';
import { type BenchRow, meets, printRows } from './report.js';
import { benchSockets } from './sockets.js';

const groups = {
  sockets: benchSockets,
  interface: benchInterface,
} as const;
type Group = keyof typeof groups;

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(a in groups));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(groups).join(', ')}`,
  );
  process.exit(2);
}
const selected = (asked.length > 0 ? asked : Object.keys(groups)) as Group[];

const available = await labAvailable();
if (!available.ok) {
  console.error(`pnpm bench needs the lab: ${available.reason}`);
  process.exit(1);
}

const started = Date.now();
const lab = await createLab();
let destroyed = false;
const destroy = async () => {
  if (destroyed) return;
  destroyed = true;
  await lab.destroy();
};
const onSignal = (signal: NodeJS.Signals) => {
  console.error(`${signal}: removing lab ${lab.id}…`);
  void destroy().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const rows: BenchRow[] = [];
const failures: string[] = [];
try {
  console.log(`lab ${lab.id}: measuring ${selected.join(', ')}…`);
  for (const group of selected) {
    const t = Date.now();
    try {
      rows.push(...(await groups[group](lab)));
    } catch (error) {
      failures.push(`${group}: ${(error as Error).stack ?? error}`);
    }
    console.log(`  ${group}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await destroy();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
console.log(`\nall rows (${((Date.now() - started) / 1000).toFixed(0)} s, lab removed):`);
printRows(rows);
for (const failure of failures) console.error(`benchmark failed: ${failure}`);
const missed = rows.filter((row) => !meets(row)).length;
console.log(`${rows.length - missed}/${rows.length} goals met`);
process.exitCode = failures.length > 0 ? 1 : 0;
