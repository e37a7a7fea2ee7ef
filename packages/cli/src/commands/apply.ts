/** `splitnet apply [--dry-run]`: reconcile once, step by step. */
import type { Command } from 'commander';
import { EXIT, type Io } from '../output.js';
import { applyPlan, type StepResult } from '../reconcile/apply.js';
import { type Plan, plan } from '../reconcile/plan.js';
import {
  type ConfigCommandOptions,
  loadConfigFor,
  printJson,
  withConfig,
  withSystem,
} from './config-option.js';

/** A plan as JSON (without internals). */
export const planJson = (p: Plan) => ({
  file: p.file,
  interface: p.interface,
  apps: p.apps,
  steps: p.steps,
  problems: p.problems,
});

export function printPlan(io: Io, p: Plan): void {
  p.steps.forEach((step, i) => {
    io.stdout(`${i + 1}. ${step.description}\n`);
    for (const c of step.commands) io.stdout(`     ${c}\n`);
  });
  for (const problem of p.problems) io.stdout(`problem: ${problem}\n`);
}

export function summary(p: Plan): string {
  const i = p.interface;
  const bound = p.apps.filter((a) => a.state === 'bound').length;
  return `${i.name} up (ifindex ${i.ifindex}), routing complete, ${bound}/${p.apps.length} app(s) bound`;
}

export function registerApply(program: Command, io: Io): void {
  withConfig(
    program
      .command('apply')
      .description(
        'reconcile once: bring the interface up, restore its routing, bind every app (idempotent)',
      )
      .option(
        '-n, --dry-run',
        'print the plan (the exact commands and API calls) and change nothing',
      ),
  ).action(async (o: ConfigCommandOptions & { dryRun?: boolean }) => {
    const config = await loadConfigFor(o, io);
    await withSystem(config, io, async (system) => {
      const p = await plan(config, system);
      if (o.dryRun) {
        if (o.json) printJson(io, { dryRun: true, ...planJson(p) });
        else if (p.steps.length === 0 && p.problems.length === 0)
          io.stdout(`nothing to do: ${summary(p)}\n`);
        else {
          io.stdout(`plan for ${p.file}: ${p.steps.length} step(s) (dry run: nothing changed)\n`);
          printPlan(io, p);
        }
        if (p.problems.length > 0) process.exitCode = EXIT.error;
        return;
      }
      if (p.steps.length === 0) {
        if (o.json)
          printJson(io, {
            changed: false,
            ok: p.problems.length === 0,
            ...planJson(p),
            results: [],
          });
        else {
          if (p.problems.length === 0) io.stdout(`nothing to do: ${summary(p)}\n`);
          for (const problem of p.problems) io.stderr(`problem: ${problem}\n`);
        }
        if (p.problems.length > 0) process.exitCode = EXIT.error;
        return;
      }
      const total = p.steps.length;
      let n = 0;
      const result = await applyPlan(p, system, {
        onStep: (e) => {
          if (o.json) return;
          if (e.phase === 'start') {
            n++;
            io.stdout(`[${n}/${total}] ${e.step.description}\n`);
            for (const c of e.step.commands) io.stdout(`      $ ${c}\n`);
          } else {
            const r: StepResult = e.result;
            io.stdout(
              r.ok
                ? `      ✓ done${r.detail ? ` (${r.detail})` : ''} in ${r.ms} ms\n`
                : `      ✗ failed: ${r.error?.message} (${r.error?.code})\n`,
            );
          }
        },
      });
      if (o.json)
        printJson(io, { changed: true, ok: result.ok, ...planJson(p), results: result.results });
      else {
        for (const problem of p.problems) io.stderr(`problem: ${problem}\n`);
        io.stdout(result.ok ? `applied ${result.results.length} step(s)\n` : 'apply failed\n');
      }
      if (!result.ok) process.exitCode = EXIT.error;
    });
  });
}
