/**
 * `loadSplitnetConfig(path)`: reads the YAML (or JSON) file, validates it, resolves relative
 * paths against the file's directory, and throws ONE {@link SplitnetConfigFileError} naming the
 * file, the line and the path in the file (`apps[0].url: expected a URL`) when anything is wrong.
 *
 * @example
 * ```ts
 * const config = await loadSplitnetConfig('/etc/splitnet/splitnet.yaml');
 * console.log(config.interface.name, config.apps.length);
 * ```
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type SplitnetErrorOptions } from '@splitnet/core';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { appAdapterNames } from './apps.js';
import { DEFAULT_CONFIG_PATH, type SplitnetConfig, splitnetConfigSchema } from './schema.js';

const kConfigFileError = Symbol.for('splitnet.config-file-error');
const MAX_BYTES = 1024 * 1024;

/**
 * The configuration file is missing, unreadable or invalid. Code `SPLITNET_ERR_CONFIG` (it is a
 * {@link ConfigError}); the CLI exits with 2 and changes nothing.
 */
export class SplitnetConfigFileError extends ConfigError {
  readonly [kConfigFileError] = true;
  /** The file (absolute). */
  readonly file: string;
  /** Path in the file, e.g. `apps[0].url`, when the error is about one value. */
  readonly path: string | undefined;

  constructor(
    file: string,
    message: string,
    details: { line?: number | undefined; path?: string | undefined } = {},
    options: SplitnetErrorOptions = {},
  ) {
    super(
      `${file}${details.line ? `:${details.line}` : ''}: ${details.path ? `${details.path}: ` : ''}${message}`,
      { line: details.line, key: details.path },
      options,
    );
    this.name = 'SplitnetConfigFileError';
    this.file = file;
    this.path = details.path;
  }

  static isConfigFileError(value: unknown): value is SplitnetConfigFileError {
    return typeof value === 'object' && value !== null && kConfigFileError in value;
  }
}

/** `--config`, else `$SPLITNET_CONFIG`, else `/etc/splitnet/splitnet.yaml`. */
export function configPathFrom(
  option: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  return resolve(option ?? (env.SPLITNET_CONFIG || DEFAULT_CONFIG_PATH));
}

/** `apps[0].url`, from zod's `['apps', 0, 'url']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) {
      return { found: false, value: undefined };
    }
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return { found: true, value };
}

function issueMessage(
  issue: z.core.$ZodIssue,
  root: unknown,
): { path: PropertyKey[]; message: string } {
  const path = [...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      return {
        path: [...path, key],
        message: `unknown key${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : ''}`,
      };
    }
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator === 'adapter') {
        return {
          path,
          message: `unknown adapter; known adapters: ${appAdapterNames.join(', ')}`,
        };
      }
      return { path, message: issue.message };
    case 'invalid_type':
      if (!valueAt(root, path).found) return { path, message: `missing (${issue.expected})` };
      return { path, message: issue.message.replace(/^Invalid input: /, '') };
    default:
      return { path, message: issue.message.replace(/^Invalid input: /, '') };
  }
}

function resolvePaths(config: SplitnetConfig, dir: string): SplitnetConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  return {
    ...config,
    interface: { ...config.interface, config: abs(config.interface.config) },
    apps: config.apps.map((app) => ({
      ...app,
      ...(app.passwordFile ? { passwordFile: abs(app.passwordFile) } : {}),
      ...(app.apiKeyFile ? { apiKeyFile: abs(app.apiKeyFile) } : {}),
    })),
    ...(config.stateDir ? { stateDir: abs(config.stateDir) } : {}),
  };
}

/** Parses and validates the text of a configuration file (YAML 1.2, so JSON too). */
export function parseSplitnetConfig(text: string, file: string): SplitnetConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [yamlError] = doc.errors;
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new SplitnetConfigFileError(
      file,
      `not valid YAML/JSON: ${yamlError.message.split('\n')[0]}`,
      {
        line,
      },
    );
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SplitnetConfigFileError(file, 'expected a mapping (interface:, apps:, …)');
  }
  const parsed = splitnetConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => issueMessage(i, value));
    const first = issues[0]!;
    const lineOf = (path: PropertyKey[]) => {
      // The deepest node that exists in the document: its line.
      for (let n = path.length; n >= 1; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
    const more = issues
      .slice(1, 6)
      .map((i) => `\n  also ${formatPath(i.path) || '(top level)'}: ${i.message}`)
      .join('');
    throw new SplitnetConfigFileError(file, `${first.message}${more}`, {
      line: lineOf(first.path),
      path: formatPath(first.path) || undefined,
    });
  }
  return resolvePaths({ ...(parsed.data as Omit<SplitnetConfig, 'file'>), file }, dirname(file));
}

/** Reads, parses and validates a configuration file. Changes nothing. */
export async function loadSplitnetConfig(path: string): Promise<SplitnetConfig> {
  const file = resolve(path);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new SplitnetConfigFileError(file, 'not a regular file');
    if (info.size > MAX_BYTES) {
      throw new SplitnetConfigFileError(file, `larger than ${MAX_BYTES} bytes`);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (SplitnetConfigFileError.isConfigFileError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `no such file (write one, see docs/cli.md, or pass --config <file> / set SPLITNET_CONFIG)`
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied (run as root?)'
          : `cannot read it (${code ?? 'error'})`;
    throw new SplitnetConfigFileError(file, reason, {}, { cause: error });
  }
  return parseSplitnetConfig(text, file);
}
