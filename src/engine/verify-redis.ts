/**
 * The path check from a Redis server's own view: every warm instance of the
 * path opens one authenticated connection named for this block; while they
 * are open the engine asks the server, with redis-cli inside the service
 * host's namespace, for CLIENT LIST; each named client's `addr` must be a
 * source address the path promises (the same expected sources as the
 * built-in server's check). The connections are released (the server closes
 * them) before the path is torn down.
 */
import { REDIS_KEY } from '../scenario/redis.js';
import type { ServerView } from '../results/types.js';
import { sourcesOf } from '../services/redis/client-list.js';
import type { RedisServer } from '../services/redis/server.js';
import type { LiveInstance } from './instance.js';

/** The longest a named connection stays open should its release never come. */
const HOLD_MS = 30_000;

export interface ServerViewCheck {
  server: RedisServer;
  instances: readonly LiveInstance[];
  expectedSources: ReadonlySet<string>;
  /** CLIENT SETNAME of this block's connections (no spaces), e.g. `coldpath-r0-eni`. */
  name: string;
  timeoutMs: number;
}

export async function verifyRedisView(check: ServerViewCheck): Promise<ServerView> {
  const { server, name } = check;
  const probes = check.instances.flatMap((instance) => (instance.probe === undefined ? [] : [instance.probe]));
  const spec = { host: server.address, port: server.port, password: server.password, key: REDIS_KEY, name, timeoutMs: check.timeoutMs, holdMs: HOLD_MS };
  const witnesses = await Promise.all(probes.map((probe) => probe.witness(spec, check.timeoutMs + 5000)));
  let listed: Awaited<ReturnType<RedisServer['clientList']>>;
  try {
    listed = await server.clientList();
  } finally {
    await Promise.allSettled(witnesses.map((witness) => witness.release()));
  }
  const failures = witnesses.flatMap(({ event }) => (event.ok ? [] : [event.message]));
  const opened = witnesses.length - failures.length;
  return judgeServerView({ server: 'redis', opened, failures, observedSources: sourcesOf(listed.filter((entry) => entry.name === name)), expectedSources: check.expectedSources });
}

/** What each server's listing is called in the verdict's words. */
const LISTING: Record<ServerView['server'], string> = { redis: 'redis CLIENT LIST', postgres: 'postgres pg_stat_activity' };

/** The verdict on what the server listed: every opened connection listed, from an expected source only. */
export function judgeServerView(view: {
  server: ServerView['server'];
  opened: number;
  failures: readonly string[];
  observedSources: Record<string, number>;
  expectedSources: ReadonlySet<string>;
}): ServerView {
  const { opened, failures, observedSources } = view;
  const listing = LISTING[view.server];
  const listed = Object.values(observedSources).reduce((sum, count) => sum + count, 0);
  const unexpected = Object.keys(observedSources).filter((address) => !view.expectedSources.has(address));
  const expected = [...view.expectedSources];
  const base = { server: view.server, opened, observedSources };
  if (opened === 0) {
    return { ...base, ok: false, detail: `${view.server}: no warm instance could open a connection for the check${failures[0] === undefined ? '' : `: ${failures[0]}`}` };
  }
  if (unexpected.length > 0) {
    return {
      ...base,
      ok: false,
      detail: `${listing} saw unexpected sources ${unexpected.join(', ')} (expected ${expected.slice(0, 5).join(', ')}${expected.length > 5 ? ', …' : ''})`,
    };
  }
  if (listed !== opened) {
    return { ...base, ok: false, detail: `${listing} listed ${listed} of the ${opened} connection(s) the warm instances held open` };
  }
  const note = failures.length === 0 ? '' : ` (${failures.length} instance(s) could not connect: ${failures[0] ?? ''})`;
  return { ...base, ok: failures.length === 0, detail: `${listing} saw only the expected ${Object.keys(observedSources).length} source address(es)${note}` };
}
