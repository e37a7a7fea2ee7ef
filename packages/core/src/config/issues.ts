/**
 * Turns problems (from the line parser or from zod) into one {@link ConfigError} that names the
 * line and the key and says what is expected. Messages are built only from key names, line
 * numbers, the caller's `source` and fixed text: never from a value, so a private or preshared
 * key can not leak into an error, a log line or a stack trace. zod errors are not kept as
 * `cause` for the same reason.
 *
 * @example
 * ```ts
 * import { throwProblems } from './issues.js';
 * throwProblems([{ line: 4, key: 'Interface.MTU', message: 'Interface.MTU is out of range' }], 'wg0.conf');
 * ```
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type FieldInfo, interfaceFields, peerFields, safeName } from './fields.js';

const KNOWN_PROPS = [
  'interface',
  'peers',
  ...Object.keys(interfaceFields),
  ...Object.keys(peerFields),
  'host',
  'port',
];

/** One thing wrong with a config; `message` names the key: `Interface.MTU is missing; expected …`. */
export interface Problem {
  line: number | undefined;
  key: string | undefined;
  message: string;
}

type Path = readonly PropertyKey[];

/** `['peers', 1, 'endpoint', 'port']` → `Peer[2].Endpoint` and the field's description. */
export function describePath(path: Path): {
  key: string | undefined;
  field: FieldInfo | undefined;
} {
  const [section, second, third] = path;
  if (section === 'interface') {
    if (second === undefined) return { key: 'Interface', field: undefined };
    const field = (interfaceFields as Record<PropertyKey, FieldInfo>)[second];
    return {
      key: `Interface.${field?.name ?? safeName(String(second), KNOWN_PROPS) ?? '?'}`,
      field,
    };
  }
  if (section === 'peers') {
    if (typeof second !== 'number') return { key: 'Peer', field: undefined };
    const peer = `Peer[${second + 1}]`;
    if (third === undefined) return { key: peer, field: undefined };
    const field = (peerFields as Record<PropertyKey, FieldInfo>)[third];
    return { key: `${peer}.${field?.name ?? safeName(String(third), KNOWN_PROPS) ?? '?'}`, field };
  }
  return {
    key: section === undefined ? undefined : safeName(String(section), KNOWN_PROPS),
    field: undefined,
  };
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function problemText(issue: z.core.$ZodIssue, missing: boolean): string {
  if (missing) return 'is missing';
  switch (issue.code) {
    case 'custom':
      // Cross-field rules (MTU with IPv6, repeated peer keys) explain themselves; the
      // field-level refinements are covered by the field's "expected" text.
      return issue.params?.explain === true ? issue.message : 'is not valid';
    case 'too_big':
    case 'too_small':
      return 'is out of range';
    case 'unrecognized_keys': {
      const names = issue.keys.map((k) => safeName(k, KNOWN_PROPS) ?? '(not shown)').join(', ');
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${names}`;
    }
    default:
      return 'is not valid';
  }
}

/**
 * Converts zod issues to problems. `root` is the value that was validated (to tell a missing
 * field from a wrong one); `locate` maps an issue path to a line number, when there is a file.
 */
export function problemsFromZod(
  error: z.ZodError,
  root: unknown,
  locate: (path: Path) => number | undefined = () => undefined,
): Problem[] {
  return error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(root, issue.path) === undefined;
    const { key, field } = describePath(issue.path);
    const expected = field ? `; expected ${field.expected}` : '';
    const text = `${problemText(issue, missing)}${expected}`;
    return { line: locate(issue.path), key, message: key ? `${key} ${text}` : text };
  });
}

/**
 * Throws the first problem (by line) as a {@link ConfigError}, listing where the others are.
 * `source` names the file; without a line the message starts with `config:`.
 */
export function throwProblems(problems: readonly Problem[], source?: string): never {
  const sorted = [...problems].sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
  );
  const first = sorted[0] ?? {
    line: undefined,
    key: undefined,
    message: 'the config is not valid',
  };
  const where = (p: Problem) =>
    p.line === undefined ? (source ?? 'config') : `${source ? `${source} ` : ''}line ${p.line}`;
  let message = `${where(first)}: ${first.message}`;
  const rest = sorted.slice(1);
  if (rest.length > 0) {
    const shown = rest
      .slice(0, 5)
      .map((p) => (p.line === undefined ? (p.key ?? '?') : `line ${p.line} ${p.key ?? ''}`.trim()));
    const more = rest.length > 5 ? ', …' : '';
    message += ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'}: ${shown.join(', ')}${more})`;
  }
  throw new ConfigError(message, { line: first.line, key: first.key });
}
