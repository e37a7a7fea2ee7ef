/**
 * Brings the home side of the tunnel up with raw commands (no `@splitnet/core` `up()`), the way
 * a table-off wg-quick would plus the oif/from policy rules: wireguard-go in the home namespace,
 * `wg setconf` from the stripped home config, addresses, link up, and for v4 and v6
 * `ip rule add oif <if> table 51820`, `ip rule add from <tunnel addr> table 51820` and
 * `ip route add default dev <if> table 51820`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab, LabProcess } from '../../src/index.js';
import { wireguardSocketPath } from '../../src/index.js';

/** wg-quick → wg format: drop the keys `wg setconf` does not know. */
export function stripWgQuick(text: string): string {
  return text
    .split('\n')
    .filter(
      (line) =>
        !/^\s*(Address|DNS|Table|MTU|PreUp|PostUp|PreDown|PostDown|SaveConfig)\s*=/i.test(line),
    )
    .join('\n');
}

export async function rawHomeUp(lab: Lab): Promise<{ name: string; process: LabProcess }> {
  const name = lab.homeInterfaceName;
  const table = String(lab.routingTable);
  const proc = await lab.spawn('home', 'wireguard-go', ['-f', name], {
    name: `wireguard-go ${name}`,
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
  });
  for (let i = 0; i < 200 && !existsSync(wireguardSocketPath(name)); i++) await sleep(25);
  if (!existsSync(wireguardSocketPath(name))) throw new Error(`wireguard-go ${name} did not start`);
  const file = join(lab.workDir, `home-${randomBytes(4).toString('hex')}.conf`);
  try {
    writeFileSync(file, stripWgQuick(lab.homeConfigText), { mode: 0o600, flag: 'wx' });
    await lab.exec('home', 'wg', ['setconf', name, file]);
  } finally {
    rmSync(file, { force: true });
  }
  const a = lab.addresses;
  const ip = (args: string[]) => lab.exec('home', 'ip', args);
  await ip(['addr', 'add', `${a.tunnelHome4}/32`, 'dev', name]);
  if (lab.ipv6) await ip(['-6', 'addr', 'add', `${a.tunnelHome6}/128`, 'dev', name, 'nodad']);
  await ip(['link', 'set', name, 'up']);
  for (const family of lab.ipv6 ? (['-4', '-6'] as const) : (['-4'] as const)) {
    const own = family === '-4' ? a.tunnelHome4 : a.tunnelHome6;
    await ip([family, 'rule', 'add', 'oif', name, 'table', table]);
    await ip([family, 'rule', 'add', 'from', own, 'table', table]);
    await ip([family, 'route', 'add', 'default', 'dev', name, 'table', table]);
  }
  return { name, process: proc };
}
