/** Shared shape and printing of benchmark rows: ours against the reference, measured in one run. */

export interface BenchRow {
  /** What was measured. */
  name: string;
  /** Our figure. */
  ours: number;
  /** The reference tool's figure, measured in the same run on the same path. */
  reference: number;
  /** Unit of both figures (e.g. `ms`, `conn/s`, `MB/s`). */
  unit: string;
  /** `lower` when smaller figures are better (times), `higher` for rates. */
  better: 'lower' | 'higher';
  /** Goal for ours / reference, e.g. `<= 1.00`. */
  goal: { op: '<=' | '>='; ratio: number };
  /** What the reference is. */
  referenceName: string;
}

export function ratio(row: BenchRow): number {
  return row.ours / row.reference;
}

export function meets(row: BenchRow): boolean {
  const r = ratio(row);
  return row.goal.op === '<=' ? r <= row.goal.ratio : r >= row.goal.ratio;
}

export function printRows(rows: readonly BenchRow[]): void {
  for (const row of rows) {
    const r = ratio(row);
    console.log(
      `${row.name.padEnd(44)} ours ${row.ours.toFixed(2).padStart(9)} ${row.unit.padEnd(7)} ${row.referenceName.padEnd(24)} ${row.reference.toFixed(2).padStart(9)} ${row.unit.padEnd(7)} ratio ${r.toFixed(3)} (goal ${row.goal.op} ${row.goal.ratio.toFixed(2)}) ${meets(row) ? 'MET' : 'MISSED'}`,
    );
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
