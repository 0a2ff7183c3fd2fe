/**
 * Redis requests with the client a Node.js function would use (node-redis):
 * `redis.get` on a kept, authenticated connection, `redis.connect` on a new
 * one per request (TCP connect, AUTH, first GET). The client announces
 * nothing beyond AUTH (no CLIENT SETINFO), so connection set-up is exactly
 * what the metric says (RESP2 `AUTH`, no `HELLO`). Loaded only by measurements that use it: the
 * instance's cold path never pays for the module.
 */
import { createClient } from 'redis';
import type { PhasedEnd } from '../metrics/connect-phases.js';
import { nowMicros } from './protocol.js';
import { withTimeout as bounded } from './with-timeout.js';

export type RedisConnection = ReturnType<typeof newClient>;

export interface RedisTarget {
  host: string;
  port: number;
  password: string;
  timeoutMs: number;
}

/** An error with a code, so the load loop counts it by kind (`timeout`, `reset`, …). */
class RedisProbeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function newClient(target: RedisTarget) {
  const client = createClient({
    socket: { host: target.host, port: target.port, noDelay: true, connectTimeout: target.timeoutMs, reconnectStrategy: false },
    password: target.password,
    // Connection set-up is AUTH alone: RESP2 (node-redis 6 defaults to RESP3's HELLO, and with it
    // CLIENT MAINT_NOTIFICATIONS), and none of the library's CLIENT SETINFO announcements.
    RESP: 2,
    maintNotifications: 'disabled',
    disableClientInfo: true,
  });
  // Failures reach the caller through the rejected command; without a listener an 'error' event would end the probe.
  client.on('error', () => {});
  return client;
}

/** A new connection, authenticated (connect resolves after AUTH). */
export async function connectRedis(target: RedisTarget): Promise<RedisConnection> {
  const client = newClient(target);
  await withTimeout(client.connect(), target.timeoutMs, `connect to ${target.host}:${target.port}`, () => destroy(client));
  return client;
}

/** Drops a connection at once (no reply awaited). */
export function destroy(client: RedisConnection): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

/**
 * Asks the server to close (QUIT) and waits until it has: the server closes
 * first, so TIME_WAIT stays with the server and thousands of requests do not
 * use up the container's ephemeral ports (as newconn does). Never timed.
 */
export async function closeFromServer(client: RedisConnection, timeoutMs: number): Promise<void> {
  // The client reports the server's close as an error (the socket closed while it was open) or as its end.
  const closed = new Promise<void>((resolve) => {
    client.once('error', () => resolve());
    client.once('end', () => resolve());
  });
  // Answered OK: wait for the server's close. Refused (a server without QUIT, deprecated since Redis 7.2) or cut: close at once.
  const quit = client.sendCommand(['QUIT']).then(
    () => closed,
    () => undefined,
  );
  await withTimeout(quit, timeoutMs, 'QUIT', () => {}).catch(() => {});
  destroy(client);
}

/** GETs on one kept connection; reconnects on the next GET after a loss. */
export class RedisGetClient {
  private client: RedisConnection | undefined;

  constructor(
    private readonly target: RedisTarget,
    private readonly key: string,
  ) {}

  async get(): Promise<void> {
    if (this.client === undefined || !this.client.isReady) {
      if (this.client !== undefined) destroy(this.client);
      this.client = undefined;
      this.client = await connectRedis(this.target);
    }
    const client = this.client;
    await withTimeout(client.get(this.key), this.target.timeoutMs, `GET from ${this.target.host}:${this.target.port}`, () => {
      destroy(client);
      if (this.client === client) this.client = undefined;
    });
  }

  close(): void {
    if (this.client !== undefined) destroy(this.client);
    this.client = undefined;
  }
}

/**
 * One request on a new connection: TCP connect, AUTH, GET. Resolves with the
 * time the GET's reply was in and the end of each phase (tcp, auth, query);
 * the close (QUIT) happens after, untimed. No TLS: redis-server is set up
 * without it.
 *
 * The stamps, from node-redis 6.3.1's own events (@redis/client
 * dist/lib/client/socket.js): `tcp` when the client emits 'connect' (its
 * socket's 'connect', a microtask later, before AUTH is written); `auth` when
 * client.connect() resolves (the AUTH reply in: the client is ready);
 * `query` when the GET's reply is in.
 */
export async function redisConnectOnce(target: RedisTarget, key: string): Promise<PhasedEnd> {
  const client = newClient(target);
  const created = nowMicros();
  let tcp = 0;
  let auth = 0;
  client.once('connect', () => {
    tcp = nowMicros();
  });
  try {
    await withTimeout(
      client.connect().then(() => {
        auth = nowMicros();
        return client.get(key);
      }),
      target.timeoutMs,
      `connect, AUTH and GET to ${target.host}:${target.port}`,
      () => destroy(client),
    );
  } catch (error) {
    destroy(client);
    throw error;
  }
  const done = nowMicros();
  await closeFromServer(client, target.timeoutMs);
  return { end: done, stamps: [tcp, auth, done], created };
}

/** `work`, or a RedisProbeError (ETIMEDOUT) naming `what` after `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  return bounded(work, ms, onTimeout, () => new RedisProbeError('ETIMEDOUT', `${what} timed out after ${ms} ms`));
}
