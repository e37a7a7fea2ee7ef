/**
 * What splitnet does differently from wg-quick, as warnings a caller can show. splitnet never
 * installs routes from AllowedIPs: it brings the interface up with `Table = off` and routes only
 * sockets bound to the interface through its own policy table. `DNS =` feeds splitnet's
 * in-tunnel resolver and is never applied to the host. Hooks run only when the caller opts in.
 * `SaveConfig` is ignored.
 *
 * @example
 * ```ts
 * import { configWarnings, parseConfig } from '@splitnet/core';
 * for (const w of configWarnings(parseConfig(text))) console.warn(`${w.code}: ${w.message}`);
 * // SPLITNET_WARN_CONFIG_TABLE: Table = auto (the default) is ignored: …
 * ```
 */
import type { WgQuickConfig } from './schema.js';

/** A non-fatal remark about a config: how splitnet will treat it differently from wg-quick. */
export interface ConfigWarning {
  /** Stable machine-readable code, one of {@link ConfigWarningCode}. */
  code: string;
  /** One sentence for a human: what is ignored or not applied, and why. */
  message: string;
}

/** The codes of {@link ConfigWarning}s; every one is documented in `docs/configuration.md`. */
export const ConfigWarningCode = {
  /** `Table` is absent (`auto`) or not `off`: splitnet uses `Table = off` and its own table. */
  table: 'SPLITNET_WARN_CONFIG_TABLE',
  /** `DNS` is set: used for the in-tunnel resolver only, never the host's resolver. */
  dns: 'SPLITNET_WARN_CONFIG_DNS',
  /** PreUp/PostUp/PreDown/PostDown are set and the caller did not opt in to running them. */
  hooks: 'SPLITNET_WARN_CONFIG_HOOKS',
  /** `SaveConfig = true`: splitnet never writes the file back. */
  saveConfig: 'SPLITNET_WARN_CONFIG_SAVECONFIG',
  /** The file is readable by group or others although it holds a private key. */
  filePermissions: 'SPLITNET_WARN_CONFIG_FILE_MODE',
} as const;

/** Options of {@link configWarnings}. */
export interface ConfigWarningsOptions {
  /**
   * The caller will run the PreUp/PostUp/PreDown/PostDown hooks, so they deserve no warning.
   * Default: `false` (hooks are not run, and a config with hooks gets a warning).
   */
  runHooks?: boolean | undefined;
}

/**
 * Lists how splitnet will treat `config` differently from `wg-quick up`: the Table=off policy,
 * DNS kept for the in-tunnel resolver, hooks not run (unless `runHooks`), SaveConfig ignored.
 * Messages quote only validated, non-secret values.
 *
 * @param config - A validated configuration (from {@link parseConfig} or {@link validateConfig}).
 * @param options - {@link ConfigWarningsOptions}.
 */
export function configWarnings(
  config: WgQuickConfig,
  options: ConfigWarningsOptions = {},
): ConfigWarning[] {
  const section = config.interface;
  const warnings: ConfigWarning[] = [];
  if (section.table !== 'off') {
    const shown = section.table === undefined ? 'auto (the default)' : section.table;
    warnings.push({
      code: ConfigWarningCode.table,
      message: `Table = ${shown} is ignored: splitnet never installs routes from AllowedIPs; it brings the interface up with Table = off and routes only sockets bound to the interface, through its own policy table`,
    });
  }
  if (section.dns.length > 0 || section.dnsSearch.length > 0) {
    warnings.push({
      code: ConfigWarningCode.dns,
      message:
        "DNS is not applied to the host's resolver: splitnet uses these servers only for its in-tunnel resolver, for connections bound to the interface",
    });
  }
  const hooks = [section.preUp, section.postUp, section.preDown, section.postDown];
  if (!options.runHooks && hooks.some((list) => list.length > 0)) {
    warnings.push({
      code: ConfigWarningCode.hooks,
      message:
        'PreUp/PostUp/PreDown/PostDown commands are not run: pass runHooks: true to run them',
    });
  }
  if (section.saveConfig === true) {
    warnings.push({
      code: ConfigWarningCode.saveConfig,
      message: 'SaveConfig = true is ignored: splitnet never writes the configuration file back',
    });
  }
  return warnings;
}
