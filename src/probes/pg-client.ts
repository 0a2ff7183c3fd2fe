/**
 * PostgreSQL requests with the client a Node.js function would use (`pg`):
 * `pg.query` on a kept connection, `pg.connect` on a new one per request
 * (TCP connect, TLS handshake, SCRAM authentication, first query). TLS is
 * verified against the run's own certificate (its address is in the
 * certificate's subjectAltName), so the handshake is the one a careful
 * client does. Loaded only by measurements that use it: the instance's cold
 * path never pays for the module.
 */
import pg from 'pg';
import type { PhasedEnd } from '../metrics/connect-phases.js';
import { nowMicros } from './protocol.js';
import { withTimeout as bounded } from './with-timeout.js';

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The server's certificate (PEM), trusted as the only CA. */
  ca: string;
  timeoutMs: number;
  /** `application_name`: how the server's pg_stat_activity names the connection. Default: none. */
  applicationName?: string;
}

/** An error with a code, so the load loop counts it by kind (`timeout`, `reset`, …). */
class PostgresProbeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function newPgClient(target: PostgresTarget): pg.Client {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    // verify-full: the chain against the run's certificate and the address against its subjectAltName.
    ssl: { ca: target.ca, rejectUnauthorized: true },
    connectionTimeoutMillis: target.timeoutMs,
    ...(target.applicationName === undefined ? {} : { application_name: target.applicationName }),
  });
  // Failures reach the caller through the rejected call; without a listener an 'error' event would end the probe.
  client.on('error', () => {});
  return client;
}

/** Ends a connection (Terminate, then close) without waiting long; never throws. */
export async function endPg(client: pg.Client, timeoutMs: number): Promise<void> {
  await withTimeout(client.end(), timeoutMs, 'end', () => {}).catch(() => {});
}

/** A new connection, TLS and authentication done (connect resolves after authentication). */
export async function connectPg(target: PostgresTarget): Promise<pg.Client> {
  const client = newPgClient(target);
  try {
    await withTimeout(client.connect(), target.timeoutMs, `connect to ${target.host}:${target.port}`, () => void client.end().catch(() => {}));
  } catch (error) {
    void client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** Queries on one kept connection; reconnects on the next query after a loss. */
export class PgQueryClient {
  private client: pg.Client | undefined;
  private lost = false;

  constructor(
    private readonly target: PostgresTarget,
    private readonly query: string,
  ) {}

  async run(): Promise<void> {
    if (this.client === undefined || this.lost) {
      if (this.client !== undefined) void this.client.end().catch(() => {});
      this.client = undefined;
      this.lost = false;
      const client = await connectPg(this.target);
      client.on('error', () => {
        this.lost = true;
      });
      client.on('end', () => {
        this.lost = true;
      });
      this.client = client;
    }
    const client = this.client;
    await withTimeout(client.query(this.query), this.target.timeoutMs, `query on ${this.target.host}:${this.target.port}`, () => {
      this.lost = true;
    });
  }

  /** Ends the connection in the background (Terminate, then close). */
  close(): void {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) void endPg(client, this.target.timeoutMs);
  }
}

/**
 * One request on a new connection: TCP connect, TLS handshake, SCRAM
 * authentication, the first query. Resolves with the time the query's
 * result was in and the end of each phase (tcp, tls, auth, query); the close
 * (Terminate) happens after, untimed.
 *
 * The stamps, from pg 8.23.1's own events (node_modules/pg/lib/connection.js
 * and client.js): `tcp` when the Connection emits 'connect' (the socket's
 * 'connect'; the listener is added before pg's own, so the SSLRequest is not
 * yet written); `tls` when the TLS socket emits 'secureConnect' — not pg's
 * 'sslconnect', which pg emits as soon as it has called tls.connect(), before
 * the handshake (the SSLRequest round trip, and the server's fork of its
 * backend, which the postmaster does on accept, fall in `tls`); `auth` when
 * client.connect() resolves (startup message, SCRAM's two round trips, the
 * server's parameters up to ReadyForQuery); `query` when the first query's
 * result is in.
 */
export async function pgConnectOnce(target: PostgresTarget, query: string): Promise<PhasedEnd> {
  const client = newPgClient(target);
  const created = nowMicros();
  const stamps = { tcp: 0, tls: 0, auth: 0 };
  // pg's Connection is not in its public types; its events are (connection.js).
  const connection = (client as unknown as { connection: PgConnection }).connection;
  let localAddress: string | undefined;
  connection.once('connect', () => {
    stamps.tcp = nowMicros();
    localAddress = connection.stream.localAddress;
  });
  connection.once('sslconnect', () => {
    connection.stream.once('secureConnect', () => {
      stamps.tls = nowMicros();
    });
  });
  try {
    await withTimeout(
      client.connect().then(() => {
        stamps.auth = nowMicros();
        return client.query(query);
      }),
      target.timeoutMs,
      `connect, TLS, SCRAM and query to ${target.host}:${target.port}`,
      () => void client.end().catch(() => {}),
    );
  } catch (error) {
    void client.end().catch(() => {});
    throw error;
  }
  const done = nowMicros();
  await endPg(client, target.timeoutMs);
  return { end: done, stamps: [stamps.tcp, stamps.tls, stamps.auth, done], created, ...(localAddress === undefined ? {} : { localAddress }) };
}

/** What pgConnectOnce hooks of pg's Connection: its events and its current stream (the TLS socket after 'sslconnect'). */
interface PgConnection {
  once(event: 'connect' | 'sslconnect', listener: () => void): void;
  stream: { once(event: 'secureConnect', listener: () => void): void; localAddress?: string };
}

/** `work`, or a PostgresProbeError (ETIMEDOUT) naming `what` after `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  return bounded(work, ms, onTimeout, () => new PostgresProbeError('ETIMEDOUT', `${what} timed out after ${ms} ms`));
}
