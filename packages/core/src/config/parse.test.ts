import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseConfig, serializeConfig, type WgQuickConfig } from './index.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const PRIV = key(1);
const PUB1 = key(2);
const PUB2 = key(3);
const PUB3 = key(4);
const PSK = key(5);

function parseError(text: string): ConfigError {
  try {
    parseConfig(text, { source: 'wg0.conf' });
  } catch (error) {
    if (ConfigError.is(error)) return error as ConfigError;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads a two-peer file as two peers, with repeated and comma-list keys accumulating', () => {
    const text = `# provider config
[Interface]
PrivateKey = ${PRIV}
Address = 10.66.0.2/32
Address = fd00:66::2, 10.66.0.3
DNS = 10.64.0.1
dns = 2001:db8::53, corp.example
ListenPort = 51820   # trailing comment
MTU = 1420
Table = off

[Peer]
PublicKey = ${PUB1}
PresharedKey = ${PSK}
AllowedIPs = 0.0.0.0/0
AllowedIPs = ::/0
Endpoint = 1.2.3.4:51820
PersistentKeepalive = 25

[peer]
publickey = ${PUB2}
allowedips = 10.0.0.0/8, 192.168.1.1
ENDPOINT = [2001:db8::1]:51821
`;
    const config = parseConfig(text);
    expect(config).toEqual({
      interface: {
        privateKey: PRIV,
        listenPort: 51820,
        addresses: ['10.66.0.2/32', 'fd00:66::2/128', '10.66.0.3/32'],
        dns: ['10.64.0.1', '2001:db8::53'],
        dnsSearch: ['corp.example'],
        mtu: 1420,
        table: 'off',
        preUp: [],
        postUp: [],
        preDown: [],
        postDown: [],
      },
      peers: [
        {
          publicKey: PUB1,
          presharedKey: PSK,
          allowedIPs: ['0.0.0.0/0', '::/0'],
          endpoint: { host: '1.2.3.4', port: 51820 },
          persistentKeepalive: 25,
        },
        {
          publicKey: PUB2,
          allowedIPs: ['10.0.0.0/8', '192.168.1.1/32'],
          endpoint: { host: '2001:db8::1', port: 51821 },
        },
      ],
    } satisfies WgQuickConfig);
    expect(parseConfig(serializeConfig(config))).toStrictEqual(config);
  });

  it('keeps three peers, host name endpoints, hooks and CRLF line ends', () => {
    const text = [
      '\uFEFF[Interface]',
      `PrivateKey = ${PRIV}`,
      'Address = 10.66.0.2 10.66.0.4/31',
      'PostUp = iptables -A FORWARD -i %i -j ACCEPT; echo a=b',
      'PostUp = echo second',
      'FwMark = 0xca6c',
      'SaveConfig = TRUE',
      '[Peer]',
      `PublicKey = ${PUB1}`,
      'Endpoint = vpn.example.com:51820',
      '[Peer]',
      `PublicKey = ${PUB2}`,
      'Endpoint = 198.51.100.7:1',
      'PersistentKeepalive = off',
      '[Peer]',
      `PublicKey = ${PUB3}`,
      'Endpoint = [::ffff:192.0.2.1]:65535',
      '',
    ].join('\r\n');
    const config = parseConfig(text);
    expect(config.peers.map((p) => p.endpoint)).toEqual([
      { host: 'vpn.example.com', port: 51820 },
      { host: '198.51.100.7', port: 1 },
      { host: '::ffff:192.0.2.1', port: 65535 },
    ]);
    expect(config.peers[1]?.persistentKeepalive).toBe(0);
    expect(config.interface.addresses).toEqual(['10.66.0.2/32', '10.66.0.4/31']);
    expect(config.interface.postUp).toEqual([
      'iptables -A FORWARD -i %i -j ACCEPT; echo a=b',
      'echo second',
    ]);
    expect(config.interface.fwMark).toBe(0xca6c);
    expect(config.interface.saveConfig).toBe(true);
    const again = parseConfig(serializeConfig(config));
    expect(again).toStrictEqual(config);
    expect(again.peers).toHaveLength(3);
  });

  it('accepts a file with no peers, and FwMark/Table spelled as wg-quick allows', () => {
    const config = parseConfig(
      `[Interface]\nPrivateKey=${PRIV}\nFwMark = OFF\nTable = 51820\nListenPort = 0\n`,
    );
    expect(config.peers).toEqual([]);
    expect(config.interface.fwMark).toBe('off');
    expect(config.interface.table).toBe('51820');
    expect(config.interface.listenPort).toBe(0);
  });
});

const I = `[Interface]\nPrivateKey = ${PRIV}\n`; // lines 1-2
const P = `[Peer]\nPublicKey = ${PUB1}\n`; // two lines

describe('parseConfig rejects every invalid field with its line and key', () => {
  const cases: [name: string, text: string, line: number, key: string | undefined][] = [
    ['PrivateKey not base64', '[Interface]\nPrivateKey = not-a-key\n', 2, 'Interface.PrivateKey'],
    [
      'PrivateKey of 31 bytes',
      `[Interface]\nPrivateKey = ${Buffer.alloc(31, 1).toString('base64')}\n`,
      2,
      'Interface.PrivateKey',
    ],
    [
      'PrivateKey of 33 bytes',
      `[Interface]\nPrivateKey = ${Buffer.alloc(33, 1).toString('base64')}\n`,
      2,
      'Interface.PrivateKey',
    ],
    [
      'PrivateKey with stray bits',
      `[Interface]\nPrivateKey = ${PRIV.slice(0, 42)}B=\n`,
      2,
      'Interface.PrivateKey',
    ],
    ['PrivateKey missing', '[Interface]\nAddress = 10.0.0.1\n', 1, 'Interface.PrivateKey'],
    ['PrivateKey set twice', `${I}PrivateKey = ${PRIV}\n`, 3, 'Interface.PrivateKey'],
    ['ListenPort too big', `${I}ListenPort = 65536\n`, 3, 'Interface.ListenPort'],
    ['ListenPort negative', `${I}ListenPort = -1\n`, 3, 'Interface.ListenPort'],
    ['ListenPort not a number', `${I}ListenPort = http\n`, 3, 'Interface.ListenPort'],
    ['FwMark too big', `${I}FwMark = 0x100000000\n`, 3, 'Interface.FwMark'],
    ['FwMark word', `${I}FwMark = on\n`, 3, 'Interface.FwMark'],
    ['Address prefix too long', `${I}Address = 10.0.0.1/33\n`, 3, 'Interface.Address'],
    ['Address v6 prefix too long', `${I}Address = fd00::1/129\n`, 3, 'Interface.Address'],
    ['Address bad octet', `${I}Address = 10.0.0.1\nAddress = 300.1.1.1\n`, 4, 'Interface.Address'],
    ['Address leading zero', `${I}Address = 010.0.0.1\n`, 3, 'Interface.Address'],
    ['Address word', `${I}Address = home\n`, 3, 'Interface.Address'],
    ['Address zone id', `${I}Address = fe80::1%eth0\n`, 3, 'Interface.Address'],
    ['DNS short v4', `${I}DNS = 1.2.3\n`, 3, 'Interface.DNS'],
    ['DNS bad v6', `${I}DNS = 1.1.1.1, 2001:db8:::1\n`, 3, 'Interface.DNS'],
    ['DNS bad domain', `${I}DNS = bad_domain\n`, 3, 'Interface.DNS'],
    ['MTU too small', `${I}MTU = 575\n`, 3, 'Interface.MTU'],
    ['MTU too big', `${I}MTU = 65536\n`, 3, 'Interface.MTU'],
    ['MTU below 1280 with IPv6', `${I}Address = fd00::2/64\nMTU = 1279\n`, 4, 'Interface.MTU'],
    ['MTU not a number', `${I}MTU = big\n`, 3, 'Interface.MTU'],
    ['MTU set twice', `${I}MTU = 1420\nMTU = 1420\n`, 4, 'Interface.MTU'],
    ['Table Off in capitals', `${I}Table = Off\n`, 3, 'Interface.Table'],
    ['Table zero', `${I}Table = 0\n`, 3, 'Interface.Table'],
    ['Table odd name', `${I}Table = my table!\n`, 3, 'Interface.Table'],
    ['Table too big', `${I}Table = 4294967296\n`, 3, 'Interface.Table'],
    ['PostUp empty', `${I}PostUp =\n`, 3, 'Interface.PostUp'],
    ['PreDown empty', `${I}PreDown = \n`, 3, 'Interface.PreDown'],
    ['SaveConfig yes', `${I}SaveConfig = yes\n`, 3, 'Interface.SaveConfig'],
    ['unknown Interface key', `${I}PrivateKye = x\n`, 3, 'Interface.PrivateKye'],
    ['Peer key in Interface', `${I}Endpoint = 1.2.3.4:5\n`, 3, 'Interface.Endpoint'],
    ['unknown section', `${I}[Wireguard]\nFoo = bar\n`, 3, undefined],
    ['misspelt section', `${I}[Peers]\nFoo = bar\n`, 3, 'Peers'],
    ['unknown key not shown', `${I}Jc = 4\n`, 3, 'Interface'],
    ['key before any section', `Address = 10.0.0.1\n${I}`, 1, 'Address'],
    ['line without =', `${I}just some words\n`, 3, 'Interface'],
    ['second Interface', `${I}[Interface]\n`, 3, 'Interface'],
    ['no Interface at all', `${P}`, 1, 'Interface'],
    ['Peer PublicKey bad', `${I}[Peer]\nPublicKey = abc\n`, 4, 'Peer[1].PublicKey'],
    ['Peer PublicKey missing', `${I}${P}[Peer]\nAllowedIPs = 10.0.0.0/8\n`, 5, 'Peer[2].PublicKey'],
    ['Peer PublicKey repeated', `${I}${P}${P}`, 6, 'Peer[2].PublicKey'],
    ['PresharedKey bad', `${I}${P}PresharedKey = ${PSK.slice(1)}\n`, 5, 'Peer[1].PresharedKey'],
    [
      'AllowedIPs bad',
      `${I}${P}AllowedIPs = 0.0.0.0/0\nAllowedIPs = ::/0, 10.0.0.0/40\n`,
      6,
      'Peer[1].AllowedIPs',
    ],
    [
      'AllowedIPs space separated',
      `${I}${P}AllowedIPs = 10.0.0.0/8 10.1.0.0/16\n`,
      5,
      'Peer[1].AllowedIPs',
    ],
    ['Endpoint without port', `${I}${P}Endpoint = vpn.example.com\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint port 0', `${I}${P}Endpoint = 1.2.3.4:0\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint port too big', `${I}${P}Endpoint = 1.2.3.4:65536\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint port name', `${I}${P}Endpoint = 1.2.3.4:wireguard\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint unbracketed v6', `${I}${P}Endpoint = 2001:db8::1:51820\n`, 5, 'Peer[1].Endpoint'],
    [
      'Endpoint bracketed v6 without port',
      `${I}${P}Endpoint = [2001:db8::1]\n`,
      5,
      'Peer[1].Endpoint',
    ],
    ['Endpoint bracketed v4', `${I}${P}Endpoint = [1.2.3.4]:51820\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint bad host', `${I}${P}Endpoint = bad_host:51820\n`, 5, 'Peer[1].Endpoint'],
    ['Endpoint bad v4', `${I}${P}Endpoint = 1.2.3.999:51820\n`, 5, 'Peer[1].Endpoint'],
    [
      'Endpoint on peer 2',
      `${I}${P}[Peer]\nPublicKey = ${PUB2}\nEndpoint = :1\n`,
      7,
      'Peer[2].Endpoint',
    ],
    [
      'PersistentKeepalive too big',
      `${I}${P}PersistentKeepalive = 65536\n`,
      5,
      'Peer[1].PersistentKeepalive',
    ],
    [
      'PersistentKeepalive word',
      `${I}${P}PersistentKeepalive = sometimes\n`,
      5,
      'Peer[1].PersistentKeepalive',
    ],
    ['Interface key in Peer', `${I}${P}MTU = 1420\n`, 5, 'Peer[1].MTU'],
  ];

  it.each(cases)('%s', (_name, text, line, key) => {
    const error = parseError(text);
    expect(error.code).toBe('SPLITNET_ERR_CONFIG');
    expect(error.line).toBe(line);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`wg0.conf line ${line}: `);
    if (key) expect(error.message).toContain(key);
    if (key?.includes('.')) expect(error.message).toMatch(/; expected /);
  });

  it('reports the first problem by line and lists the others', () => {
    const error = parseError(`${I}MTU = 1\n${P}Endpoint = nope\n`);
    expect(error.line).toBe(3);
    expect(error.message).toContain('and 1 more problem: line 6 Peer[1].Endpoint');
  });

  it('throws ConfigError for input that is not a string', () => {
    expect(() => parseConfig(42 as unknown as string)).toThrow(ConfigError);
  });
});

describe('secrets never appear in errors', () => {
  it('does not echo private or preshared keys, even when they are the problem', () => {
    const texts = [
      `[Interface]\nPrivateKey = ${PRIV}\nPrivateKey = ${PRIV}\n`,
      `[Interface]\nPrivateKey = ${PRIV}x\n`,
      `[Interface]\n${PRIV}\n`,
      `${PRIV}\n[Interface]\n`,
      `[Interface]\nPrivateKey = ${PRIV}\n[Peer]\nPublicKey = ${PUB1}\nPresharedKey = ${PSK}\nPresharedKey = ${PSK}\n`,
      `[Interface]\nPrivateKey = ${PRIV}\nAddress = ${PRIV}\n`,
      `[Interface]\nPrivateKey = ${PRIV}\nDNS = ${PRIV}\n`,
      `[Interface]\nPrivateKey = ${PRIV}\n${PRIV.slice(0, 20)} = 1\n`,
      `[${PRIV}]\n`,
      `[Interface]\nPrivateKey = ${PRIV}\n[Peer]\nEndpoint = ${PSK}:1\nPublicKey = ${PSK}\n`,
    ];
    for (const text of texts) {
      const error = parseError(text);
      for (const secret of [PRIV, PSK, PRIV.slice(0, 20), PSK.slice(0, 20)]) {
        expect(error.message).not.toContain(secret);
        expect(String(error.stack)).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
        expect(error.cause).toBeUndefined();
      }
    }
  });
});
