import { describe, expect, it } from 'vitest';
import { parseDump } from './wg.js';

const priv = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const pub = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';
const peer = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

describe('parseDump', () => {
  const dump = [
    [priv, pub, '51820', 'off'].join('\t'),
    [
      peer,
      '(none)',
      '203.0.113.2:51820',
      '0.0.0.0/0,::/0',
      '1700000000',
      '1234',
      '5678',
      '25',
    ].join('\t'),
    [pub, priv, '(none)', '(none)', '0', '0', '0', 'off'].join('\t'),
  ].join('\n');

  it('reads interface and peers', () => {
    const d = parseDump(dump);
    expect(d).toMatchObject({ publicKey: pub, listenPort: 51820, fwMark: undefined });
    expect(d.peers[0]).toEqual({
      publicKey: peer,
      hasPresharedKey: false,
      endpoint: '203.0.113.2:51820',
      allowedIPs: ['0.0.0.0/0', '::/0'],
      latestHandshake: new Date(1_700_000_000_000),
      transferRx: 1234,
      transferTx: 5678,
      persistentKeepalive: 25,
    });
    expect(d.peers[1]).toMatchObject({
      hasPresharedKey: true,
      endpoint: undefined,
      allowedIPs: [],
    });
    expect(d.peers[1]?.latestHandshake).toBeUndefined();
  });

  it('never carries the private or preshared key', () => {
    expect(JSON.stringify(parseDump(dump))).not.toContain(priv);
  });
});
