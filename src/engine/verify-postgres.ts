/**
 * The path check from a PostgreSQL server's own view: every warm instance of
 * the path opens one connection (TLS, SCRAM) whose `application_name` names
 * this block; while they are open the engine asks the server, with psql
 * inside the service host's namespace, for pg_stat_activity; each named
 * backend's `client_addr` must be a source address the path promises (the
 * same expected sources as the built-in server's check). The connections are
 * released before the path is torn down.
 */
import { POSTGRES_DATABASE, POSTGRES_QUERY, POSTGRES_USER } from '../scenario/postgres.js';
import type { ServerView } from '../results/types.js';
import { activitySources, type PostgresActivityEntry } from '../services/postgres/activity.js';
import type { PostgresServer } from '../services/postgres/server.js';
import type { LiveInstance } from './instance.js';
import { judgeServerView } from './verify-redis.js';

/** The longest a named connection stays open should its release never come. */
const HOLD_MS = 30_000;

export interface PostgresViewCheck {
  server: PostgresServer;
  instances: readonly LiveInstance[];
  expectedSources: ReadonlySet<string>;
  /** application_name of this block's connections, e.g. `coldpath-r0-eni`. */
  name: string;
  timeoutMs: number;
}

export async function verifyPostgresView(check: PostgresViewCheck): Promise<ServerView> {
  const { server, name } = check;
  const probes = check.instances.flatMap((instance) => (instance.probe === undefined ? [] : [instance.probe]));
  const spec = {
    host: server.address,
    port: server.port,
    password: '',
    key: '',
    postgres: { user: POSTGRES_USER, password: server.password, database: POSTGRES_DATABASE, ca: server.ca, query: POSTGRES_QUERY },
    name,
    timeoutMs: check.timeoutMs,
    holdMs: HOLD_MS,
  };
  const witnesses = await Promise.all(probes.map((probe) => probe.witness(spec, check.timeoutMs + 5000)));
  let listed: PostgresActivityEntry[];
  try {
    listed = await server.activity(name);
  } finally {
    await Promise.allSettled(witnesses.map((witness) => witness.release()));
  }
  const failures = witnesses.flatMap(({ event }) => (event.ok ? [] : [event.message]));
  const opened = witnesses.length - failures.length;
  return judgeServerView({ server: 'postgres', opened, failures, observedSources: activitySources(listed), expectedSources: check.expectedSources });
}
