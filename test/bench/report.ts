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
  /**
   * The ratio the goal is judged on, when measured in pairs: the median of the per-pair ratios
   * (ours / reference within one round or one pair of runs, under the same host load). Default:
   * `ours / reference`.
   */
  pairedRatio?: number;
}

export function ratio(row: BenchRow): number {
  return row.pairedRatio ?? row.ours / row.reference;
}

/** Median of `ours[i] / reference[i]`: pairs measured side by side share the host's load. */
export function medianRatio(ours: readonly number[], reference: readonly number[]): number {
  return median(ours.map((value, i) => value / reference[i]!));
}

export function meets(row: BenchRow): boolean {
  const r = ratio(row);
  return row.goal.op === '<=' ? r <= row.goal.ratio : r >= row.goal.ratio;
}

export function printRows(rows: readonly BenchRow[]): void {
  for (const row of rows) {
    const r = ratio(row);
    const kind = row.pairedRatio === undefined ? 'ratio' : 'paired ratio';
    const plain =
      row.pairedRatio === undefined ? '' : ` (of medians ${(row.ours / row.reference).toFixed(3)})`;
    console.log(
      `${row.name.padEnd(56)} ours ${row.ours.toFixed(2).padStart(8)} ${row.unit.padEnd(6)} ${row.referenceName.padEnd(24)} ${row.reference.toFixed(2).padStart(8)} ${row.unit.padEnd(6)} ${kind} ${r.toFixed(3)}${plain} goal ${row.goal.op} ${row.goal.ratio.toFixed(2)}: ${meets(row) ? 'MET' : 'MISSED'}`,
    );
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
