import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { isValidWgKey, validateConfig, wgQuickConfigSchema } from './index.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');

function validationError(value: unknown): ConfigError {
  try {
    validateConfig(value);
  } catch (error) {
    if (ConfigError.is(error)) return error as ConfigError;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('validateConfig', () => {
  it('normalises a config built in code', () => {
    const config = validateConfig({
      interface: { privateKey: key(1), addresses: [' 10.66.0.2 ', 'fd00::2'] },
      peers: [{ publicKey: key(2), allowedIPs: ['0.0.0.0/0'] }],
    });
    expect(config.interface.addresses).toEqual(['10.66.0.2/32', 'fd00::2/128']);
    expect(config.interface.dns).toEqual([]);
    expect(config.peers[0]?.allowedIPs).toEqual(['0.0.0.0/0']);
    expect(validateConfig({ interface: { privateKey: key(1) } }).peers).toEqual([]);
  });

  it.each([
    [{ interface: { privateKey: 'x' } }, 'Interface.PrivateKey'],
    [{ interface: {} }, 'Interface.PrivateKey'],
    [{ interface: { privateKey: key(1), mtu: 1500.5 } }, 'Interface.MTU'],
    [{ interface: { privateKey: key(1), mtu: 1000, addresses: ['fd00::1'] } }, 'Interface.MTU'],
    [{ interface: { privateKey: key(1), fwMark: 'on' } }, 'Interface.FwMark'],
    [{ interface: { privateKey: key(1), listenPort: 70000 } }, 'Interface.ListenPort'],
    [{ interface: { privateKey: key(1), mtuu: 1 } }, 'Interface'],
    [
      {
        interface: { privateKey: key(1) },
        peers: [{ publicKey: key(2), endpoint: { host: '[::1]', port: 1 } }],
      },
      'Peer[1].Endpoint',
    ],
    [
      { interface: { privateKey: key(1) }, peers: [{ publicKey: key(2) }, { publicKey: key(2) }] },
      'Peer[2].PublicKey',
    ],
    [
      {
        interface: { privateKey: key(1) },
        peers: [{ publicKey: key(2), persistentKeepalive: -1 }],
      },
      'Peer[1].PersistentKeepalive',
    ],
    [null, undefined],
  ])('rejects %j at %s', (value, key) => {
    const error = validationError(value);
    expect(error.key).toBe(key);
    expect(error.line).toBeUndefined();
    expect(error.message).toMatch(/^\[splitnet\] config: /);
  });

  it('names unknown fields only when they are near misses', () => {
    expect(validationError({ interface: { privateKey: key(1), mtuu: 1 } }).message).toContain(
      'mtuu',
    );
    const secret = key(9);
    const error = validationError({ interface: { privateKey: key(1), [secret]: 1 } });
    expect(error.message).not.toContain(secret);
  });

  it('never shows a private or preshared key value', () => {
    const almost = `${key(7).slice(0, 43)}!`;
    const error = validationError({
      interface: { privateKey: almost },
      peers: [{ publicKey: key(2), presharedKey: almost }],
    });
    expect(error.message).not.toContain(almost);
    expect(error.message).not.toContain(almost.slice(0, 40));
  });
});

describe('isValidWgKey and the schemas', () => {
  it('accepts exactly 32-byte base64 keys', () => {
    expect(isValidWgKey(key(1))).toBe(true);
    expect(isValidWgKey(Buffer.alloc(31).toString('base64'))).toBe(false);
    expect(isValidWgKey(Buffer.alloc(33).toString('base64'))).toBe(false);
    expect(isValidWgKey(`${key(1).slice(0, 42)}B=`)).toBe(false); // stray low bits
    expect(isValidWgKey(key(1).replace('=', ''))).toBe(false);
    expect(isValidWgKey(42)).toBe(false);
  });

  it('zod issues of the exported schema do not carry the input', () => {
    const almost = `${key(7).slice(0, 43)}!`;
    const result = wgQuickConfigSchema.safeParse({ interface: { privateKey: almost } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain(almost);
  });
});
