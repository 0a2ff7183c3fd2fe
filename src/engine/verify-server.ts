/**
 * The path check from a real server's own view: every warm instance of the
 * path opens one connection named for this block (the kind's witness: a
 * Redis CLIENT SETNAME, a PostgreSQL application_name, …); while they are
 * open the engine asks the server, from the server's side, which source
 * addresses it sees for that name; each must be one the path promises (the
 * same expected sources as the built-in server's check). The connections are
 * released before the path is torn down.
 */
import type { ServerView } from '../results/types.js';
import type { LiveInstance } from './instance.js';
import type { RealServer } from './real-servers/types.js';

/** The longest a named connection stays open should its release never come. */
const HOLD_MS = 30_000;

export interface ServerViewCheck {
  server: RealServer;
  instances: readonly LiveInstance[];
  expectedSources: ReadonlySet<string>;
  /** The name of this block's connections (letters, digits, `-`), e.g. `coldpath-r0-eni`. */
  name: string;
  timeoutMs: number;
}

export async function verifyServerView(check: ServerViewCheck): Promise<ServerView> {
  const { server, name } = check;
  const probes = check.instances.flatMap((instance) => (instance.probe === undefined ? [] : [instance.probe]));
  const spec = server.witnessSpec(name, check.timeoutMs, HOLD_MS);
  const witnesses = await Promise.all(probes.map((probe) => probe.witness(spec, check.timeoutMs + 5000)));
  const failures = witnesses.flatMap(({ event }) => (event.ok ? [] : [event.message]));
  const opened = witnesses.length - failures.length;
  let observedSources: Record<string, number>;
  try {
    observedSources = await server.observedSources(name, opened);
  } finally {
    await Promise.allSettled(witnesses.map((witness) => witness.release()));
  }
  return judgeServerView({ server: server.kind, opened, failures, observedSources, expectedSources: check.expectedSources });
}

/** What each server's listing is called in the verdict's words. */
const LISTING: Record<ServerView['server'], string> = { redis: 'redis CLIENT LIST', postgres: 'postgres pg_stat_activity', nginx: 'nginx access log' };

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
