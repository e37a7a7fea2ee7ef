/**
 * Network interface names as the Linux kernel accepts them (`dev_valid_name`): 1 to 15 bytes
 * (IFNAMSIZ 16 with the NUL), not `.` or `..`, no `/`, `:` or white space. splitnet also refuses
 * control characters, `%` (the kernel treats `wg%d` as a template) and a leading `-` (it would
 * read as an option to `ip` and `wg`).
 *
 * @example
 * ```ts
 * import { assertInterfaceName } from '@splitnet/core';
 * assertInterfaceName('wg0'); // ok
 * assertInterfaceName('wg/0'); // throws ConfigError
 * ```
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const EXPECTED =
  'expected 1 to 15 bytes without "/", ":", "%", white space or control characters, not "." or "..", not starting with "-"';

function nameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > 15) return 'is longer than 15 bytes';
  if (name === '.' || name === '..') return 'is "." or ".."';
  if (/[/:%]/.test(name)) return 'contains "/", ":" or "%"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\s\x00-\x1f\x7f]/.test(name)) return 'contains white space or a control character';
  if (name.startsWith('-')) return 'starts with "-"';
  return undefined;
}

/** True when `name` is a valid interface name (see the module doc for the rules). */
export function isValidInterfaceName(name: unknown): name is string {
  return typeof name === 'string' && nameProblem(name) === undefined;
}

/** An interface name such as `wg0`: 1-15 bytes, no `/`, `:`, `%`, white space, leading `-`. */
export const interfaceNameSchema = z.string().superRefine((name, ctx) => {
  const problem = nameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `interface name ${problem}; ${EXPECTED}` });
});

/**
 * Throws {@link ConfigError} (key `InterfaceName`) unless `name` is a valid interface name.
 *
 * @param name - The candidate, e.g. `'wg0'`.
 */
export function assertInterfaceName(name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new ConfigError(`interface name is not a string; ${EXPECTED}`, { key: 'InterfaceName' });
  }
  const problem = nameProblem(name);
  if (problem) {
    const shown = JSON.stringify(name.length > 32 ? `${name.slice(0, 32)}…` : name);
    throw new ConfigError(`interface name ${shown} ${problem}; ${EXPECTED}`, {
      key: 'InterfaceName',
    });
  }
}
