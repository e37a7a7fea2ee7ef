/**
 * Connect deadlines on one shared timer. A Node timer per connect is not free: with one
 * connection at a time, every `setTimeout` creates the timer list for its duration and every
 * `clearTimeout` tears it down again (the connect+close benchmark measured about 30 µs of CPU per
 * connect for the pair through the lab tunnel). Here a connect costs a `Set` insert and delete;
 * one unref'd timer is armed for the earliest deadline and re-armed when it fires. Deadlines fire
 * on time (not on a coarse tick, unlike undici's fast timers, which solve the same problem).
 */
import { performance } from 'node:perf_hooks';

/** Node timers hold at most 2^31 - 1 ms; a longer one would fire after 1 ms. */
const MAX_TIMER = 2 ** 31 - 1;

/** A pending deadline; pass it to {@link clearDeadline} when the operation settles first. */
export interface Deadline {
  readonly at: number;
  readonly fire: () => void;
}

const pending = new Set<Deadline>();
let timer: NodeJS.Timeout | undefined;
let armedAt = Number.POSITIVE_INFINITY;

function arm(at: number, now: number): void {
  if (at >= armedAt) return;
  clearTimeout(timer);
  armedAt = at;
  // Unref'd: the socket that is connecting keeps the process alive, not its deadline.
  timer = setTimeout(sweep, Math.min(Math.max(1, Math.ceil(at - now)), MAX_TIMER)).unref();
}

function sweep(): void {
  timer = undefined;
  armedAt = Number.POSITIVE_INFINITY;
  const now = performance.now();
  let next = Number.POSITIVE_INFINITY;
  const due: Deadline[] = [];
  for (const deadline of pending) {
    // Node may run a timer up to a millisecond before performance.now() says it is due.
    if (deadline.at <= now + 1) due.push(deadline);
    else if (deadline.at < next) next = deadline.at;
  }
  for (const deadline of due) pending.delete(deadline);
  if (next !== Number.POSITIVE_INFINITY) arm(next, now);
  for (const deadline of due) deadline.fire();
}

/** Calls `fire` in `ms` milliseconds unless {@link clearDeadline} comes first. */
export function addDeadline(ms: number, fire: () => void): Deadline {
  const now = performance.now();
  const deadline = { at: now + ms, fire };
  pending.add(deadline);
  arm(deadline.at, now);
  return deadline;
}

/** Cancels a deadline (no-op once it fired). The shared timer stays armed; it is cheap to fire. */
export function clearDeadline(deadline: Deadline): void {
  pending.delete(deadline);
}

/** Deadlines not yet fired or cleared (tests). */
export function pendingDeadlines(): number {
  return pending.size;
}
