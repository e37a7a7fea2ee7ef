/** `splitnet up` and `splitnet down`: the interface alone (apps are `apply`'s business). */
import { down, up } from '@splitnet/core';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { createSystem } from '../reconcile/system.js';
import {
  type ConfigCommandOptions,
  loadConfigFor,
  printJson,
  withConfig,
} from './config-option.js';

export function registerUpDown(program: Command, io: Io): void {
  withConfig(
    program
      .command('up')
      .description(
        'bring the interface of the configuration file up (table off, policy routing); idempotent',
      ),
  ).action(async (o: ConfigCommandOptions) => {
    const config = await loadConfigFor(o, io);
    const tunnel = await createSystem(config, { env: io.env }).loadTunnel();
    const { name, netns, table, priority } = config.interface;
    const r = await up(tunnel, {
      name,
      netns,
      table,
      priority,
      onStep: (step) => {
        if (!o.json) io.stdout(`  ${step}\n`);
      },
    });
    if (o.json) printJson(io, r);
    else
      io.stdout(
        `${name} ${r.changed ? 'is up' : 'was already up'}: ifindex ${r.ifindex}, ${r.implementation}${r.pid ? ` (pid ${r.pid})` : ''}, ${r.addresses.join(' ')}, table ${r.table}, rule priority ${r.priority}\n`,
      );
  });

  withConfig(
    program
      .command('down')
      .description(
        'remove the interface and its policy routing (bound apps go offline: fail closed; their setting is kept)',
      ),
  ).action(async (o: ConfigCommandOptions) => {
    const config = await loadConfigFor(o, io);
    const { name, netns } = config.interface;
    const r = await down(name, { netns });
    if (o.json) printJson(io, { name, ...r });
    else
      io.stdout(
        r.changed
          ? `${name} is down and removed; apps bound to it stay offline until splitnet up/apply\n`
          : `${name} was not up\n`,
      );
  });
}
