/** Shared by the config-driven commands: `--config`, `--json`, loading, printing. */
import type { Command } from 'commander';
import { configPathFrom, loadSplitnetConfig } from '../config/load.js';
import type { SplitnetConfig } from '../config/schema.js';
import type { Io } from '../output.js';
import { createSystem, type ReconcileSystem } from '../reconcile/system.js';

export interface ConfigCommandOptions {
  config?: string | undefined;
  json?: boolean | undefined;
}

/** Adds `--config <file>` and `--json`. */
export function withConfig(cmd: Command): Command {
  return cmd
    .option(
      '-c, --config <file>',
      'the splitnet configuration file (default: $SPLITNET_CONFIG, else /etc/splitnet/splitnet.yaml)',
    )
    .option('--json', 'print JSON (watch: JSON lines)');
}

/** Loads the file named by `--config` / `$SPLITNET_CONFIG` / the default. */
export function loadConfigFor(o: ConfigCommandOptions, io: Io): Promise<SplitnetConfig> {
  return loadSplitnetConfig(configPathFrom(o.config, io.env));
}

export async function withSystem<T>(
  config: SplitnetConfig,
  io: Io,
  fn: (system: ReconcileSystem) => Promise<T>,
): Promise<T> {
  const system = createSystem(config, { env: io.env });
  try {
    return await fn(system);
  } finally {
    await system.close();
  }
}

export const printJson = (io: Io, value: unknown) =>
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
