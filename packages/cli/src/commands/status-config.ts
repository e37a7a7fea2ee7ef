/** `splitnet status` with a configuration file: interface, routing and every app at a glance. */
import { existsSync } from 'node:fs';
import { configPathFrom } from '../config/load.js';
import { describeBinding, EXIT, type Io } from '../output.js';
import { plan } from '../reconcile/plan.js';
import { planJson } from './apply.js';
import {
  type ConfigCommandOptions,
  loadConfigFor,
  printJson,
  withSystem,
} from './config-option.js';

/** Whether `status` should read a configuration file (given, in the env, or at the default path). */
export function useConfigStatus(o: ConfigCommandOptions, io: Io): boolean {
  return (
    o.config !== undefined ||
    !!io.env.SPLITNET_CONFIG ||
    existsSync(configPathFrom(undefined, io.env))
  );
}

const bytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

/** Prints the status; returns the exit code (0 ok, 3 drift, 4 stale handshake). */
export async function configStatus(o: ConfigCommandOptions, io: Io): Promise<number> {
  const config = await loadConfigFor(o, io);
  return withSystem(config, io, async (system) => {
    const p = await plan(config, system);
    const drift = p.steps.length > 0 || p.problems.length > 0;
    const code = drift ? EXIT.drift : p.interface.handshakeStale ? EXIT.stale : EXIT.ok;
    if (o.json) {
      printJson(io, { ...planJson(p), drift, exitCode: code });
      return code;
    }
    const i = p.interface;
    if (!i.present)
      io.stdout(`interface ${i.name}: missing${i.netns ? ` (netns ${i.netns})` : ''}\n`);
    else {
      io.stdout(
        `interface ${i.name}: ${i.up ? 'up' : 'DOWN'}, ifindex ${i.ifindex}${i.managed ? '' : ' (not created by splitnet)'}, ${i.addresses.join(' ') || 'no address'}\n`,
      );
      if (i.routing) {
        const total = i.routing.present.length + i.routing.missing.length;
        io.stdout(
          `  routing: ${i.routing.present.length}/${total} present (table ${config.interface.table}, priority ${config.interface.priority})\n`,
        );
        for (const m of i.routing.missing) io.stdout(`    missing: ${m}\n`);
      }
      for (const peer of i.peers) {
        const age =
          peer.handshakeAge === undefined
            ? 'no handshake yet'
            : `handshake ${peer.handshakeAge} s ago`;
        io.stdout(
          `  peer ${peer.publicKey.slice(0, 10)}…${peer.endpoint ? ` ${peer.endpoint}` : ''}: ${age}, rx ${bytes(peer.transferRx)}, tx ${bytes(peer.transferTx)}\n`,
        );
      }
      if (i.handshakeStale) {
        io.stdout(
          `  handshake stale (older than ${config.health.handshakeMaxAge} s): the tunnel may be down; bound apps are offline, not leaking\n`,
        );
      }
    }
    for (const app of p.apps) {
      const now = app.observed ? describeBinding(app.observed) : 'unknown';
      io.stdout(
        `${app.label}: ${app.state}${app.state === 'bound' ? ` to ${i.name}` : ` (app reports ${now})`}\n`,
      );
      for (const problem of app.problems) io.stdout(`  problem: ${problem}\n`);
      for (const warning of app.warnings) io.stdout(`  warning: ${warning}\n`);
      if (app.error) io.stdout(`  error: ${app.error.message} (${app.error.code})\n`);
    }
    for (const problem of p.problems) io.stdout(`problem: ${problem}\n`);
    if (p.steps.length > 0) {
      io.stdout(
        `drift: ${p.steps.length} step(s) to reconcile (splitnet apply --dry-run shows them):\n`,
      );
      for (const s of p.steps) io.stdout(`  - ${s.description}\n`);
    } else if (!drift) io.stdout('in sync with the configuration file\n');
    return code;
  });
}
