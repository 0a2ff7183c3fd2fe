/** The probe's `hold`: connections held open until released, over loopback (no privileges). */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { holdConnections } from '../../../src/probes/operations.js';
import type { HoldingEvent } from '../../../src/probes/protocol.js';

let server: Server | undefined;
const accepted: Socket[] = [];

async function listen(): Promise<number> {
  server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A port nothing listens on: one that was just free. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe('holdConnections', () => {
  it('says holding once every connect has settled, and keeps them open until released', async () => {
    const port = await listen();
    const release = new AbortController();
    let holding: HoldingEvent | undefined;
    const done = holdConnections(7, { host: '127.0.0.1', port, connections: 3, durationMs: 60_000, timeoutMs: 2000 }, release.signal, (event) => {
      holding = event;
    });
    await expect.poll(() => holding, { timeout: 5000 }).toBeDefined();
    expect(holding).toMatchObject({ event: 'holding', id: 7, opened: 3, errors: {} });
    // Still open after `holding`: the server's ends are not closed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted.filter((socket) => !socket.destroyed && socket.readyState === 'open')).toHaveLength(3);
    release.abort();
    const held = await done;
    expect(held).toMatchObject({ event: 'held', id: 7, opened: 3, errors: {}, lost: 0 });
    expect(held.startedAt).toBeLessThanOrEqual(holding!.at);
  });

  it('counts a refused connect as an error and a connection the server closes during the hold as lost', async () => {
    const port = await listen();
    const release = new AbortController();
    let holding: HoldingEvent | undefined;
    const done = holdConnections(1, { host: '127.0.0.1', port, connections: 2, durationMs: 60_000, timeoutMs: 2000 }, release.signal, (event) => {
      holding = event;
    });
    await expect.poll(() => holding?.opened, { timeout: 5000 }).toBe(2);
    accepted[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    release.abort();
    expect(await done).toMatchObject({ opened: 2, lost: 1 });

    const refused = await holdConnections(2, { host: '127.0.0.1', port: await closedPort(), connections: 2, durationMs: 60_000, timeoutMs: 2000 }, AbortSignal.abort(), () => undefined);
    expect(refused).toMatchObject({ opened: 0, errors: { refused: 2 }, lost: 0 });
  });

  it('closes them by itself after durationMs when no release comes', async () => {
    const port = await listen();
    const held = await holdConnections(3, { host: '127.0.0.1', port, connections: 1, durationMs: 50, timeoutMs: 2000 }, new AbortController().signal, () => undefined);
    expect(held).toMatchObject({ opened: 1, lost: 0 });
  });
});
