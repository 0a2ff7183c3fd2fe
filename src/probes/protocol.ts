/**
 * The line protocol between the orchestrator and a probe: one JSON object per
 * line over stdio. Because it is only stdio, the same probe can run under
 * `ip netns exec`, over `ssh` or in a Kubernetes pod.
 * Times are microseconds on CLOCK_MONOTONIC (`process.hrtime`), which every
 * process on the host shares, so probe and orchestrator timestamps compare.
 */
import type { WarmMetric } from '../scenario/schema.js';
import type { SteadyStateSpec, WarmupRecord } from './warmup.js';

export interface MeasureSpec {
  metric: WarmMetric;
  host: string;
  /** HTTP port (connect, keepalive, newconn) or echo port (echo). */
  port: number;
  requests: number;
  /** Warm-up requests: the count, or with `steady` the least. */
  warmup: number;
  /** End warm-up when consecutive windows agree (steady state), not after a count. */
  steady?: SteadyStateSpec;
  concurrency: number;
  loop: 'closed' | 'open';
  /** Requests per second (open loop). */
  rate?: number;
  timeoutMs: number;
  /** HTTP path; default `/`. */
  path?: string;
  /** Echo payload size in bytes; default 64. */
  payloadBytes?: number;
  /** HTTP method (keepalive, newconn); default GET. POST sends `uploadBytes` of body. */
  method?: 'GET' | 'POST';
  /** Request body size for POST, bytes; default 0. */
  uploadBytes?: number;
  /**
   * keepalive: `minimal` (default) — a prepared request on a raw kept socket,
   * as wrk does, so the figure is the path and the server; `undici` — Node's
   * HTTP client with its pool, reconnects and connection events (experiments
   * that trace which connections survive a failover).
   */
  httpClient?: 'minimal' | 'undici';
  /**
   * newconn: who closes first. `server` (default): the probe closes when the
   * server's FIN arrives, so TIME_WAIT stays with the server and thousands of
   * requests do not use up the container's ephemeral ports. `client`: the probe
   * closes as soon as the response is complete, like a client that drops the
   * connection — the side whose TIME_WAIT lets a NAT reuse its port (measured
   * in the nat experiment: churn through 16 ports fails 0 of 30 vs 1 of 30).
   */
  closer?: 'client' | 'server';
  /**
   * Record every measured request and connection event (RequestTrace) for
   * experiments that need a timeline (failover gap, scaling); default false.
   */
  trace?: boolean;
  /**
   * Open loop: a rate profile — `requests` at each `rate` in turn, over the
   * same connections; replaces `requests` (warm-up still runs at `rate`).
   */
  stages?: Array<{ rate: number; requests: number }>;
  /** redis.get, redis.connect: how to authenticate and what to read (`port` is redis-server's). */
  redis?: RedisRequestSpec;
  /** pg.query, pg.connect: how to connect and authenticate and what to query (`port` is the PostgreSQL server's). */
  postgres?: PostgresRequestSpec;
}

export interface PostgresRequestSpec {
  user: string;
  password: string;
  database: string;
  /** The server's certificate (PEM): the client trusts it alone and checks the address against it. */
  ca: string;
  /** What pg.query sends, and pg.connect as its first query. */
  query: string;
}

export interface RedisRequestSpec {
  /** The server's `requirepass`. */
  password: string;
  /** The key every GET reads. */
  key: string;
}

/**
 * Opens one authenticated Redis connection named `name` (CLIENT SETNAME) —
 * or, with `postgres`, a PostgreSQL one (`application_name`), with `http` an
 * HTTP connection that makes one GET named in its path — and keeps it until
 * `release` (or `holdMs`): while it is open the engine asks the server, from
 * the server's side, which address it sees (CLIENT LIST, pg_stat_activity,
 * nginx's access log).
 */
export interface WitnessSpec extends RedisRequestSpec {
  /** A PostgreSQL connection instead (named by `application_name`; `password` and `key` are then unused). */
  postgres?: PostgresRequestSpec;
  /** An HTTP connection instead (undici), one GET of `path`, which names it in the server's log (`password` and `key` are then unused). */
  http?: { path: string };
  host: string;
  port: number;
  name: string;
  timeoutMs: number;
  /** Closes it by itself after this long, should no `release` come. */
  holdMs: number;
}

export type WitnessEvent = { event: 'witnessing'; id: number; ok: true } | { event: 'witnessing'; id: number; ok: false; message: string };

/**
 * Every measured request of one measurement, for timelines. Times are µs
 * offsets from `t0` (monotonic µs); `code` 0 = success, n = `errorKinds[n - 1]`.
 */
export interface RequestTrace {
  t0: number;
  /** [intended start, actual send, completion, code] per measured request, in completion order. */
  requests: Array<[number, number, number, number]>;
  errorKinds: string[];
  /** HTTP metrics: [time, +1 opened | -1 closed, slot]; a slot holds one connection at a time (undici client). */
  connections: Array<[number, number, number]>;
}

export type ProbeCommand =
  | { id: number; op: 'first'; spec: FirstRequestSpec }
  | { id: number; op: 'measure'; spec: MeasureSpec }
  /** Runs beside a measurement (not queued behind it); `abort` does not stop it. */
  | { id: number; op: 'hold'; spec: HoldSpec }
  /** Runs beside a measurement, like `hold`: a named Redis (PostgreSQL, HTTP) connection kept until `release` with the same id. */
  | { id: number; op: 'witness'; spec: WitnessSpec }
  /** Ends the `hold` or `witness` with this id. */
  | { id: number; op: 'release' }
  | { id: number; op: 'abort' };

/**
 * Opens `connections` TCP connections and keeps them open, idle, until
 * `release` with the same id: connections that hold NAT ports and conntrack
 * entries (experiments on NAT limits). `holding` says when every connect has
 * settled, `held` when they are closed.
 */
export interface HoldSpec {
  host: string;
  port: number;
  connections: number;
  /** Closes them by itself this long after `holding`, should no `release` come. */
  durationMs: number;
  /** Connect timeout per connection. */
  timeoutMs: number;
}

/** Every connect of a hold has succeeded or failed: what opened is held from `at` (monotonic µs) until `release`. */
export interface HoldingEvent {
  event: 'holding';
  id: number;
  opened: number;
  errors: ErrorCounts;
  at: number;
}

export interface HoldResultEvent {
  event: 'held';
  id: number;
  /** Connections that were established. */
  opened: number;
  /** Failed to connect, by error kind. */
  errors: ErrorCounts;
  /** Established connections that closed or failed before the hold ended. */
  lost: number;
  startedAt: number;
}

/** The instance's first connect and request (on command, so a burst can start them together). */
export interface FirstRequestSpec {
  host: string;
  /** The built-in server's HTTP port, or (with `postgres` or `redis`) the real server's. */
  port: number;
  path: string;
  timeoutMs: number;
  /**
   * `burst.firstRequest: service`: a PostgreSQL connection (TCP, TLS, SCRAM)
   * and its first query with `pg` instead of the HTTP GET — sent on stdin,
   * never in the probe's arguments (the password would show in `ps`).
   */
  postgres?: PostgresRequestSpec;
  /** The same with node-redis: TCP, AUTH, the first GET. */
  redis?: RedisRequestSpec;
}

export interface ProbeArgs {
  /** Make the first request at once, without waiting for a command. */
  first?: FirstRequestSpec;
}

export type ErrorCounts = Record<string, number>;

export type FirstRequestEvent =
  | {
      event: 'first';
      ok: true;
      connectStart: number;
      connected: number;
      firstByte: number;
      responseEnd: number;
      localAddress: string;
      status: number;
      /** SYNs the instance's kernel had to send again (TcpExt TCPSynRetrans in its namespace). */
      synRetransmits: number;
      /**
       * A real server's first request (FirstRequestSpec `postgres` or
       * `redis`): the client module's load, then the end of each set-up
       * phase; `connected` is the TCP connect, `responseEnd` the first
       * query's result, `firstByte` equals `responseEnd` (no HTTP response).
       */
      service?: { loadStart: number; loaded: number; tlsDone?: number; authDone: number };
    }
  | { event: 'first'; ok: false; at: number; errorKind: string; message: string };

export type MeasureOutcome = 'completed' | 'aborted' | 'errored';

export interface MeasureResultEvent {
  event: 'result';
  id: number;
  outcome: MeasureOutcome;
  metric: WarmMetric;
  /** Latency in µs; for an open loop, corrected for coordinated omission. */
  histogram: string;
  /** Open loop only: latency from the actual send time (uncorrected). */
  raw?: string;
  errors: ErrorCounts;
  startedAt: number;
  durationUs: number;
  /** How warm-up ended (requests it took, whether it converged). */
  warmup: WarmupRecord;
  message?: string;
  /** When the spec asked for `trace`. */
  trace?: RequestTrace;
  /** pg.connect, redis.connect: the connection set-up's phases (tcp, tls, auth, query), one histogram each, of the same requests as `histogram`. */
  phases?: Record<string, string>;
}

export type ProbeEvent =
  | { event: 'ready'; pid: number; at: number }
  | FirstRequestEvent
  | MeasureResultEvent
  | HoldingEvent
  | HoldResultEvent
  | WitnessEvent
  | { event: 'released'; id: number }
  | { event: 'fatal'; message: string };

export { nowMicros } from '../clock.js';

/** Classifies a socket or request error into a short kind for error counts. */
export function errorKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
    if (code === 'EADDRNOTAVAIL') return 'no-source-port';
    return code.toLowerCase();
  }
  if ((error as Error | null)?.name === 'TimeoutError') return 'timeout';
  return 'other';
}
