/**
 * The `splitnet` command line. Commander 14: maintained, no dependencies, typed, supports
 * Node ≥ 20 (15 needs Node 22), sub-commands with their own options and help.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerCheck } from './commands/check.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInstallService } from './commands/install-service.js';
import { configStatus, useConfigStatus } from './commands/status-config.js';
import { registerUpDown } from './commands/up-down.js';
import { registerWatch } from './commands/watch.js';
import { SplitnetConfigFileError } from './config/load.js';
import { defaultIo, describeBinding, describeError, EXIT, type Io } from './output.js';
import { bindQbittorrent, type QbittorrentCliOptions, unbindQbittorrent } from './qbittorrent.js';
import { defaultStateDir } from './state.js';
import { status } from './status.js';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function qbittorrentOptions(cmd: Command, io: Io, bind: boolean): Command {
  if (bind)
    cmd.requiredOption('-i, --interface <name>', 'the interface to bind qBittorrent to (e.g. wg0)');
  return cmd
    .option('--url <url>', 'qBittorrent Web UI URL', 'http://127.0.0.1:8080')
    .option(
      '--username <name>',
      'Web UI user (default: $SPLITNET_QBITTORRENT_USERNAME, else admin)',
    )
    .option(
      '--password-file <path>',
      'file holding the Web UI password (or set $SPLITNET_QBITTORRENT_PASSWORD)',
    )
    .option('--api-key-file <path>', 'file holding a qBittorrent 5.2+ API key (qbt_…)')
    .addOption(
      new Option('--auth <mode>', 'how to authenticate')
        .choices(['auto', 'session', 'basic', 'apikey', 'none'])
        .default('auto'),
    )
    .option('--timeout <ms>', 'per-request timeout', positiveInt, 10_000)
    .addOption(
      new Option('--sockets <mode>', 'check listen sockets with ss (auto: when the URL is local)')
        .choices(['auto', 'check', 'skip'])
        .default('auto'),
    )
    .option(
      '--offline',
      'edit the config file instead of the running app (qBittorrent must be stopped)',
    )
    .option('--config <path>', 'qBittorrent.conf to edit with --offline')
    .option(
      '--profile <dir>',
      'the --profile directory qBittorrent runs with (finds qBittorrent.conf)',
    )
    .option('--state-dir <dir>', 'where splitnet records bindings', defaultStateDir(io.env))
    .option('--json', 'print JSON');
}

/** Builds the program; `io` makes it testable. */
export function createProgram(io: Io = defaultIo): Command {
  const program = new Command('splitnet')
    .description('Per-application split tunnelling: bind apps to a table-off WireGuard interface.')
    .version('0.1.0')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

  const print = (o: { json?: boolean }, value: Record<string, unknown>, text: string) =>
    io.stdout(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  const warn = (warnings: unknown) => {
    for (const w of (warnings as { message?: string }[] | undefined) ?? []) {
      io.stderr(`warning: ${typeof w === 'string' ? w : w.message}\n`);
    }
  };

  const bind = program.command('bind').description('bind an application to an interface');
  qbittorrentOptions(
    bind.command('qbittorrent').description('bind qBittorrent (device binding)'),
    io,
    true,
  )
    .option('--rebind', 'also re-open its listen sockets (after the interface was re-created)')
    .action(async (o: QbittorrentCliOptions) => {
      const r = await bindQbittorrent(o, io);
      if (!o.json) warn(r.warnings);
      const where = r.via === 'api' ? `${r.url}` : `${r.configPath}`;
      print(
        o,
        r,
        `qbittorrent (${where}) ${r.changed ? 'bound' : 'already bound'} to ${r.interfaceName}${r.ifindex ? ` (ifindex ${r.ifindex})` : ''}${r.rebound ? ', listen sockets re-opened' : ''}; before: ${describeBinding(r.previous as never)}${r.note ? `\n${r.note}` : ''}`,
      );
    });

  const unbind = program
    .command('unbind')
    .description('restore what an application was bound to before');
  qbittorrentOptions(unbind.command('qbittorrent').description('restore qBittorrent'), io, false)
    .option('--force', 'without a recorded bind, unbind to "any interface"')
    .action(async (o: QbittorrentCliOptions) => {
      const r = await unbindQbittorrent(o, io);
      print(o, r, `qbittorrent restored to ${describeBinding(r.restored as never)}`);
    });

  program
    .command('status')
    .description(
      'the interface, its routing and every app at a glance (with a configuration file), or every binding splitnet bind made',
    )
    .option(
      '-c, --config <file>',
      'the splitnet configuration file (default: $SPLITNET_CONFIG, else /etc/splitnet/splitnet.yaml when it exists)',
    )
    .option('--state-dir <dir>', 'where splitnet records bindings', defaultStateDir(io.env))
    .option('--json', 'print JSON')
    .action(async (o: { stateDir: string; json?: boolean; config?: string }) => {
      if (useConfigStatus(o, io)) {
        process.exitCode = await configStatus(o, io);
        return;
      }
      const entries = await status(o.stateDir, io);
      if (o.json) io.stdout(`${JSON.stringify({ bindings: entries }, null, 2)}\n`);
      else if (entries.length === 0) io.stdout('no bindings recorded\n');
      else {
        for (const e of entries) {
          io.stdout(
            `${e.app} (${e.where}) → ${e.interfaceName}: ${e.state}${e.observed ? ` (app reports ${e.observed})` : ''}\n`,
          );
          for (const p of e.problems) io.stdout(`  problem: ${p}\n`);
          for (const w of e.warnings) io.stdout(`  warning: ${w}\n`);
          if (e.error) io.stdout(`  error: ${e.error.message} (${e.error.code})\n`);
        }
      }
      if (entries.some((e) => e.state !== 'bound')) process.exitCode = EXIT.drift;
    });
  registerUpDown(program, io);
  registerApply(program, io);
  registerWatch(program, io);
  registerCheck(program, io);
  registerDemo(program, io);
  registerDoctor(program, io);
  registerInstallService(program, io);
  return program;
}

/** Runs the CLI; resolves with the exit code (never calls process.exit itself). */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  process.exitCode = undefined;
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { code, message } = describeError(error);
    io.stderr(`${message} (${code})\n`);
    if (SplitnetConfigFileError.isConfigFileError(error)) return EXIT.usage;
    return code === 'SPLITNET_ERR_BINDING_DRIFT' ? EXIT.drift : EXIT.error;
  } finally {
    process.exitCode = undefined;
  }
}
