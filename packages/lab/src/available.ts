/** Can this machine run a lab? One answer, one reason, for one skip line in tests. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { run } from './run.js';

export type LabAvailability = { ok: true } | { ok: false; reason: string };

export interface LabAvailableOptions {
  /** Also require dnsmasq (for labs with `dns: true`). Default: true. */
  dns?: boolean;
}

async function hasTool(file: string, args: string[]): Promise<boolean> {
  try {
    await run(file, args, { reject: false, timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks root, the tools the lab runs (`ip`, `wg`, `wireguard-go`, `nft`, `ss`, `curl`,
 * `dnsmasq`), `/dev/net/tun`, and that a namespace can really be created (a probe namespace
 * `snlab-probe-<random>` is added and deleted at once). Never throws.
 *
 * @example
 * ```ts
 * const available = await labAvailable();
 * describe.skipIf(!available.ok)('in the lab', () => { … });
 * if (!available.ok) it.skip(`lab tests: ${available.reason}`, () => {});
 * ```
 */
export async function labAvailable(options: LabAvailableOptions = {}): Promise<LabAvailability> {
  if (process.platform !== 'linux') return { ok: false, reason: 'the lab needs Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the lab needs root (run as root)' };
  const tools: Array<[string, string[]]> = [
    ['ip', ['-V']],
    ['wg', ['--version']],
    ['wireguard-go', ['--version']],
    ['nft', ['--version']],
    ['ss', ['-V']],
    ['curl', ['--version']],
    ...(options.dns === false ? [] : [['dnsmasq', ['--version']] as [string, string[]]]),
  ];
  const missing: string[] = [];
  for (const [tool, args] of tools) if (!(await hasTool(tool, args))) missing.push(tool);
  if (missing.length > 0) {
    return { ok: false, reason: `missing tools: ${missing.join(', ')} (see docs/lab.md)` };
  }
  if (!existsSync('/dev/net/tun')) {
    return { ok: false, reason: '/dev/net/tun is missing (wireguard-go needs TUN)' };
  }
  const probe = `snlab-probe-${randomBytes(4).toString('hex')}`;
  try {
    const added = await run('ip', ['netns', 'add', probe], { reject: false });
    if (added.exitCode !== 0) {
      return { ok: false, reason: `cannot create a network namespace: ${added.stderr.trim()}` };
    }
    const lo = await run('ip', ['-n', probe, 'link', 'set', 'lo', 'up'], { reject: false });
    if (lo.exitCode !== 0) {
      return { ok: false, reason: `cannot configure a network namespace: ${lo.stderr.trim()}` };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `ip netns does not work: ${(error as Error).message}` };
  } finally {
    await run('ip', ['netns', 'delete', probe], { reject: false }).catch(() => undefined);
  }
}
