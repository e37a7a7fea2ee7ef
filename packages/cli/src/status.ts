/** `splitnet status`: every recorded binding, checked live against the app and the interface. */
import { isSplitnetError, resolveBindTarget } from '@splitnet/core';
import { qbittorrent, readConfigBinding } from '@splitnet/qbittorrent';
import type { Io } from './output.js';
import { describeBinding } from './output.js';
import { type BindingRecord, readState } from './state.js';

export interface StatusEntry {
  app: string;
  via: 'api' | 'offline';
  where: string;
  interfaceName: string;
  /** `bound`, `drift`, `interface-missing`, `unknown` (could not ask the app). */
  state: 'bound' | 'drift' | 'interface-missing' | 'unknown';
  observed?: string | undefined;
  ifindex?: { recorded?: number | undefined; now?: number | undefined } | undefined;
  problems: string[];
  warnings: string[];
  error?: { code: string; message: string } | undefined;
}

async function checkOne(record: BindingRecord, io: Io): Promise<StatusEntry> {
  const base = {
    app: record.app,
    via: record.via,
    where: (record.via === 'api' ? record.url : record.configPath) ?? '',
    interfaceName: record.interfaceName,
    problems: [] as string[],
    warnings: [] as string[],
  };
  if (record.via === 'offline') {
    const now = await readConfigBinding(record.configPath!);
    const ok = now.interfaceName === record.interfaceName && now.address === '';
    return {
      ...base,
      state: ok ? 'bound' : 'drift',
      observed: describeBinding(now),
      problems: ok ? [] : [`the config file now says ${describeBinding(now)}`],
    };
  }
  let target: Awaited<ReturnType<typeof resolveBindTarget>>;
  try {
    target = await resolveBindTarget(record.interfaceName);
  } catch (error) {
    return {
      ...base,
      state: 'interface-missing',
      problems: [
        `interface ${record.interfaceName} does not exist: qBittorrent is offline (fail-closed, no leak); bring the interface up, then run: splitnet bind qbittorrent --rebind …`,
      ],
      error: isSplitnetError(error) ? { code: error.code, message: error.message } : undefined,
    };
  }
  const adapter = qbittorrent({
    url: record.url,
    username: record.auth?.username,
    passwordFile: record.auth?.passwordFile,
    apiKeyFile: record.auth?.apiKeyFile,
    auth: record.auth?.mode as 'auto' | undefined,
    sockets: record.auth?.sockets as 'auto' | undefined,
    env: io.env,
  });
  try {
    const check = await adapter.check(target);
    const problems = [...check.problems];
    const warnings = check.warnings.map((w) => w.message);
    if (record.ifindex !== undefined && record.ifindex !== target.ifindex && check.ok) {
      // Sockets are only checked for a local Web UI: say what an ifindex change means.
      warnings.push(
        `${record.interfaceName} was re-created (ifindex ${record.ifindex} → ${target.ifindex}): run splitnet bind qbittorrent --rebind …`,
      );
    }
    return {
      ...base,
      state: problems.length === 0 ? 'bound' : 'drift',
      observed: describeBinding(check.observed),
      ifindex: { recorded: record.ifindex, now: target.ifindex },
      problems,
      warnings,
    };
  } catch (error) {
    return {
      ...base,
      state: 'unknown',
      problems: [],
      error: isSplitnetError(error)
        ? { code: error.code, message: error.message }
        : { code: 'SPLITNET_ERR_UNEXPECTED', message: String(error) },
    };
  } finally {
    await adapter.close().catch(() => {});
  }
}

export async function status(stateDir: string, io: Io): Promise<StatusEntry[]> {
  const state = await readState(stateDir);
  return Promise.all(Object.values(state.bindings).map((r) => checkOne(r, io)));
}
