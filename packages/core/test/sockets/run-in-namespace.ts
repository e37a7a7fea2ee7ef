/**
 * `runInNamespace()`: runs a scenario of `fixtures/in-namespace.ts` in a lab namespace (vitest
 * itself runs in the root namespace) and returns its JSON result. Optionally as an unprivileged
 * user (`setpriv`). The child is ended by its recorded PID on timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/in-namespace.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface RunInNamespaceOptions {
  /** Kill the child (by PID) after this many ms. Default: 60 000. */
  timeout?: number;
  /** Drop to uid/gid 65534 with no supplementary groups and no capabilities. */
  unprivileged?: boolean;
}

export interface NamespaceChild {
  readonly pid: number;
  /** Resolves with the first line that parses as JSON and has `ready`. */
  ready: Promise<Record<string, unknown>>;
  /** Resolves with the scenario's `result`. */
  result: Promise<unknown>;
  send(line: string): void;
  kill(): void;
}

export function startInNamespace(
  ns: string,
  scenario: string,
  input: object,
  options: RunInNamespaceOptions = {},
): NamespaceChild {
  const drop = options.unprivileged
    ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all']
    : [];
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      ...drop,
      process.execPath,
      '--import',
      'tsx',
      fixture,
      scenario,
      JSON.stringify(input),
    ],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: '' },
    },
  );
  const pid = child.pid ?? -1;
  const kill = () => {
    if (child.exitCode === null && pid > 0) process.kill(pid, 'SIGKILL');
  };
  const timer = setTimeout(kill, options.timeout ?? 60_000);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  let onReady: (value: Record<string, unknown>) => void = () => {};
  const ready = new Promise<Record<string, unknown>>((r) => (onReady = r));
  const result = new Promise<unknown>((resolve, reject) => {
    let found: { result: unknown } | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.ready) onReady(parsed);
        if ('result' in parsed) found = parsed as { result: unknown };
      } catch {
        // not ours
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (found) resolve(found.result);
      else
        reject(
          new Error(`${scenario} in ${ns} exited ${code} without a result: ${stderr.slice(-2000)}`),
        );
    });
  });
  return { pid, ready, result, send: (line) => child.stdin?.write(`${line}\n`), kill };
}

export function runInNamespace(
  ns: string,
  scenario: string,
  input: object,
  options: RunInNamespaceOptions = {},
): Promise<unknown> {
  const child = startInNamespace(ns, scenario, input, options);
  child.send('');
  return child.result;
}
