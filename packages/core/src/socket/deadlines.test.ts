import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addDeadline, clearDeadline, pendingDeadlines } from './deadlines.js';

describe('shared connect deadlines', () => {
  it('fires each deadline on time, in order, whatever order they were added in', async () => {
    const start = performance.now();
    const fired: [string, number][] = [];
    const done = new Promise<void>((resolve) => {
      const at = (name: string) => () => {
        fired.push([name, performance.now() - start]);
        if (fired.length === 3) resolve();
      };
      addDeadline(120, at('c'));
      addDeadline(40, at('a')); // earlier than the armed one: re-arms
      const cleared = addDeadline(60, at('never'));
      addDeadline(80, at('b'));
      clearDeadline(cleared);
    });
    expect(pendingDeadlines()).toBe(3);
    await done;
    expect(fired.map(([name]) => name)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = fired.map(([, ms]) => ms);
    expect(a).toBeGreaterThanOrEqual(39);
    expect(b).toBeGreaterThanOrEqual(79);
    expect(c).toBeGreaterThanOrEqual(119);
    expect(c).toBeLessThan(1000);
    expect(pendingDeadlines()).toBe(0);
  });

  it('does not keep the process alive on its own (the timer is unref’d)', () => {
    const module = fileURLToPath(new URL('./deadlines.ts', import.meta.url));
    const script = `const { addDeadline } = await import(${JSON.stringify(module)}); addDeadline(60000, () => { process.exitCode = 3; });`;
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 30_000,
      },
    );
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
