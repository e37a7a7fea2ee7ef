import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterfaceDownError } from '../errors.js';
import { interleave, race } from './race.js';

let server: net.Server;
let port: number;
let closedPort: number;

beforeAll(async () => {
  server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => new Promise((r) => server.close(r)));

const plain = (p: () => number) => (a: { address: string }) =>
  net.connect({ host: a.address, port: p(), autoSelectFamily: false });

describe('interleave', () => {
  it('alternates families starting with IPv6 (RFC 8305)', () => {
    const list = [
      { address: 'a', family: 4 as const },
      { address: 'b', family: 4 as const },
      { address: 'x', family: 6 as const },
    ];
    expect(interleave(list).map((a) => a.address)).toEqual(['x', 'a', 'b']);
  });
});

describe('race', () => {
  it('returns the first connected attempt', async () => {
    const socket = await race(
      [{ address: '127.0.0.1', family: 4 }],
      plain(() => port),
      {
        attemptDelay: 250,
      },
    );
    expect(socket.remotePort).toBe(port);
    socket.destroy();
  });

  it('moves to the next address at once when an attempt fails', async () => {
    const started: string[] = [];
    const start = Date.now();
    const socket = await race(
      [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
      (a) => {
        started.push(a.address);
        return net.connect({
          host: a.address,
          port: a.address === '127.0.0.2' ? closedPort : port,
        });
      },
      { attemptDelay: 5000 },
    );
    expect(started).toEqual(['127.0.0.2', '127.0.0.1']);
    expect(Date.now() - start).toBeLessThan(2000);
    socket.destroy();
  });

  it('rejects with the error of a single failed attempt, and an AggregateError for several', async () => {
    await expect(
      race(
        [{ address: '127.0.0.1', family: 4 }],
        plain(() => closedPort),
        { attemptDelay: 10 },
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const error = await race(
      [
        { address: '127.0.0.1', family: 4 },
        { address: '127.0.0.2', family: 4 },
      ],
      plain(() => closedPort),
      { attemptDelay: 10 },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('stops at once on an interface error, without trying other addresses', async () => {
    let calls = 0;
    const error = await race(
      [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
      () => {
        calls++;
        throw new InterfaceDownError('wg0', 'wg0 is down');
      },
      { attemptDelay: 10 },
    ).catch((e) => e);
    expect(InterfaceDownError.is(error)).toBe(true);
    expect(calls).toBe(1);
  });

  it('honours an AbortSignal and destroys pending attempts', async () => {
    const controller = new AbortController();
    const sockets: net.Socket[] = [];
    const pending = race(
      [{ address: '127.0.0.1', family: 4 }],
      () => {
        // A socket that never connects.
        const s = new net.Socket();
        sockets.push(s);
        return s;
      },
      { attemptDelay: 10, signal: controller.signal },
    );
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(sockets[0]?.destroyed).toBe(true);
  });
});
