/**
 * Migrations of run.json from older schema versions, applied in order before
 * the file is parsed: version n is turned into n + 1 until it is current.
 * Each migration works on the raw JSON (it runs before validation, so it
 * touches only what has the expected shape and leaves the rest for the
 * schema to report), says what changed, and never invents a measurement:
 * what an older run did not record stays absent, unless "none" is exactly
 * what the old version did.
 */
import { RUN_SCHEMA_VERSION } from './versions.js';

type Json = Record<string, unknown>;

export interface Migration {
  /** The version this migration reads; it writes `from + 1`. */
  from: number;
  /** What changed, for the record. */
  changes: string;
  migrate: (run: Json) => Json;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `list` with `update` applied to each object in it (anything else is left for the schema to report). */
const eachObject = (list: unknown, update: (item: Json) => Json): unknown => (Array.isArray(list) ? list.map((item) => (isObject(item) ? update(item) : item)) : list);

/**
 * Schema 1 → 2. Version 2 interleaved the paths by repetition (`schedule`,
 * `slot`), settled between stages (`settles`), ended warm-up at a steady
 * state (`warmup` records, `requested.steady`), added the sockperf reference
 * (`reference`), pinned helper threads (`cpuPlacement.helpers`) and the
 * address-plan `limits`. A version-1 run ran its paths one after another,
 * without settling and with a fixed warm-up count, so: `settles` and
 * `warmup` become empty lists (there were none); the rest stays absent
 * (optional in version 2: readers say "not recorded"). `experiments` came
 * late in version 1 without a bump, so older version-1 files lack it: an
 * empty list (none ran).
 */
export function migrateV1toV2(run: Json): Json {
  const warm = (result: Json): Json => ({ ...result, warmup: result['warmup'] ?? [] });
  const repetition = (rep: Json): Json => ({ ...rep, warm: eachObject(rep['warm'], warm), settles: rep['settles'] ?? [] });
  const path = (item: Json): Json => ({ ...item, repetitions: eachObject(item['repetitions'], repetition) });
  return { ...run, schemaVersion: 2, paths: eachObject(run['paths'], path), experiments: run['experiments'] ?? [] };
}

/**
 * Schema 2 → 3. Version 3 records what each burst held, counted from the
 * kernel (`bursts[].kernelHeld`). A version-2 run did not count: the field
 * stays absent (readers show "not counted").
 */
export function migrateV2toV3(run: Json): Json {
  return { ...run, schemaVersion: 3 };
}

/**
 * Schema 3 → 4. Version 4 adds the Redis warm metrics and a real server's
 * view in the path check (`verification.server`). A version-3 run measured
 * neither: nothing to fill, `server` stays absent.
 */
export function migrateV3toV4(run: Json): Json {
  return { ...run, schemaVersion: 4 };
}

/**
 * Schema 4 → 5. Version 5 adds the PostgreSQL warm metrics and PostgreSQL's
 * view in the path check. A version-4 run measured neither: nothing to fill.
 */
export function migrateV4toV5(run: Json): Json {
  return { ...run, schemaVersion: 5 };
}

/**
 * Schema 5 → 6. Version 6 adds the nginx warm metric (`http.get`) and
 * nginx's view in the path check. A version-5 run measured neither: nothing
 * to fill.
 */
export function migrateV5toV6(run: Json): Json {
  return { ...run, schemaVersion: 6 };
}

/**
 * Schema 6 → 7. Version 7 adds the OCI runtime's phases (`oci-create`,
 * `oci-start`) to timelines and histograms, and `instances` to the echoed
 * scenario. A version-6 run started every runtime as a process: it has no
 * such spans and its echo no `instances` (readers take `process`).
 */
export function migrateV6toV7(run: Json): Json {
  return { ...run, schemaVersion: 7 };
}

/**
 * Schema 7 → 8. Version 8 adds the CNI plugins' phase (`cni-add`, in place of
 * `container-link`) for runs with `instances.network: cni`, and `network` in
 * the echoed `instances`. A version-7 run wired every instance with
 * coldpath's own plan: nothing to fill (readers take `coldpath`).
 */
export function migrateV7toV8(run: Json): Json {
  return { ...run, schemaVersion: 8 };
}

/**
 * Schema 8 → 9. Version 9 adds `agents`: the agents a run's kernel work went
 * through and their clock estimates. An older run with agents said so in a
 * note only: nothing to fill.
 */
export function migrateV8toV9(run: Json): Json {
  return { ...run, schemaVersion: 9 };
}

/**
 * Schema 9 → 10. Version 10 records a new connection's set-up in phases
 * (`phases` of the pg.connect and redis.connect warm results) and a real
 * server's first request on the cold path (`burst.firstRequest: service`).
 * A version-9 run did neither: nothing to fill, `phases` stays absent.
 */
export function migrateV9toV10(run: Json): Json {
  return { ...run, schemaVersion: 10 };
}

/**
 * Schema 10 → 11. Version 11 adds the `tenants` experiment's result (kind
 * `tenants` in `experiments`). A version-10 run could not have run it:
 * nothing to fill.
 */
export function migrateV10toV11(run: Json): Json {
  return { ...run, schemaVersion: 11 };
}

/**
 * Schema 11 → 12. Version 12 names each agent's machine (`agents[].hostname`,
 * `kernel`, `coldpath`). An older run's hosts are named in its notes only:
 * nothing to fill, the fields stay absent.
 */
export function migrateV11toV12(run: Json): Json {
  return { ...run, schemaVersion: 12 };
}

/**
 * Schema 12 → 13. Version 13 describes each agent's machine beyond its kernel
 * (`agents[].machine`: OS, CPUs, tool versions). An older run did not ask:
 * nothing to fill, the field stays absent.
 */
export function migrateV12toV13(run: Json): Json {
  return { ...run, schemaVersion: 13 };
}

/** Every migration, oldest first; `from` runs 1, 2, … up to RUN_SCHEMA_VERSION − 1. */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    changes: 'interleaved repetitions, settles, steady-state warm-up, the sockperf reference; empty settles, warm-up records and experiments filled in',
    migrate: migrateV1toV2,
  },
  { from: 2, changes: 'bursts record what they held, counted from the kernel (kernelHeld); absent in older runs', migrate: migrateV2toV3 },
  { from: 3, changes: 'the redis.get and redis.connect warm metrics and a real server’s view in the path check (verification.server); absent in older runs', migrate: migrateV3toV4 },
  { from: 4, changes: 'the pg.query and pg.connect warm metrics and PostgreSQL’s view in the path check (verification.server.server postgres); absent in older runs', migrate: migrateV4toV5 },
  { from: 5, changes: 'the http.get warm metric and nginx’s view in the path check (verification.server.server nginx); absent in older runs', migrate: migrateV5toV6 },
  { from: 6, changes: 'the OCI runtime phases oci-create and oci-start (instances.runtime oci) and instances in the echoed scenario; absent in older runs', migrate: migrateV6toV7 },
  { from: 7, changes: 'the CNI phase cni-add in place of container-link (instances.network cni) and instances.network in the echoed scenario; absent in older runs', migrate: migrateV7toV8 },
  { from: 8, changes: 'agents: the agents of a run --hosts and their clock estimates at start and end; absent in older runs', migrate: migrateV8toV9 },
  {
    from: 9,
    changes: 'the connection set-up phases (tcp, tls, auth, query) of pg.connect and redis.connect warm results, and burst.firstRequest service with its spans; absent in older runs',
    migrate: migrateV9toV10,
  },
  { from: 10, changes: 'the tenants experiment (two tenants’ tunnels between the same endpoints, where each tenant’s traffic arrived); absent in older runs', migrate: migrateV10toV11 },
  { from: 11, changes: 'agents name their machine: hostname, kernel and coldpath version of each host; absent in older runs', migrate: migrateV11toV12 },
  {
    from: 12,
    changes: 'agents describe their machine: OS, CPU model and count, Node.js, iproute2, nft and sockperf versions of each host (agents[].machine); absent in older runs',
    migrate: migrateV12toV13,
  },
];

/** The oldest version this coldpath reads. */
export const OLDEST_READABLE_VERSION = MIGRATIONS[0]?.from ?? RUN_SCHEMA_VERSION;

/** A run of `version` (OLDEST_READABLE_VERSION … RUN_SCHEMA_VERSION) brought to the current version. */
export function migrateRun(run: Json, version: number): Json {
  return MIGRATIONS.filter((migration) => migration.from >= version).reduce((current, migration) => migration.migrate(current), run);
}
