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
 * 10: a new connection's set-up in phases: `phases` of the `pg.connect` and
 * `redis.connect` warm results, and a real server's first request on the
 * cold path (`burst.firstRequest: service`: spans `client-load`,
 * `first-tls`, `first-auth`, `first-query`). 11: the `tenants`
 * experiment's result (two tenants' tunnels between the same endpoints).
 * 12: each agent's machine (`agents[].hostname`, `kernel`, `coldpath`), so
 * a run across machines says which kernels it measured, not only the
 * coordinator's (`fingerprint`). 13: each agent's machine beyond its
 * kernel (`agents[].machine`: OS, CPUs, Node.js, iproute2, nft, sockperf),
 * so the reference's sockperf is known on every host that ran it.
 * Migrations from older versions: migrate.ts.
 */
export const RUN_SCHEMA_VERSION = 13;

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

/**
 * A real server's first request (`burst.firstRequest: service`,
 * docs/services.md), after `runtime-start`: loading the client module
 * (`client-load`), then `first-connect` (TCP, as for HTTP), `first-tls`
 * (PostgreSQL only: SSLRequest and TLS handshake), `first-auth` (until the
 * connection is ready) and `first-query` (until the first query's result).
 * Recorded only by runs that ask for it (schema 10 and later), so other runs'
 * records, summaries and reports are the same as before they existed; such a
 * run has no `first-response`.
 */
export const SERVICE_FIRST_PHASES = ['client-load', 'first-tls', 'first-auth', 'first-query'] as const;
export type ServiceFirstPhase = (typeof SERVICE_FIRST_PHASES)[number];

/**
 * The phases only some runs record: the container link is coldpath's own
 * (`instances.network: coldpath`) or the CNI plugins' (`cni`), the OCI
 * phases come with `instances.runtime: oci`, a real server's first request
 * with `burst.firstRequest: service`.
 */
export const OPTIONAL_PHASES = ['container-link', ...CNI_PHASES, ...OCI_PHASES, ...SERVICE_FIRST_PHASES] as const;
export type OptionalPhase = (typeof OPTIONAL_PHASES)[number];

/** Every phase a timeline can hold, in timeline order. */
export const TIMELINE_PHASES = [
  'queued',
  'namespace',
  'container-link',
  'cni-add',
  'strategy-attach',
  'oci-create',
  'oci-start',
  'runtime-start',
  'client-load',
  'first-connect',
  'first-tls',
  'first-auth',
  'first-query',
  'first-response',
] as const;
export type TimelinePhase = (typeof TIMELINE_PHASES)[number];

/**
 * The phases that are network work (runtime start, loading a client and
 * queueing are not). A real server's first request (`burst.firstRequest:
 * service`) counts its TLS handshake, authentication and first query as
 * network, as `first-response` (time to first byte, the server's work
 * included) is: the instance is waiting on its connection.
 */
export const NETWORK_PHASES: readonly TimelinePhase[] = ['namespace', 'container-link', 'cni-add', 'strategy-attach', 'first-connect', 'first-tls', 'first-auth', 'first-query', 'first-response'];

/** The phases to show for a run or path: every phase all runs record, and the optional ones where `has` says they were recorded. */
export function phasesPresent(has: (phase: OptionalPhase) => boolean): TimelinePhase[] {
  return TIMELINE_PHASES.filter((phase) => !(OPTIONAL_PHASES as readonly string[]).includes(phase) || has(phase as OptionalPhase));
}
