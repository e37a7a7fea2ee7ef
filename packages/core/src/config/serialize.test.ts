import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig, serializeConfig, toWgSetconf, type WgQuickConfig } from './index.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');

const config: WgQuickConfig = {
  interface: {
    privateKey: key(1),
    listenPort: 51820,
    fwMark: 51820,
    addresses: ['10.66.0.2/32', 'fd00:66::2/128'],
    dns: ['10.64.0.1'],
    dnsSearch: ['corp.example'],
    mtu: 1420,
    table: 'off',
    preUp: [],
    postUp: ['echo up %i'],
    preDown: [],
    postDown: [],
    saveConfig: false,
  },
  peers: [
    {
      publicKey: key(2),
      presharedKey: key(3),
      allowedIPs: ['0.0.0.0/0', '::/0'],
      endpoint: { host: '2001:db8::1', port: 51820 },
      persistentKeepalive: 25,
    },
    { publicKey: key(4), allowedIPs: [], endpoint: { host: 'vpn.example.com', port: 443 } },
  ],
};

describe('serializeConfig', () => {
  it('writes canonical wg-quick text', () => {
    expect(serializeConfig(config)).toBe(`[Interface]
PrivateKey = ${key(1)}
ListenPort = 51820
FwMark = 0xca6c
Address = 10.66.0.2/32, fd00:66::2/128
DNS = 10.64.0.1, corp.example
MTU = 1420
Table = off
PostUp = echo up %i
SaveConfig = false

[Peer]
PublicKey = ${key(2)}
PresharedKey = ${key(3)}
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8::1]:51820
PersistentKeepalive = 25

[Peer]
PublicKey = ${key(4)}
Endpoint = vpn.example.com:443
`);
    expect(parseConfig(serializeConfig(config))).toStrictEqual(config);
  });

  it('refuses a config that would write a different file (hook with a newline)', () => {
    const injected = {
      ...config,
      interface: { ...config.interface, postUp: ['true\n[Peer]\nPublicKey = x'] },
    };
    expect(() => serializeConfig(injected)).toThrow(ConfigError);
    const hash = {
      ...config,
      interface: { ...config.interface, postUp: ['echo # not a comment'] },
    };
    expect(() => serializeConfig(hash)).toThrow(/Interface\.PostUp/);
  });
});

describe('toWgSetconf', () => {
  it('keeps only what wg(8) accepts, with IPv6 endpoints in brackets', () => {
    expect(toWgSetconf(config)).toBe(`[Interface]
PrivateKey = ${key(1)}
ListenPort = 51820
FwMark = 0xca6c

[Peer]
PublicKey = ${key(2)}
PresharedKey = ${key(3)}
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8::1]:51820
PersistentKeepalive = 25

[Peer]
PublicKey = ${key(4)}
Endpoint = vpn.example.com:443
`);
  });

  it('writes FwMark = off and leaves out absent optional keys', () => {
    const minimal = parseConfig(
      `[Interface]\nPrivateKey = ${key(1)}\nFwMark = off\nTable = auto\n`,
    );
    expect(toWgSetconf(minimal)).toBe(`[Interface]\nPrivateKey = ${key(1)}\nFwMark = off\n`);
  });
});
