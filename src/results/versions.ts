/** run.json's name and version, and the cold-start phases it records: constants the schemas and their readers share (a leaf of results/). */

export const RUN_SCHEMA = 'coldpath/run';
/**
 * 2: interleaved repetitions (schedule, slot), settles, steady-state warm-up,
 * the sockperf reference. 3: what each burst held, counted from the kernel
 * (`kernelHeld`). 4: the Redis warm metrics (`redis.get`, `redis.connect`)
 * and a real server's view in the path check (`verification.server`).
 * 5: the PostgreSQL warm metrics (`pg.query`, `pg.connect`) and
 * `verification.server.server: postgres`. 6: the nginx warm metric
 * (`http.get`) and `verification.server.server: nginx`. Migrations from
 * older versions: migrate.ts.
 */
export const RUN_SCHEMA_VERSION = 6;

/** Measured cold-start phases, in timeline order. */
export const MEASURED_PHASES = ['queued', 'namespace', 'container-link', 'strategy-attach', 'runtime-start', 'first-connect', 'first-response'] as const;
export type MeasuredPhase = (typeof MEASURED_PHASES)[number];

/** The phases that are network work (runtime start and queueing are not). */
export const NETWORK_PHASES: readonly MeasuredPhase[] = ['namespace', 'container-link', 'strategy-attach', 'first-connect', 'first-response'];
