/** The built-in target on loopback: what it answers, what it counts, and the regressions it injects. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserServiceArgs } from '../../../src/services/protocol.js';
import { createUserServer, type UserServer } from '../../../src/services/user-server.js';

const args = (extra: Partial<UserServiceArgs> = {}): UserServiceArgs => ({ name: 'svc', bind: '127.0.0.1', httpPort: 0, echoPort: 0, responseBytes: 64, delayMicros: 0, ...extra });

let server: UserServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(extra: Partial<UserServiceArgs> = {}): Promise<{ httpPort: number; echoPort: number }> {
  server = createUserServer(args(extra));
  return server.listen();
}

/** One HTTP request on `agent`'s connection; resolves with the body length and the time it took (ms). */
function get(port: number, path: string, options: { agent?: import('node:http').Agent; body?: Buffer } = {}): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.body === undefined ? 'GET' : 'POST', agent: options.agent ?? false }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('user server', () => {
  it('answers the configured body, /bytes/N and uploads, and counts requests and sources', async () => {
    const { httpPort } = await start({ responseBytes: 100 });
    expect(await get(httpPort, '/')).toMatchObject({ status: 200, bytes: 100 });
    expect(await get(httpPort, '/bytes/5000')).toMatchObject({ status: 200, bytes: 5000 });
    expect(await get(httpPort, '/', { body: Buffer.alloc(70_000) })).toMatchObject({ status: 200, bytes: 100 });
    expect(server?.control({ op: 'stats' })).toEqual({ event: 'stats', sources: { '127.0.0.1': 3 }, unidentified: 0, httpConnections: 3, echoConnections: 0, requests: 3 });
    expect(server?.control({ op: 'reset' })).toEqual({ event: 'ack', op: 'reset' });
    expect(server?.control({ op: 'stats' })).toMatchObject({ sources: {}, requests: 0 });
  });

  it('echoes what it receives on the echo port, and counts the connection', async () => {
    const { echoPort } = await start();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: echoPort }, () => socket.write('ping-64'));
      socket.once('data', (chunk) => {
        resolve(chunk.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(reply).toBe('ping-64');
    expect(server?.control({ op: 'stats' })).toMatchObject({ echoConnections: 1, sources: { '127.0.0.1': 1 } });
  });

  it('a per-connection delay is paid by the first response of each connection only', async () => {
    const { httpPort } = await start({ connectionDelayMicros: 200_000 });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(httpPort, '/', { agent });
    const second = await get(httpPort, '/', { agent });
    agent.destroy();
    expect(first.ms).toBeGreaterThanOrEqual(200);
    expect(second.ms).toBeLessThan(200);
    expect(server?.control({ op: 'stats' })).toMatchObject({ httpConnections: 1, requests: 2 });
    // A new connection pays again.
    expect((await get(httpPort, '/')).ms).toBeGreaterThanOrEqual(200);
  });

  it('a response delay, set at start or by command, is paid by every response', async () => {
    const { httpPort } = await start({ delayMicros: 50_000 });
    expect((await get(httpPort, '/')).ms).toBeGreaterThanOrEqual(50);
    expect(server?.control({ op: 'delay', micros: 120_000 })).toEqual({ event: 'ack', op: 'delay' });
    expect((await get(httpPort, '/')).ms).toBeGreaterThanOrEqual(120);
  });

  it('a port in use fails listen with EADDRINUSE (what the service process reports as fatal)', async () => {
    const first = await start();
    const second = createUserServer(args({ httpPort: first.httpPort }));
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await second.close().catch(() => {});
  });
});
