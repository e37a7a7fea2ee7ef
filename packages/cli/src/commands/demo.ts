/**
 * `splitnet demo`: qBittorrent on the VPN, a plain client off it, the tunnel taken down and brought
 * back, all inside a throwaway network-namespace lab (needs root, wireguard-go or the kernel
 * module, iproute2, nftables, qbittorrent-nox). The README's main command: `pnpm demo`.
 *
 * Exit codes: 0 every phase behaved (bound traffic only via the VPN, fails closed, recovers; the
 * plain client unaffected), 1 something did not or the lab cannot run here, 130/143 interrupted
 * (SIGINT/SIGTERM; the lab is removed first).
 */
import type { Command } from 'commander';
import type { Io } from '../output.js';

export function registerDemo(program: Command, io: Io): Command {
  return program
    .command('demo')
    .description(
      'show per-app split tunnelling in a throwaway lab: qBittorrent via the VPN, a plain client off it, tunnel down and back',
    )
    .option('--down-seconds <n>', 'how long to watch for leaks while the tunnel is down', '4')
    .action(async (o: { downSeconds: string }) => {
      const { runDemo } = await import('./demo-run.js');
      const downSeconds = Number(o.downSeconds);
      process.exitCode = await runDemo(io, {
        downSeconds: Number.isFinite(downSeconds) && downSeconds > 0 ? downSeconds : 4,
      });
    });
}
