/**
 * The lab demo (`pnpm demo`): builds the lab, brings a table-off WireGuard interface up in "home"
 * and shows where a bound and an unbound request come out, then the bound one failing closed
 * while the tunnel is down. Cleans up after itself, also on Ctrl-C.
 */
import { down, parseConfig, up } from '@splitnet/core';
import { createLab } from './lab.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string) => console.log(s);

const lab = await createLab({ onStep: (step) => say(`  lab: ${step}…`) });
const name = lab.homeInterfaceName;
const netns = lab.ns.home;

async function egress(family: 4 | 6, bound: boolean): Promise<string> {
  const args = ['-sS', '--max-time', '3', `-${family}`, ...(bound ? ['--interface', name] : [])];
  const r = await lab.exec('home', 'curl', [...args, lab.echoUrl(family)], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : `no connection (fails closed: ${r.stderr.trim()})`;
}

async function show(title: string) {
  say(`\n${bold(title)}`);
  for (const family of [4, 6] as const) {
    say(`  IPv${family} bound to ${name} (the VPN app):      ${await egress(family, true)}`);
    say(`  IPv${family} unbound (e.g. a Cloudflare Tunnel): ${await egress(family, false)}`);
  }
}

try {
  say(
    `\n${bold('splitnet demo')}: home uplink ${lab.addresses.home4}, VPN exit ${lab.addresses.vpnExit4}`,
  );
  const iface = await up(parseConfig(lab.homeConfigText), {
    name,
    netns,
    onStep: (step) => say(`  up: ${step}…`),
  });
  say(
    `  ${name} is up (${iface.implementation}, ifindex ${iface.ifindex}); the main routing table is untouched`,
  );
  await show('Tunnel up: only bound traffic takes the VPN');

  await lab.exec('home', 'ip', ['link', 'set', 'dev', name, 'down']);
  say(`\n${bold('Tunnel down: bound traffic fails closed, the rest carries on')}`);
  const leaks = await lab.uplinkCounter({ excludeWireguard: true });
  for (const family of [4, 6] as const) {
    say(`  IPv${family} bound to ${name} (the VPN app):      ${await egress(family, true)}`);
  }
  say(`  packets the bound attempts sent out of the home uplink: ${(await leaks.read()).packets}`);
  for (const family of [4, 6] as const) {
    say(`  IPv${family} unbound (e.g. a Cloudflare Tunnel): ${await egress(family, false)}`);
  }
} finally {
  await down(name, { netns }).catch(() => {});
  await lab.destroy();
  say('\nlab removed.');
}
