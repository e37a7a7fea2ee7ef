/**
 * Errors thrown by splitnet. Every error has a stable `code` (`SPLITNET_ERR_*`), a message that
 * names the context and what to do, and the original error as `cause`. Every code is documented
 * in `docs/errors.md`.
 *
 * Recognise them with {@link isSplitnetError} or the static `is()` of a class rather than
 * `instanceof`: two copies of `@splitnet/core` in one process still recognise each other's errors.
 *
 * @example
 * ```ts
 * import { up, ConfigError } from '@splitnet/core';
 * try { await up(config); } catch (e) { if (ConfigError.is(e)) console.error(e.line, e.key); }
 * ```
 */

const kSplitnetError = Symbol.for('splitnet.error');

export interface SplitnetErrorOptions {
  cause?: unknown;
}

export class SplitnetError extends Error {
  /** Stable machine-readable code, e.g. `SPLITNET_ERR_CONFIG`. */
  readonly code: string;
  readonly [kSplitnetError] = true;

  constructor(code: string, message: string, options: SplitnetErrorOptions = {}) {
    super(message.startsWith('[splitnet]') ? message : `[splitnet] ${message}`, {
      cause: options.cause,
    });
    this.name = 'SplitnetError';
    this.code = code;
  }

  /** True for any splitnet error, from any copy of this package. */
  static is(value: unknown): value is SplitnetError {
    return isSplitnetError(value);
  }
}

export function isSplitnetError(value: unknown): value is SplitnetError {
  return typeof value === 'object' && value !== null && kSplitnetError in value;
}

/** Defines `static is()` on a subclass, matched by code so it works across package copies. */
function brandCheck<T extends SplitnetError>(code: string) {
  return (value: unknown): value is T => isSplitnetError(value) && value.code === code;
}

/** A wg-quick file or an option object is invalid. Names the line and key where known. */
export class ConfigError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_CONFIG';
  static override is = brandCheck<ConfigError>(ConfigError.code);
  /** 1-based line in the source file, when the value came from a file. */
  readonly line: number | undefined;
  /** The section and key, e.g. `Peer[1].Endpoint`, when known. */
  readonly key: string | undefined;

  constructor(
    message: string,
    details: { line?: number | undefined; key?: string | undefined } = {},
    options: SplitnetErrorOptions = {},
  ) {
    super(ConfigError.code, message, options);
    this.name = 'ConfigError';
    this.line = details.line;
    this.key = details.key;
  }
}

/** A program splitnet needs (`ip`, `wg`, `wireguard-go`, `nft`, …) is not installed. */
export class MissingToolError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_MISSING_TOOL';
  static override is = brandCheck<MissingToolError>(MissingToolError.code);
  readonly tool: string;

  constructor(tool: string, hint: string, options: SplitnetErrorOptions = {}) {
    super(MissingToolError.code, `${tool} is not installed: ${hint}`, options);
    this.name = 'MissingToolError';
    this.tool = tool;
  }
}

/** The caller lacks a privilege (root or CAP_NET_ADMIN / CAP_NET_RAW). */
export class PermissionError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_PERMISSION';
  static override is = brandCheck<PermissionError>(PermissionError.code);

  constructor(message: string, options: SplitnetErrorOptions = {}) {
    super(PermissionError.code, message, options);
    this.name = 'PermissionError';
  }
}

/** An external command failed. `command` is the argv as run, with secrets redacted. */
export class CommandError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_COMMAND';
  static override is = brandCheck<CommandError>(CommandError.code);
  readonly command: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(
    message: string,
    details: { command: readonly string[]; exitCode?: number | undefined; stderr?: string },
    options: SplitnetErrorOptions = {},
  ) {
    super(CommandError.code, message, options);
    this.name = 'CommandError';
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? '';
  }
}

/** An interface operation failed (e.g. a name already used by a non-WireGuard link). */
export class InterfaceError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_INTERFACE';
  static override is = brandCheck<InterfaceError>(InterfaceError.code);
  readonly interfaceName: string;

  constructor(interfaceName: string, message: string, options: SplitnetErrorOptions = {}) {
    super(InterfaceError.code, message, options);
    this.name = 'InterfaceError';
    this.interfaceName = interfaceName;
  }
}

/** The interface does not exist (in the namespace asked for). */
export class InterfaceNotFoundError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_INTERFACE_NOT_FOUND';
  static override is = brandCheck<InterfaceNotFoundError>(InterfaceNotFoundError.code);
  readonly interfaceName: string;

  constructor(interfaceName: string, message: string, options: SplitnetErrorOptions = {}) {
    super(InterfaceNotFoundError.code, message, options);
    this.name = 'InterfaceNotFoundError';
    this.interfaceName = interfaceName;
  }
}

/** An operation did not finish in time. */
export class TimeoutError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_TIMEOUT';
  static override is = brandCheck<TimeoutError>(TimeoutError.code);
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options: SplitnetErrorOptions = {}) {
    super(TimeoutError.code, message, options);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
