/** `splitnet watch`: the reconcile loop (see docs/watch.md). */
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { watch } from '../watch/loop.js';
import { type ConfigCommandOptions, loadConfigFor, withConfig } from './config-option.js';

export function registerWatch(program: Command, io: Io): void {
  withConfig(
    program
      .command('watch')
      .description(
        'keep reconciling: on link/route events and every health.interval seconds; SIGTERM leaves every binding in place',
      ),
  ).action(async (o: ConfigCommandOptions) => {
    const config = await loadConfigFor(o, io);
    const controller = new AbortController();
    const stop = () => controller.abort();
    // `on`, not `once`: execa's signal-exit re-raises the signal when no other listener is left.
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    try {
      await watch(config, {
        signal: controller.signal,
        env: io.env,
        log: (e) => {
          if (o.json) io.stdout(`${JSON.stringify(e)}\n`);
          else io.stdout(`${e.time} ${e.event}: ${e.message}\n`);
        },
      });
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  });
}
