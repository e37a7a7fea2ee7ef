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

// ---------------------------------------------------------------------------------------------
// Adapter errors (issue 4). Every one names the adapter (`qbittorrent`, …); none ever carries a
// password, an API key or a cookie.

/** An application adapter failed in a way no more specific class describes. */
export class AdapterError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_ADAPTER';
  static override is = brandCheck<AdapterError>(AdapterError.code);
  /** The adapter's name, e.g. `qbittorrent`. */
  readonly adapter: string;

  constructor(adapter: string, message: string, options: SplitnetErrorOptions = {}) {
    super(AdapterError.code, `[${adapter}] ${message}`, options);
    this.name = 'AdapterError';
    this.adapter = adapter;
  }
}

/** The application's control API could not be reached (connection refused, reset, DNS). */
export class AppUnreachableError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_APP_UNREACHABLE';
  static override is = brandCheck<AppUnreachableError>(AppUnreachableError.code);
  readonly adapter: string;
  /** The API base URL, without credentials. */
  readonly url: string;

  constructor(adapter: string, url: string, message: string, options: SplitnetErrorOptions = {}) {
    super(AppUnreachableError.code, `[${adapter}] ${message}`, options);
    this.name = 'AppUnreachableError';
    this.adapter = adapter;
    this.url = url;
  }
}

/** The application answered, but not as its API documents (unexpected status or body). */
export class AppApiError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_APP_API';
  static override is = brandCheck<AppApiError>(AppApiError.code);
  readonly adapter: string;
  /** The endpoint, e.g. `app/setPreferences`. */
  readonly endpoint: string;
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;

  constructor(
    adapter: string,
    message: string,
    details: { endpoint: string; status?: number | undefined },
    options: SplitnetErrorOptions = {},
  ) {
    super(AppApiError.code, `[${adapter}] ${message}`, options);
    this.name = 'AppApiError';
    this.adapter = adapter;
    this.endpoint = details.endpoint;
    this.status = details.status;
  }
}

/** The application refused the credentials (or none were given and it requires some). */
export class AuthError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_AUTH';
  static override is = brandCheck<AuthError>(AuthError.code);
  readonly adapter: string;

  constructor(adapter: string, message: string, options: SplitnetErrorOptions = {}) {
    super(AuthError.code, `[${adapter}] ${message}`, options);
    this.name = 'AuthError';
    this.adapter = adapter;
  }
}

/** The application banned this client's address after failed logins. splitnet never retries. */
export class AuthBannedError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_AUTH_BANNED';
  static override is = brandCheck<AuthBannedError>(AuthBannedError.code);
  readonly adapter: string;

  constructor(adapter: string, message: string, options: SplitnetErrorOptions = {}) {
    super(AuthBannedError.code, `[${adapter}] ${message}`, options);
    this.name = 'AuthBannedError';
    this.adapter = adapter;
  }
}

/** The application's version cannot do what was asked (e.g. runtime binding before 4.2.0). */
export class AppUnsupportedError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_APP_UNSUPPORTED';
  static override is = brandCheck<AppUnsupportedError>(AppUnsupportedError.code);
  readonly adapter: string;
  /** The version the application reported. */
  readonly version: string;

  constructor(
    adapter: string,
    version: string,
    message: string,
    options: SplitnetErrorOptions = {},
  ) {
    super(AppUnsupportedError.code, `[${adapter}] ${message}`, options);
    this.name = 'AppUnsupportedError';
    this.adapter = adapter;
    this.version = version;
  }
}

/**
 * Reading the application back showed it is not bound as asked (a setting was ignored or changed,
 * or its sockets are on a dead interface). `problems` lists each difference.
 */
export class BindingDriftError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_BINDING_DRIFT';
  static override is = brandCheck<BindingDriftError>(BindingDriftError.code);
  readonly adapter: string;
  readonly problems: readonly string[];

  constructor(adapter: string, problems: readonly string[], options: SplitnetErrorOptions = {}) {
    super(
      BindingDriftError.code,
      `[${adapter}] not bound as expected: ${problems.join('; ')}`,
      options,
    );
    this.name = 'BindingDriftError';
    this.adapter = adapter;
    this.problems = problems;
  }
}

/**
 * The native helper behind bound sockets is not built or cannot load (or this is not Linux).
 * The message names the fix: `pnpm --filter @splitnet/core run build:native`.
 */
export class NativeUnavailableError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_NATIVE_UNAVAILABLE';
  static override is = brandCheck<NativeUnavailableError>(NativeUnavailableError.code);

  constructor(message: string, options: SplitnetErrorOptions = {}) {
    super(NativeUnavailableError.code, message, options);
    this.name = 'NativeUnavailableError';
  }
}

/** The interface exists but is administratively down: bound traffic cannot leave (no leak). */
export class InterfaceDownError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_INTERFACE_DOWN';
  static override is = brandCheck<InterfaceDownError>(InterfaceDownError.code);
  readonly interfaceName: string;

  constructor(interfaceName: string, message: string, options: SplitnetErrorOptions = {}) {
    super(InterfaceDownError.code, message, options);
    this.name = 'InterfaceDownError';
    this.interfaceName = interfaceName;
  }
}

/** The interface has no address (or route) of the IP family a connection needs. */
export class FamilyUnavailableError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_FAMILY_UNAVAILABLE';
  static override is = brandCheck<FamilyUnavailableError>(FamilyUnavailableError.code);
  readonly interfaceName: string;
  readonly family: 4 | 6;

  constructor(
    interfaceName: string,
    family: 4 | 6,
    message: string,
    options: SplitnetErrorOptions = {},
  ) {
    super(FamilyUnavailableError.code, message, options);
    this.name = 'FamilyUnavailableError';
    this.interfaceName = interfaceName;
    this.family = family;
  }
}

/** A DNS lookup through the tunnel failed (NXDOMAIN, SERVFAIL, no answer, all servers silent). */
export class DnsError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_DNS';
  static override is = brandCheck<DnsError>(DnsError.code);
  readonly hostname: string;
  /** The DNS response code (`NXDOMAIN`, `SERVFAIL`, …), or `TIMEOUT` / `NODATA`. */
  readonly rcode: string;

  constructor(
    hostname: string,
    rcode: string,
    message: string,
    options: SplitnetErrorOptions = {},
  ) {
    super(DnsError.code, message, options);
    this.name = 'DnsError';
    this.hostname = hostname;
    this.rcode = rcode;
  }
}

/** The policy table is already used by another interface's routes. */
export class TableInUseError extends SplitnetError {
  static readonly code = 'SPLITNET_ERR_TABLE_IN_USE';
  static override is = brandCheck<TableInUseError>(TableInUseError.code);
  readonly table: number;

  constructor(table: number, message: string, options: SplitnetErrorOptions = {}) {
    super(TableInUseError.code, message, options);
    this.name = 'TableInUseError';
    this.table = table;
  }
}
