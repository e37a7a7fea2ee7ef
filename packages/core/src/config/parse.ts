/**
 * Reads wg-quick text into a {@link WgQuickConfig}. A small line-oriented parser, read the way
 * wg-quick reads it: `#` starts a comment anywhere on a line, keys and section names are
 * case-insensitive, repeated list keys (`Address`, `DNS`, `AllowedIPs`, hooks) accumulate, and
 * every `[Peer]` header starts a new peer. The result goes through {@link wgQuickConfigSchema};
 * every problem is reported with its 1-based line and key.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { parseConfig } from '@splitnet/core';
 * const path = '/etc/wireguard/wg0.conf';
 * const config = parseConfig(await readFile(path, 'utf8'), { source: path });
 * console.log(config.peers.length, config.interface.addresses); // 2 [ '10.66.0.2/32' ]
 * ```
 */
import { ConfigError } from '../errors.js';
import { isIPv6 } from './addresses.js';
import {
  allKeyNames,
  type FieldInfo,
  interfaceFields,
  interfaceKeys,
  peerFields,
  peerKeys,
  safeName,
} from './fields.js';
import { describePath, type Problem, problemsFromZod, throwProblems } from './issues.js';
import { type WgQuickConfig, wgQuickConfigSchema } from './schema.js';

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Where the text came from (usually the file path), used in error messages. Default: none. */
  source?: string | undefined;
}

type Raw = Record<string, unknown>;

interface Section {
  kind: 'interface' | 'peer';
  /** Path of the section in the config object: `['interface']` or `['peers', 1]`. */
  path: (string | number)[];
  raw: Raw;
  /** Line where each single-valued key was first set. */
  seen: Map<string, number>;
}

type Read = { ok: true; value: unknown } | { ok: false; problem: string };

/** Whole numbers become numbers; anything else is a problem. Long digit runs stay text. */
function readInt(text: string): Read {
  return /^\d{1,15}$/.test(text)
    ? { ok: true, value: Number(text) }
    : { ok: false, problem: 'is not a whole number' };
}

function readEndpoint(text: string): Read {
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const match = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
    if (!match) return { ok: false, problem: 'is not [IPv6 address]:port' };
    host = match[1] ?? '';
    port = match[2] ?? '';
    if (!isIPv6(host)) return { ok: false, problem: 'has brackets around something not IPv6' };
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return { ok: false, problem: 'has no port' };
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(':')) {
      return { ok: false, problem: 'has an IPv6 address without brackets' };
    }
  }
  const portValue = readInt(port);
  if (!portValue.ok) return { ok: false, problem: 'has a port that is not a whole number' };
  return { ok: true, value: { host, port: portValue.value } };
}

function readFwMark(text: string): Read {
  if (text.toLowerCase() === 'off') return { ok: true, value: 'off' };
  if (/^0x[0-9a-f]{1,12}$/i.test(text)) return { ok: true, value: Number.parseInt(text, 16) };
  return readInt(text);
}

function splitList(text: string, separators: RegExp): string[] {
  return text
    .split(separators)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Parses wg-quick text. Throws {@link ConfigError} (code `SPLITNET_ERR_CONFIG`) naming the line
 * and key of the first problem (and where the others are); the message never contains a value
 * from the file.
 *
 * @param text - The contents of a wg-quick `.conf` file.
 * @param options - {@link ParseConfigOptions}.
 * @returns The validated, normalised configuration.
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): WgQuickConfig {
  const { source } = options;
  if (typeof text !== 'string') {
    throw new ConfigError(`${source ?? 'config'}: expected the text of a wg-quick file`);
  }
  const problems: Problem[] = [];
  const locations = new Map<string, number>();
  const root: { interface?: Raw; peers: Raw[] } = { peers: [] };
  let interfaceLine: number | undefined;
  let section: Section | 'skip' | undefined;

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((fullLine, index) => {
    const line = index + 1;
    const hash = fullLine.indexOf('#');
    const stripped = (hash < 0 ? fullLine : fullLine.slice(0, hash)).trim();
    if (stripped === '') return;

    if (stripped.startsWith('[')) {
      const name = /^\[\s*([^\]]*?)\s*\]$/.exec(stripped)?.[1];
      const lower = name?.toLowerCase();
      if (lower === 'interface') {
        if (root.interface) {
          problems.push({
            line,
            key: 'Interface',
            message: `a second [Interface] section; expected one (the first is on line ${interfaceLine})`,
          });
          section = 'skip';
          return;
        }
        root.interface = {};
        interfaceLine = line;
        locations.set('interface', line);
        section = { kind: 'interface', path: ['interface'], raw: root.interface, seen: new Map() };
      } else if (lower === 'peer') {
        const raw: Raw = {};
        const peerIndex = root.peers.push(raw) - 1;
        locations.set(`peers.${peerIndex}`, line);
        section = { kind: 'peer', path: ['peers', peerIndex], raw, seen: new Map() };
      } else {
        const shown = name === undefined ? undefined : safeName(name, ['Interface', 'Peer']);
        problems.push({
          line,
          key: shown,
          message: `${shown ? `section [${shown}] is unknown` : 'this section header is unknown (not shown)'}; expected [Interface] or [Peer]`,
        });
        section = 'skip';
      }
      return;
    }

    const eq = stripped.indexOf('=');
    const rawKey = eq < 0 ? undefined : stripped.slice(0, eq).trim();
    const shownKey = rawKey === undefined ? undefined : safeName(rawKey, allKeyNames);
    if (section === 'skip') return;
    const where = section ? describePath(section.path).key : undefined;
    if (rawKey === undefined || rawKey === '') {
      problems.push({
        line,
        key: where,
        message: `${where ? `${where} has a line that is` : 'this line is'} neither "Key = value" nor a [Section] header; expected e.g. "Address = 10.66.0.2/32"`,
      });
      return;
    }
    if (!section) {
      problems.push({
        line,
        key: shownKey,
        message: `${shownKey ?? 'a key'} comes before any section; expected an [Interface] or [Peer] header first`,
      });
      return;
    }

    const isInterface = section.kind === 'interface';
    const lowerKey = rawKey.toLowerCase();
    const prop = (isInterface ? interfaceKeys : peerKeys).get(lowerKey);
    if (prop === undefined) {
      const other = (isInterface ? peerKeys : interfaceKeys).has(lowerKey)
        ? ` (it belongs in ${isInterface ? '[Peer]' : '[Interface]'})`
        : '';
      const valid = Object.values(isInterface ? interfaceFields : peerFields)
        .map((f: FieldInfo) => f.name)
        .filter((n, i, all) => all.indexOf(n) === i)
        .join(', ');
      problems.push({
        line,
        key: shownKey ? `${where}.${shownKey}` : where,
        message: `${shownKey ? `${where}.${shownKey} is not a known key${other}` : `${where} has an unknown key (not shown)`}; expected one of ${valid}`,
      });
      return;
    }
    assign(section, prop, stripped.slice(eq + 1).trim(), line);
  });

  function assign(target: Section, prop: string, value: string, line: number): void {
    const field = (target.kind === 'interface' ? interfaceFields : peerFields)[
      prop as never
    ] as FieldInfo;
    const base = target.path.join('.');
    const key = describePath([...target.path, prop]).key ?? field.name;
    const fail = (problem: string) =>
      problems.push({ line, key, message: `${key} ${problem}; expected ${field.expected}` });
    const append = (listProp: string, items: string[]) => {
      const list = (target.raw[listProp] as unknown[] | undefined) ?? [];
      target.raw[listProp] = list;
      if (list.length === 0) locations.set(`${base}.${listProp}`, line);
      for (const item of items) locations.set(`${base}.${listProp}.${list.push(item) - 1}`, line);
    };
    const single = (read: Read) => {
      const first = target.seen.get(prop);
      if (first !== undefined) {
        fail(`is set twice (first on line ${first})`);
        return;
      }
      target.seen.set(prop, line);
      if (!read.ok) {
        fail(read.problem);
        return;
      }
      target.raw[prop] = read.value;
      locations.set(`${base}.${prop}`, line);
    };

    switch (field.kind) {
      case 'key':
      case 'table':
        single({ ok: true, value });
        return;
      case 'int':
        single(readInt(value));
        return;
      case 'keepalive':
        single(value.toLowerCase() === 'off' ? { ok: true, value: 0 } : readInt(value));
        return;
      case 'fwmark':
        single(readFwMark(value));
        return;
      case 'bool': {
        const lower = value.toLowerCase();
        single(
          lower === 'true' || lower === 'false'
            ? { ok: true, value: lower === 'true' }
            : { ok: false, problem: 'is not true or false' },
        );
        return;
      }
      case 'endpoint':
        single(readEndpoint(value));
        return;
      case 'addresses':
        // wg-quick splits Address and DNS on commas and white space alike.
        append(prop, splitList(value, /[,\s]+/));
        return;
      case 'allowedips':
        // wg(8) reads AllowedIPs as a comma list only.
        append(prop, splitList(value, /,/));
        return;
      case 'dns':
        // As wg-quick: digits-and-dots or anything with a colon is a server, the rest a domain.
        for (const item of splitList(value, /[,\s]+/)) {
          append(/^[\d.]+$/.test(item) || item.includes(':') ? 'dns' : 'dnsSearch', [item]);
        }
        return;
      case 'hook':
        append(prop, [value]);
        return;
    }
  }

  if (!root.interface) {
    problems.push({
      line: 1,
      key: 'Interface',
      message:
        'the [Interface] section is missing; expected an [Interface] section with a PrivateKey',
    });
  }

  const locate = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const line = locations.get(path.slice(0, n).map(String).join('.'));
      if (line !== undefined) return line;
    }
    return undefined;
  };

  // Only optional keys can fail above (and are then left out), so zod never calls them missing.
  if (root.interface) {
    const result = wgQuickConfigSchema.safeParse(root);
    if (result.success && problems.length === 0) return result.data;
    if (!result.success) problems.push(...problemsFromZod(result.error, root, locate));
  }
  return throwProblems(problems, source);
}
