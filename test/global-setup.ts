/**
 * Before the suite: remove leftovers of earlier lab runs whose owner is gone (a crashed or killed
 * run), so that a run never trips over them. Only labs with the project's prefix are touched.
 */
import { labAvailable, sweepStaleLabs } from '@splitnet/lab';

export default async function setup(): Promise<void> {
  if (!(await labAvailable()).ok) return;
  const { removed } = await sweepStaleLabs();
  if (removed.length > 0)
    console.log(`swept ${removed.length} stale lab(s): ${removed.join(', ')}`);
}
