/**
 * `pnpm bench`: every benchmark, ours against the reference tool measured in the same run on the
 * same path, printed as ratios. Needs root and the lab's packages (bash scripts/quickstart.sh setup).
 */
import { createLab, labAvailable } from '@splitnet/lab';
import { benchInterface } from './interface.js';
import { type BenchRow, printRows } from './report.js';

const available = await labAvailable();
if (!available.ok) {
  console.error(`pnpm bench needs the lab: ${available.reason}`);
  process.exit(1);
}

const lab = await createLab();
const rows: BenchRow[] = [];
try {
  console.log(`lab ${lab.id}: measuring…`);
  rows.push(...(await benchInterface(lab)));
} finally {
  await lab.destroy();
}
printRows(rows);
