/**
 * `splitnet install-service`: writes a systemd unit that runs `splitnet watch --config <file>`.
 *
 * Idempotent: the same options write the same text; an unchanged file is left alone (`unchanged`).
 * It never runs systemctl; it prints the two commands to run.
 *
 * Exit codes: 0 written, unchanged or printed (`--dry-run`); 1 error (the config does not load,
 * the file cannot be written); 2 usage.
 *
 * @example
 * ```sh
 * splitnet install-service --config /etc/splitnet/splitnet.yaml            # /etc/systemd/system/splitnet.service
 * splitnet install-service --config /etc/splitnet/splitnet.yaml --dry-run  # print it
 * ```
 */
import { realpathSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, findExecutable } from '@splitnet/core';
import type { Command } from 'commander';
import { loadSplitnetConfig } from '../config/index.js';
import { EXIT, type Io } from '../output.js';

export const DEFAULT_UNIT_PATH = '/etc/systemd/system/splitnet.service';

export interface UnitOptions {
  /** Absolute path of the splitnet configuration file. */
  config: string;
  /** The command that starts splitnet: `[node, /…/bin.js]` or `[/usr/bin/splitnet]`. */
  exec: readonly string[];
  /** The interface lives in another network namespace: `ip netns exec` needs CAP_SYS_ADMIN. */
  netns?: boolean;
  /** `Description=`. */
  description?: string;
}

/** systemd quoting for one ExecStart argument (spaces, quotes, backslashes, `%`, `$`). */
export function quoteArg(arg: string): string {
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', () => '$$');
  return /[\s"'\\;]/.test(escaped)
    ? `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
    : escaped;
}

/** The unit text. Pure: the same options give the same text. */
export function renderUnit(o: UnitOptions): string {
  const caps = ['CAP_NET_ADMIN', 'CAP_NET_RAW', ...(o.netns ? ['CAP_SYS_ADMIN'] : [])].join(' ');
  const exec = [...o.exec, 'watch', '--config', o.config].map(quoteArg).join(' ');
  return `# Written by \`splitnet install-service\`. Re-run it to update this file; see docs/cli.md.
[Unit]
Description=${o.description ?? 'splitnet: keep apps bound to the WireGuard tunnel (per-app split tunnelling)'}
Wants=network-online.target
After=network-online.target
# Apps started after splitnet find the tunnel up; splitnet rebinds them anyway when they restart.
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=5s
# SIGTERM ends watch cleanly and leaves the interface up and every app bound (fail closed).
# KillMode=process: stopping or restarting the service must not kill wireguard-go (it would
# delete the interface; a new one has a new index and every bound app would need a rebind).
KillSignal=SIGTERM
KillMode=process
TimeoutStopSec=30s
# The interface records (/run/splitnet), wireguard-go's control sockets (/run/wireguard) and the
# bindings state (/var/lib/splitnet) outlive restarts of the service.
RuntimeDirectory=splitnet wireguard
RuntimeDirectoryMode=0755
RuntimeDirectoryPreserve=yes
StateDirectory=splitnet
StateDirectoryMode=0700

# Hardening: only what ip, wg and wireguard-go need.
CapabilityBoundingSet=${caps}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
DevicePolicy=closed
DeviceAllow=/dev/net/tun rw
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
UMask=0077

[Install]
WantedBy=multi-user.target
`;
}

/** How this very CLI was started, as an ExecStart prefix. */
export async function defaultExec(): Promise<string[]> {
  const script = process.argv[1];
  if (script && /\.(c|m)?js$/.test(script)) return [process.execPath, realpathSync(script)];
  const installed = await findExecutable('splitnet');
  if (installed) return [installed];
  throw new ConfigError(
    'cannot tell how to start splitnet from a service (not run from dist/bin.js, and no splitnet on PATH): pass --bin <path of bin.js or splitnet>',
    { key: 'bin' },
  );
}

export interface InstallServiceOptions {
  config: string;
  output: string;
  dryRun?: boolean;
  bin?: string;
  validate: boolean;
  json?: boolean;
}

export interface InstallServiceResult {
  path: string;
  /** `written`, `unchanged`, or `printed` (dry run). */
  action: 'written' | 'unchanged' | 'printed';
  unit: string;
  next: string[];
}

export async function installService(o: InstallServiceOptions): Promise<InstallServiceResult> {
  const config = resolve(o.config);
  let netns = false;
  if (o.validate) {
    const loaded = await loadSplitnetConfig(config);
    netns = loaded.interface.netns !== undefined;
  }
  const exec = o.bin
    ? /\.(c|m)?js$/.test(o.bin)
      ? [process.execPath, resolve(o.bin)]
      : [isAbsolute(o.bin) ? o.bin : resolve(o.bin)]
    : await defaultExec();
  const unit = renderUnit({ config, exec, netns });
  const path = resolve(o.output);
  const name = basename(path);
  const next = path.startsWith('/etc/systemd/system/')
    ? ['systemctl daemon-reload', `systemctl enable --now ${name}`]
    : [
        `install -m 0644 ${path} /etc/systemd/system/${name}`,
        'systemctl daemon-reload',
        `systemctl enable --now ${name}`,
      ];
  if (o.dryRun) return { path, action: 'printed', unit, next };
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === unit) return { path, action: 'unchanged', unit, next };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, unit, { mode: 0o644 });
  await rename(tmp, path);
  return { path, action: 'written', unit, next };
}

export function registerInstallService(program: Command, io: Io): Command {
  return program
    .command('install-service')
    .description('write a systemd unit that runs `splitnet watch` (Restart=on-failure, hardened)')
    .requiredOption('-c, --config <file>', 'the splitnet configuration file the service uses')
    .option('-o, --output <path>', 'where to write the unit', DEFAULT_UNIT_PATH)
    .option('--dry-run', 'print the unit instead of writing it')
    .option('--bin <path>', 'the splitnet to run (default: this one)')
    .option('--no-validate', 'do not load the configuration file first')
    .option('--json', 'print JSON')
    .action(async (o: InstallServiceOptions) => {
      const r = await installService(o);
      if (o.json) {
        io.stdout(`${JSON.stringify(r, null, 2)}\n`);
      } else if (r.action === 'printed') {
        io.stdout(r.unit);
      } else {
        io.stdout(
          `${r.path} ${r.action === 'written' ? 'written' : 'unchanged (already up to date)'}\nnext:\n${r.next.map((c) => `  ${c}`).join('\n')}\n`,
        );
      }
      process.exitCode = EXIT.ok;
    });
}
