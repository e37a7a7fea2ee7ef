import { describe, expect, it } from 'vitest';
import { describeItem, desiredRouting, itemArgs } from './policy-routing.js';

describe('desiredRouting', () => {
  const spec = { interfaceName: 'wg0', addresses: ['10.66.0.2/32', 'fd66::2/128'] };

  it('keeps a policy table and oif/from rules per family', () => {
    expect(desiredRouting(spec).map((i) => describeItem(i))).toEqual([
      'ip -4 rule add oif wg0 lookup 51820 priority 10000',
      'ip -4 rule add from 10.66.0.2 lookup 51820 priority 10001',
      'ip -4 route add default dev wg0 table 51820',
      'ip -4 route add unreachable default metric 4096 table 51820',
      'ip -6 rule add oif wg0 lookup 51820 priority 10000',
      'ip -6 rule add from fd66::2 lookup 51820 priority 10001',
      'ip -6 route add default dev wg0 table 51820',
      'ip -6 route add unreachable default metric 4096 table 51820',
    ]);
  });

  it('honours table, priority and families', () => {
    const items = desiredRouting({ ...spec, table: 7, priority: 500 }, [4]);
    expect(items.map((i) => itemArgs(i, 'del').join(' '))).toEqual([
      '-4 rule del oif wg0 lookup 7 priority 500',
      '-4 rule del from 10.66.0.2 lookup 7 priority 501',
      '-4 route del default dev wg0 table 7',
      '-4 route del unreachable default metric 4096 table 7',
    ]);
  });
});
