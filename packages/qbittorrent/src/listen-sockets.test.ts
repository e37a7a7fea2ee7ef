import { describe, expect, it } from 'vitest';
import { parseSsLine, socketProblems } from './listen-sockets.js';

describe('ss parsing', () => {
  it('reads device-bound sockets, dead ifindexes and v6', () => {
    expect(
      parseSsLine(
        'tcp   LISTEN 0      30     10.66.0.2%wg0:16881      0.0.0.0:*    users:(("qbittorrent-nox",pid=42,fd=20))',
      ),
    ).toEqual({
      proto: 'tcp',
      address: '10.66.0.2',
      device: 'wg0',
      port: 16881,
      process: 'qbittorrent-nox',
    });
    expect(
      parseSsLine('udp   UNCONN 0      0      10.66.0.2%if3:16881      0.0.0.0:*'),
    ).toMatchObject({ device: 'if3' });
    expect(parseSsLine('tcp LISTEN 0 30 [2001:db8:66::2]%wg0:16881 [::]:*')).toMatchObject({
      address: '2001:db8:66::2',
      device: 'wg0',
    });
    expect(parseSsLine('tcp LISTEN 0 30 [::]:16881 [::]:*')).toMatchObject({
      address: '::',
      device: undefined,
    });
    expect(parseSsLine('garbage')).toBeUndefined();
  });

  it('names every socket that is not on the interface', () => {
    const ok = parseSsLine('tcp LISTEN 0 30 10.66.0.2%wg0:16881 0.0.0.0:*')!;
    const stale = parseSsLine('udp UNCONN 0 0 10.66.0.2%if3:16881 0.0.0.0:*')!;
    const any = parseSsLine('tcp LISTEN 0 30 0.0.0.0:16881 0.0.0.0:*')!;
    expect(socketProblems([ok], 'wg0', 16881)).toEqual([]);
    expect(socketProblems([ok, stale, any], 'wg0', 16881)).toEqual([
      'udp listen socket 10.66.0.2:16881 is still on the deleted interface (ifindex 3): run rebind',
      'tcp listen socket 0.0.0.0:16881 is bound to no device, not wg0',
    ]);
    expect(socketProblems([], 'wg0', 16881)[0]).toMatch(/no listen socket/);
  });
});
