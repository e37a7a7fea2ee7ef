/**
 * `splitnet watch`: the long-running reconcile loop. It reconciles (plan + apply) at start, on
 * every link or route event that concerns the interface or its policy table (`ip monitor link
 * route`, spawned with an argument array, its PID recorded and ended on exit), and on a timer
 * (`health.interval`). One reconcile runs at a time; events that arrive meanwhile coalesce into
 * one more. It logs each action as one line (JSON lines with `json`), reports a stale handshake
 * once per change, and on abort (SIGTERM/SIGINT) stops WITHOUT unbinding anything: fail closed.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * process.once('SIGTERM', () => ac.abort());
 * await watch(config, { signal: ac.signal, log: (line) => console.log(line) });
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isSplitnetError } from '@splitnet/core';
import { execa, type ResultPromise } from 'execa';
import type { SplitnetConfig } from '../config/schema.js';
import { applyPlan } from '../reconcile/apply.js';
import { plan } from '../reconcile/plan.js';
import { createSystem, type ReconcileSystem } from '../reconcile/system.js';

export interface WatchEvent {
  time: string;
  /** `start`, `event`, `drift`, `step`, `ok`, `error`, `handshake`, `stop`, … */
  event: string;
  message: string;
  [key: string]: unknown;
}

export interface WatchOptions {
  /** Ends the loop (the CLI aborts on SIGTERM and SIGINT). */
  signal: AbortSignal;
  /** Receives every log event. */
  log: (event: WatchEvent) => void;
  /** Where credential variables are read. Default: `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** Listen to `ip monitor`. Default: true. */
  monitor?: boolean | undefined;
  /** Debounce of events, in ms. Default: 250. */
  debounceMs?: number | undefined;
  /** For tests: the system to reconcile. */
  system?: ReconcileSystem | undefined;
}

const errorOf = (error: unknown) =>
  isSplitnetError(error)
    ? { code: error.code, message: error.message }
    : {
        code: 'SPLITNET_ERR_UNEXPECTED',
        message: error instanceof Error ? error.message : String(error),
      };

/** Does a line of `ip monitor link route` concern this interface or its table? */
export function eventConcerns(line: string, name: string, table: number): boolean {
  const escaped = name.replace(/[.+]/g, '\\$&');
  return (
    new RegExp(`(^|[\\s:])${escaped}([:@\\s]|$)`).test(line) || line.includes(`table ${table}`)
  );
}

/** Runs until `signal` aborts. Resolves after a clean stop; never unbinds. */
export async function watch(config: SplitnetConfig, options: WatchOptions): Promise<void> {
  const { signal } = options;
  const system = options.system ?? createSystem(config, { env: options.env });
  const { name, netns, table } = config.interface;
  const log = (event: string, message: string, extra: Record<string, unknown> = {}) =>
    options.log({ time: new Date().toISOString(), event, message, ...extra });

  let running: Promise<void> | undefined;
  let again = false;
  let stale: boolean | undefined;
  let debounce: NodeJS.Timeout | undefined;

  const reconcile = async (reason: string) => {
    const p = await plan(config, system);
    const view = p.interface;
    if (view.present && view.handshakeStale !== stale) {
      const ages = view.peers.map((x) => x.handshakeAge);
      const newest = ages.filter((a): a is number => a !== undefined).sort((a, b) => a - b)[0];
      if (view.handshakeStale || stale !== undefined) {
        log(
          'handshake',
          view.handshakeStale
            ? `handshake stale: ${newest === undefined ? 'no handshake yet' : `latest ${newest} s ago`} (health.handshakeMaxAge ${config.health.handshakeMaxAge} s); the tunnel may be down, bound apps are offline (no leak)`
            : `handshake fresh again (latest ${newest} s ago)`,
          { stale: view.handshakeStale, age: newest ?? null },
        );
      }
      stale = view.handshakeStale;
    }
    for (const problem of p.problems) log('problem', problem);
    if (p.steps.length === 0) return;
    log('drift', `${reason}: ${p.steps.length} step(s) to reconcile`, {
      reason,
      steps: p.steps.map((s) => s.id),
    });
    const result = await applyPlan(p, system, {
      signal,
      onStep: (e) => {
        if (e.phase === 'start') return;
        const r = e.result;
        if (r.ok) {
          log('step', `${r.description}: done${r.detail ? ` (${r.detail})` : ''} in ${r.ms} ms`, {
            id: r.id,
            ms: r.ms,
            detail: r.detail ?? null,
          });
        } else {
          log('error', `${r.description}: ${r.error?.message} (${r.error?.code})`, {
            id: r.id,
            code: r.error?.code,
          });
        }
      },
    });
    if (!result.ok && result.results.some((r) => !r.ok)) again = false;
  };

  const trigger = (reason: string) => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let why = reason;
      do {
        again = false;
        try {
          await reconcile(why);
        } catch (error) {
          if (signal.aborted) break;
          const e = errorOf(error);
          log('error', `reconcile failed: ${e.message} (${e.code})`, { code: e.code });
        }
        why = 'events during the last reconcile';
      } while (again && !signal.aborted);
    })().finally(() => {
      running = undefined;
    });
  };

  const onEvent = (line: string) => {
    if (!eventConcerns(line, name, table)) return;
    log('event', line.trim(), { source: 'ip monitor' });
    clearTimeout(debounce);
    debounce = setTimeout(() => trigger('link/route event'), options.debounceMs ?? 250);
  };

  // ip monitor, restarted (at most once a second) should it die.
  let monitor: ResultPromise | undefined;
  const startMonitor = () => {
    const args = [...(netns ? ['-n', netns] : []), 'monitor', 'link', 'route'];
    const child = execa('ip', args, { buffer: false, reject: false, stdin: 'ignore' });
    monitor = child;
    log('monitor', `listening: ip ${args.join(' ')} (pid ${child.pid})`, {
      pid: child.pid ?? null,
    });
    let rest = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onEvent(line);
    });
    void child.then(async (r) => {
      if (signal.aborted) return;
      log('error', `ip monitor exited (${r.exitCode ?? r.signal}); restarting`);
      await sleep(1_000, undefined, { signal }).catch(() => {});
      if (!signal.aborted) startMonitor();
    });
  };

  log(
    'start',
    `watching ${name}${netns ? ` in ${netns}` : ''} and ${config.apps.length} app(s) from ${config.file}; full reconcile every ${config.health.interval} s`,
    {
      pid: process.pid,
    },
  );
  if (options.monitor !== false) startMonitor();
  trigger('start');
  const timer = setInterval(() => trigger('timer'), config.health.interval * 1000);

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

  clearInterval(timer);
  clearTimeout(debounce);
  if (monitor?.pid !== undefined) {
    monitor.kill('SIGTERM');
    await monitor.catch(() => {});
  }
  await running?.catch(() => {});
  await system.close();
  log('stop', 'stopped; every binding is left in place (fail closed)');
}
