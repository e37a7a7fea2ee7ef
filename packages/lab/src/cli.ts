/**
 * `pnpm lab up|down|list|sweep` — a lab for humans.
 *
 *   pnpm lab up [--no-ipv6] [--no-dns]   build a lab, print its names and addresses, keep it until Ctrl-C
 *   pnpm lab down <id>…                  tear labs down (asks a live owner to do it, else does it)
 *   pnpm lab list                        labs on this host and whether their owner is alive
 *   pnpm lab sweep                       remove leftovers of labs whose owner died
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { labAvailable } from './available.js';
import { createLab } from './lab.js';
import { isAlive, processStartTime } from './processes.js';
import { listStateIds, readState } from './state.js';
import { sweepStaleLabs } from './sweep.js';
import { teardownState } from './teardown.js';

const USAGE = 'usage: pnpm lab up [--no-ipv6] [--no-dns] | down <id>… | list | sweep';

async function up(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'no-ipv6': { type: 'boolean' }, 'no-dns': { type: 'boolean' } },
  });
  const available = await labAvailable({ dns: !values['no-dns'] });
  if (!available.ok) throw new Error(`cannot build a lab: ${available.reason}`);
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());
  const lab = await createLab({
    ipv6: !values['no-ipv6'],
    dns: !values['no-dns'],
    onStep: (step) => console.error(`  … ${step}`),
  });
  const conf = join(lab.workDir, `${lab.homeInterfaceName}.conf`);
  writeFileSync(conf, lab.homeConfigText, { mode: 0o600 });
  const a = lab.addresses;
  console.log(`lab ${lab.id} up`);
  console.log(`  namespaces   home=${lab.ns.home} internet=${lab.ns.internet} vpn=${lab.ns.vpn}`);
  console.log(`  home         h0 ${a.home4}${lab.ipv6 ? ` ${a.home6}` : ''}`);
  console.log(`  vpn exit     v0 ${a.vpnExit4}${lab.ipv6 ? ` ${a.vpnExit6}` : ''}`);
  console.log(`  wg server    ${lab.serverInterfaceName} ${a.endpoint} key ${lab.serverPublicKey}`);
  console.log(`  tunnel       home ${a.tunnelHome4} server ${a.tunnelServer4}`);
  console.log(
    `  echo         ${lab.echoUrl(4)}${lab.ipv6 ? ` ${lab.echoUrl(6)}` : ''} (:8080 too)`,
  );
  if (lab.dns) console.log(`  dns          vpn ${a.tunnelServer4}, internet ${a.dns4}`);
  console.log(`  home config  ${conf} (interface name ${lab.homeInterfaceName})`);
  console.log(`  logs         ${lab.workDir}`);
  console.log(`  try          ip netns exec ${lab.ns.home} curl -s ${lab.echoUrl(4)}`);
  console.log('Ctrl-C to tear it down.');
  const keepAlive = setInterval(() => {}, 60_000);
  await stopped;
  clearInterval(keepAlive);
  await lab.destroy();
  console.log(`lab ${lab.id} destroyed`);
}

function ownerAlive(pid: number, start: string | undefined): boolean {
  return isAlive(pid) && (start === undefined || processStartTime(pid) === start);
}

async function down(ids: string[]): Promise<void> {
  if (ids.length === 0) throw new Error(`which lab? ${USAGE}\nlabs: ${listStateIds().join(' ')}`);
  for (const id of ids) {
    const state = readState(id);
    if (!state) {
      console.log(`lab ${id}: no such lab`);
      continue;
    }
    if (ownerAlive(state.ownerPid, state.ownerStart) && state.ownerPid !== process.pid) {
      process.kill(state.ownerPid, 'SIGTERM');
      for (let i = 0; i < 100 && readState(id); i++) await sleep(100);
      if (!readState(id)) {
        console.log(`lab ${id}: torn down by its owner (pid ${state.ownerPid})`);
        continue;
      }
    }
    await teardownState(state);
    console.log(`lab ${id}: torn down`);
  }
}

function list(): void {
  for (const id of listStateIds()) {
    const state = readState(id);
    if (!state) continue;
    const alive = ownerAlive(state.ownerPid, state.ownerStart);
    console.log(`${id}  owner ${state.ownerPid} ${alive ? 'alive' : 'dead'}  ${state.createdAt}`);
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'up':
      return up(rest);
    case 'down':
      return down(rest);
    case 'list':
      return list();
    case 'sweep': {
      const { removed, alive, errors } = await sweepStaleLabs();
      console.log(`removed: ${removed.join(' ') || 'none'}; alive: ${alive.join(' ') || 'none'}`);
      for (const error of errors) console.error(String(error));
      if (errors.length > 0) process.exitCode = 1;
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
