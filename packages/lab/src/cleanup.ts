/**
 * While at least one lab is alive in this process, SIGINT, SIGTERM and `exit` tear it down.
 * The handlers are removed when the last lab is destroyed. After a signal, the lab re-raises it
 * only if nobody else listens for it, so the process ends the way it would have without us.
 */

interface LiveLab {
  destroy(): Promise<void>;
  destroySync(): void;
}

const live = new Map<string, LiveLab>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  const labs = [...live.values()];
  void Promise.allSettled(labs.map((lab) => lab.destroy())).then(() => {
    uninstall();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const lab of live.values()) {
    try {
      lab.destroySync();
    } catch {
      // best effort: the stale sweep finishes the job
    }
  }
  live.clear();
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const sig of SIGNALS) process.on(sig, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const sig of SIGNALS) process.off(sig, onSignal);
  process.off('exit', onExit);
}

export function registerLiveLab(id: string, lab: LiveLab): void {
  live.set(id, lab);
  install();
}

export function unregisterLiveLab(id: string): void {
  live.delete(id);
  if (live.size === 0) uninstall();
}

/** Number of labs this process has alive (for tests). */
export function liveLabCount(): number {
  return live.size;
}
