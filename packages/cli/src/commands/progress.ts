/**
 * Progress for long steps, for people: on a terminal a spinner with the elapsed time on one line
 * that becomes `✓ step (1.2 s)`; elsewhere (CI logs, pipes) one `… step` line when the step starts
 * and one `✓ step (1.2 s)` line when it ends.
 */
import type { Io } from '../output.js';

export interface Progress {
  /** Runs `work` as one step: shows it while it runs, then `✓`/`✗` with its duration. */
  step<T>(label: string, work: () => Promise<T>, done?: (value: T) => string): Promise<T>;
  /** Prints a line (clears a spinner first). */
  line(text?: string): void;
  /** Bold on a terminal, plain elsewhere. */
  bold(text: string): string;
  /** Dim on a terminal, plain elsewhere. */
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function createProgress(io: Io, options: { tty?: boolean; color?: boolean } = {}): Progress {
  const tty = options.tty ?? (process.stdout.isTTY === true && io.env.CI === undefined);
  const color = options.color ?? (tty && io.env.NO_COLOR === undefined);
  const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const bold = paint('1');
  const dim = paint('2');
  const green = paint('32');
  const red = paint('31');
  let spinning = false;
  const clear = () => {
    if (spinning) io.stdout('\r\x1b[2K');
  };
  return {
    bold,
    dim,
    green,
    red,
    line(text = '') {
      clear();
      io.stdout(`${text}\n`);
    },
    async step(label, work, done) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      if (tty) {
        let frame = 0;
        const draw = () => {
          io.stdout(
            `\r\x1b[2K  ${FRAMES[frame++ % FRAMES.length]} ${label} ${dim(seconds(Date.now() - started))}`,
          );
        };
        spinning = true;
        draw();
        timer = setInterval(draw, 100);
      } else {
        io.stdout(`  … ${label}\n`);
      }
      try {
        const value = await work();
        clearInterval(timer);
        clear();
        spinning = false;
        io.stdout(
          `  ${green('✓')} ${done ? done(value) : label} ${dim(`(${seconds(Date.now() - started)})`)}\n`,
        );
        return value;
      } catch (error) {
        clearInterval(timer);
        clear();
        spinning = false;
        io.stdout(`  ${red('✗')} ${label} ${dim(`(${seconds(Date.now() - started)})`)}\n`);
        throw error;
      }
    },
  };
}
