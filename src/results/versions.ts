/** run.json's name and version, and the cold-start phases it records: constants the schemas and their readers share (a leaf of results/). */

export const RUN_SCHEMA = 'coldpath/run';
/**
 * 2: interleaved repetitions (schedule, slot), settles, steady-state warm-up,
 * the sockperf reference. 3: what each burst held, counted from the kernel
 * (`kernelHeld`). 4: the Redis warm metrics (`redis.get`, `redis.connect`)
 * and a real server's view in the path check (`verification.server`).
 * 5: the PostgreSQL warm metrics (`pg.query`, `pg.connect`) and
 * `verification.server.server: postgres`. 6: the nginx warm metric
 * (`http.get`) and `verification.server.server: nginx`. 7: the OCI
 * runtime's phases (`oci-create`, `oci-start`) on instance timelines and in
 * burst histograms, for runs with `instances.runtime: oci`. 8: the CNI
 * plugins' phase (`cni-add`, in place of `container-link`) for runs with
 * `instances.network: cni`. 9: the agents a run's kernel work went through
 * and their clock estimates at start and end (`agents`, `run --hosts`).
 * Migrations from older versions: migrate.ts.
 */
export const RUN_SCHEMA_VERSION = 9;

/** Measured cold-start phases every run records, in timeline order. */
export const MEASURED_PHASES = ['queued', 'namespace', 'container-link', 'strategy-attach', 'runtime-start', 'first-connect', 'first-response'] as const;
export type MeasuredPhase = (typeof MEASURED_PHASES)[number];

/**
 * The CNI plugins' phase (`instances.network: cni`, docs/cni.md): the ADD of
 * the instance's networks (loopback, then bridge with host-local IPAM), in
 * place of coldpath's own `container-link`, which such a run does not record.
 */
export const CNI_PHASES = ['cni-add'] as const;
export type CniPhase = (typeof CNI_PHASES)[number];

/**
 * The OCI runtime's own phases (`instances.runtime: oci`, docs/oci.md):
 * writing the bundle and `crun create` until it returns, then `crun start`.
 * They sit between `strategy-attach` and `runtime-start` and are recorded only
 * by runs that start containers, so a `process` run's records, summaries and
 * reports are the same as before they existed.
 */
export const OCI_PHASES = ['oci-create', 'oci-start'] as const;
export type OciPhase = (typeof OCI_PHASES)[number];

/** Every phase a timeline can hold, in timeline order. */
export const TIMELINE_PHASES = ['queued', 'namespace', 'container-link', 'cni-add', 'strategy-attach', 'oci-create', 'oci-start', 'runtime-start', 'first-connect', 'first-response'] as const;
export type TimelinePhase = (typeof TIMELINE_PHASES)[number];

/** The phases that are network work (runtime start and queueing are not). */
export const NETWORK_PHASES: readonly TimelinePhase[] = ['namespace', 'container-link', 'cni-add', 'strategy-attach', 'first-connect', 'first-response'];

/**
 * The phases only some runs record: the container link is coldpath's own
 * (`instances.network: coldpath`) or the CNI plugins' (`cni`), and the OCI
 * phases come with `instances.runtime: oci`.
 */
export const OPTIONAL_PHASES = ['container-link', ...CNI_PHASES, ...OCI_PHASES] as const;
export type OptionalPhase = (typeof OPTIONAL_PHASES)[number];

/** The phases to show for a run or path: every phase all runs record, and the optional ones where `has` says they were recorded. */
export function phasesPresent(has: (phase: OptionalPhase) => boolean): TimelinePhase[] {
  return TIMELINE_PHASES.filter((phase) => !(OPTIONAL_PHASES as readonly string[]).includes(phase) || has(phase as OptionalPhase));
}
