/**
 * `applyPlan(plan, system)`: runs the steps of a plan in order, one at a time, reporting each
 * (`onStep`), then records each app's binding (with the ifindex) in the state file. Stops at the
 * first failed step: what follows depends on it.
 */
import { isSplitnetError } from '@splitnet/core';
import { newRecord, type Plan, type PlanStep, recordKey } from './plan.js';
import type { ReconcileSystem } from './system.js';

export interface StepResult {
  id: string;
  kind: PlanStep['kind'];
  description: string;
  ok: boolean;
  /** What happened, e.g. `ifindex 12` or `2 routes re-added`. */
  detail?: string | undefined;
  ms: number;
  error?: { code: string; message: string } | undefined;
}

export interface ApplyOptions {
  /** Called before and after each step. */
  onStep?:
    | ((event: { phase: 'start'; step: PlanStep } | { phase: 'done'; result: StepResult }) => void)
    | undefined;
  signal?: AbortSignal | undefined;
}

export interface ApplyResult {
  ok: boolean;
  results: StepResult[];
}

export async function applyPlan(
  plan: Plan,
  system: ReconcileSystem,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const { config, tunnel, state, records } = plan.internal;
  const { name, netns, table, priority } = config.interface;
  const results: StepResult[] = [];
  let ok = true;

  const runStep = async (step: PlanStep): Promise<string | undefined> => {
    switch (step.kind) {
      case 'interface-up':
      case 'interface-reconfigure': {
        const r = await system.up(tunnel, { name, netns, table, priority, signal: options.signal });
        if (step.kind === 'interface-reconfigure') await system.ensureInterface();
        return `${r.implementation}, ifindex ${r.ifindex}`;
      }
      case 'link-up':
        await system.setLinkUp();
        return undefined;
      case 'routing': {
        const r = await system.ensureInterface();
        const added = r.added.length + r.addresses.length;
        return `${added} added${r.deferred.length ? `, ${r.deferred.length} deferred (link down)` : ''}`;
      }
      case 'app-bind':
      case 'app-rebind': {
        const index = step.app!;
        const app = config.apps[index]!;
        const adapter = system.adapter(index, app);
        const target = await system.resolveTarget();
        const key = recordKey(app);
        const previousRecord = state.bindings[key];
        let previous = previousRecord?.previous;
        if (step.kind === 'app-bind') {
          const r = await adapter.apply(target, { signal: options.signal });
          previous ??= r.previous;
          await adapter.verify(target, { signal: options.signal });
        } else {
          if (!adapter.rebind) throw new Error(`${adapter.name} has no rebind()`);
          previous ??= await adapter.inspect({ signal: options.signal });
          await adapter.rebind(target, { signal: options.signal });
        }
        records.set(index, { ...newRecord(app, name, previous), ifindex: target.ifindex });
        return `ifindex ${target.ifindex}`;
      }
    }
  };

  for (const step of plan.steps) {
    options.signal?.throwIfAborted();
    options.onStep?.({ phase: 'start', step });
    const started = Date.now();
    const base = { id: step.id, kind: step.kind, description: step.description };
    try {
      const detail = await runStep(step);
      const result: StepResult = { ...base, ok: true, detail, ms: Date.now() - started };
      results.push(result);
      options.onStep?.({ phase: 'done', result });
    } catch (error) {
      const result: StepResult = {
        ...base,
        ok: false,
        ms: Date.now() - started,
        error: isSplitnetError(error)
          ? { code: error.code, message: error.message }
          : { code: 'SPLITNET_ERR_UNEXPECTED', message: String(error) },
      };
      results.push(result);
      options.onStep?.({ phase: 'done', result });
      ok = false;
      // An app step failing does not stop the other apps; an interface step stops everything.
      if (step.app === undefined) break;
    }
  }

  if (records.size > 0) {
    const fresh = await system.readState();
    for (const [index, record] of records) {
      const key = recordKey(config.apps[index]!);
      fresh.bindings[key] = {
        ...record,
        previous: fresh.bindings[key]?.previous ?? record.previous,
      };
    }
    await system.writeState(fresh);
  }
  return { ok: ok && plan.problems.length === 0, results };
}
