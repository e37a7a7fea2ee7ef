import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, isSplitnetError } from '../errors.js';
import { parseConfig, serializeConfig, validateConfig, type WgQuickConfig } from './index.js';

const wgKey = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));

const v4 = fc.ipV4();
const v6 = fc.ipV6();
const cidr4 = fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`);
const cidr6 = fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
const cidr = fc.oneof(cidr4, cidr6);
const hostName = fc.domain().filter((d) => !/^[\d.]+$/.test(d));
const hook = fc.stringMatching(/^[a-z0-9][a-z0-9 $%=;|&._/-]{0,30}[a-z0-9]$/);
const tableName = fc
  .stringMatching(/^[a-z_][a-z0-9_.-]{0,10}$/)
  .filter((t) => t !== 'off' && t !== 'auto');

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops undefined fields, as a parsed config has none. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const interfaceArb = fc
  .record({
    privateKey: wgKey,
    listenPort: opt(fc.integer({ min: 0, max: 65535 })),
    fwMark: opt(fc.oneof(fc.constant('off' as const), fc.integer({ min: 0, max: 0xffffffff }))),
    addresses: fc.array(cidr, { maxLength: 4 }),
    dns: fc.array(fc.oneof(v4, v6), { maxLength: 3 }),
    dnsSearch: fc.array(hostName, { maxLength: 2 }),
    mtu: opt(fc.integer({ min: 576, max: 65535 })),
    table: opt(
      fc.oneof(
        fc.constantFrom('off', 'auto'),
        fc.integer({ min: 1, max: 0xffffffff }).map(String),
        tableName,
      ),
    ),
    preUp: fc.array(hook, { maxLength: 2 }),
    postUp: fc.array(hook, { maxLength: 2 }),
    preDown: fc.array(hook, { maxLength: 2 }),
    postDown: fc.array(hook, { maxLength: 2 }),
    saveConfig: opt(fc.boolean()),
  })
  .map((section) =>
    // IPv6 needs an MTU of at least 1280.
    section.mtu !== undefined &&
    section.mtu < 1280 &&
    section.addresses.some((a) => a.includes(':'))
      ? { ...section, mtu: 1280 }
      : section,
  )
  .map(compact);

const peerArb = (publicKey: string) =>
  fc
    .record({
      presharedKey: opt(wgKey),
      allowedIPs: fc.array(cidr, { maxLength: 4 }),
      endpoint: opt(
        fc
          .record({
            host: fc.oneof(v4, v6, hostName),
            port: fc.integer({ min: 1, max: 65535 }),
          })
          .map((endpoint) => ({ ...endpoint })), // fc.record objects have a null prototype
      ),
      persistentKeepalive: opt(fc.integer({ min: 0, max: 65535 })),
    })
    .map((peer) => compact({ publicKey, ...peer }));

const configArb: fc.Arbitrary<WgQuickConfig> = fc
  .tuple(interfaceArb, fc.uniqueArray(wgKey, { maxLength: 4 }))
  .chain(([section, keys]) =>
    fc.tuple(...keys.map(peerArb)).map((peers) => ({ interface: section, peers })),
  );

describe('property: serialize then parse is the identity', () => {
  it('round-trips arbitrary valid configs', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        expect(validateConfig(config)).toStrictEqual(config);
        const text = serializeConfig(config);
        expect(parseConfig(text)).toStrictEqual(config);
        // Keys are case-insensitive: the same file with lower-cased key names reads the same.
        const lowered = text.replace(/^([A-Za-z]+) =/gm, (_, k: string) => `${k.toLowerCase()} =`);
        expect(parseConfig(lowered)).toStrictEqual(config);
      }),
      { numRuns: 300 },
    );
  });
});

// Lines that look like wg-quick, lines that almost do, and noise.
const keyName = fc.constantFrom(
  'PrivateKey',
  'privatekey',
  'PresharedKey',
  'PublicKey',
  'Address',
  'DNS',
  'MTU',
  'ListenPort',
  'FwMark',
  'Table',
  'PostUp',
  'SaveConfig',
  'AllowedIPs',
  'Endpoint',
  'PersistentKeepalive',
  'PrivateKye',
  'Bogus',
);
const noise = fc.string({ unit: 'binary', maxLength: 30 });
const value = fc.oneof(
  wgKey,
  wgKey.map((k) => k.slice(0, 43)),
  wgKey.map((k) => `${k}${k}`),
  cidr,
  fc.integer({ min: -5, max: 70000 }).map(String),
  fc.constantFrom('off', 'auto', 'true', '[::1]:5', '1.2.3.4:51820', 'host:', ''),
  noise,
);
const line = fc.oneof(
  fc.constantFrom('[Interface]', '[Peer]', '[peer]', '[Bogus]', '', '# comment', '['),
  fc.tuple(keyName, fc.constantFrom(' = ', '=', ' =', '= '), value).map((p) => p.join('')),
  wgKey,
  noise,
);
const garbage = fc
  .array(line, { maxLength: 20 })
  .chain((lines) => fc.constantFrom('\n', '\r\n').map((eol) => lines.join(eol)));

/** Every 44-character key on a PrivateKey or PresharedKey line (any case, any spacing). */
function secretsIn(text: string): string[] {
  const secrets: string[] = [];
  for (const l of text.split(/\r?\n/)) {
    const match = /^\s*(?:privatekey|presharedkey)\s*=\s*(.*)$/i.exec(l);
    for (const candidate of match?.[1]?.match(/[A-Za-z0-9+/]{43}=/g) ?? []) secrets.push(candidate);
  }
  return secrets;
}

describe('property: garbage in, ConfigError out, no secret in it', () => {
  it('either parses or throws a ConfigError that never contains a key from the input', () => {
    fc.assert(
      fc.property(garbage, (text) => {
        try {
          parseConfig(text, { source: '/etc/wireguard/wg0.conf' });
        } catch (error) {
          expect(isSplitnetError(error) && ConfigError.is(error)).toBe(true);
          const e = error as ConfigError;
          expect(typeof e.line === 'number' || e.line === undefined).toBe(true);
          const shown = `${e.message}\n${e.stack}\n${JSON.stringify(e)}`;
          for (const secret of secretsIn(text)) {
            expect(shown).not.toContain(secret);
            expect(shown).not.toContain(secret.slice(0, 43));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary unicode text never throws anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        try {
          parseConfig(text);
        } catch (error) {
          expect(ConfigError.is(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('validateConfig on arbitrary values throws only ConfigError, without key values', () => {
    const anything = fc.anything();
    fc.assert(
      fc.property(
        configArb,
        anything,
        fc.constantFrom('privateKey', 'mtu', 'table', 'addresses'),
        (config, junk, field) => {
          const secret = config.interface.privateKey;
          const broken = { ...config, interface: { ...config.interface, [field]: junk } };
          try {
            validateConfig(broken);
          } catch (error) {
            expect(ConfigError.is(error)).toBe(true);
            expect((error as Error).message).not.toContain(secret);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
