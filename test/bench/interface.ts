/**
 * up() + down() of a table-off interface versus `wg-quick up` + `wg-quick down` of the same file
 * (wireguard-go as the userspace implementation for both), in pairs whose order alternates, in one
 * lab home namespace. The goal is judged on the median of the per-pair ratios.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Lab } from '@splitnet/lab';
import { builtCore } from './product.js';
import { type BenchRow, median, medianRatio } from './report.js';

export async function benchInterface(lab: Lab, rounds = 21): Promise<BenchRow[]> {
  const { down, parseConfig, serializeConfig, up } = await builtCore();
  const home = lab.ns.home;
  const name = lab.homeInterfaceName;
  // DNS would make wg-quick call resolvconf on the host; neither tool should touch it here.
  const parsed = parseConfig(lab.homeConfigText);
  const config = { ...parsed, interface: { ...parsed.interface, dns: [], dnsSearch: [] } };
  const dir = await mkdtemp(join(tmpdir(), 'splitnet-bench-'));
  const file = join(dir, `${name}.conf`);
  await writeFile(file, serializeConfig(config), { mode: 0o600 });
  const env = {
    WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go',
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
  };
  const ours: number[] = [];
  const reference: number[] = [];
  try {
    const runOurs = async () => {
      const t = performance.now();
      await up(config, { name, netns: home });
      await down(name, { netns: home });
      ours.push(performance.now() - t);
    };
    const runReference = async () => {
      const t = performance.now();
      await lab.exec(home, 'wg-quick', ['up', file], { env });
      await lab.exec(home, 'wg-quick', ['down', file], { env });
      reference.push(performance.now() - t);
    };
    // One pair per round; which goes first alternates, so neither always follows the other.
    for (let i = 0; i < rounds; i++) {
      if (i % 2) {
        await runReference();
        await runOurs();
      } else {
        await runOurs();
        await runReference();
      }
    }
  } finally {
    await down(name, { netns: home }).catch(() => {});
    await lab.exec(home, 'ip', ['link', 'del', name], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
  return [
    {
      name: `interface up()+down() (median of ${rounds})`,
      ours: median(ours),
      reference: median(reference),
      pairedRatio: medianRatio(ours, reference),
      unit: 'ms',
      better: 'lower',
      goal: { op: '<=', ratio: 1 },
      referenceName: 'wg-quick up+down',
    },
  ];
}
