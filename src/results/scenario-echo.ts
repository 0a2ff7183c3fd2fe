/**
 * The resolved scenario as run.json echoes it: what the coldpath that wrote
 * the run resolved, every default of *that* version filled in.
 *
 * It is not parsed with `scenarioSchema`: that schema fills in today's
 * defaults, so a run recorded before a field existed would be read as if it
 * had used today's default (a schema-1 run without burst modes would claim
 * `staged` bursts), and its strict objects and input limits would refuse runs
 * whose scenario a later version changed. The echo checks the fields readers
 * rely on, types them as the scenario does, keeps unknown fields
 * (`looseObject`), and marks optional what older runs lack. Keys are declared
 * in the scenario's order so that a parsed echo prints in the order written.
 * `engine/run.ts` stores a `Scenario` here, so the compiler keeps the two
 * compatible (hence `.optional()` where the scenario itself has optional
 * fields).
 */
import { z } from 'zod';
import { INSTANCE_NETWORKS, RUNTIMES } from '../scenario/instances.js';
import { METRICS, STRATEGIES } from '../scenario/schema.js';

/** A nested object of the scenario that readers do not look into: kept as written. */
const kept = z.looseObject({});

const service = z.looseObject({
  name: z.string(),
  httpPort: z.number(),
  echoPort: z.number(),
  responseBytes: z.number(),
  /** Absent in runs recorded before injected delays existed. */
  responseDelayUs: z.number().exactOptional(),
});

const workload = z.looseObject({
  metrics: z.array(z.enum(METRICS)),
  requests: z.number(),
  warmup: z.number(),
  /** Absent in schema 1 (fixed warm-up counts only). */
  steadyState: kept.exactOptional(),
  concurrency: z.number(),
  loop: z.enum(['closed', 'open']),
  rate: z.number().optional(),
  instances: z.number(),
  /** Absent in runs recorded before services were warmed up. */
  serviceWarmup: z.number().exactOptional(),
  timeoutMs: z.number(),
});

const burst = z.looseObject({
  sizes: z.array(z.number()),
  parallelism: z.number(),
  /** Absent in runs recorded before burst modes existed. */
  mode: z.enum(['staged', 'pipelined']).exactOptional(),
  firstRequestTimeoutMs: z.number(),
  /** Absent in runs recorded before the first request could be a real server's (schema 8): http. */
  firstRequest: z.enum(['http', 'service']).exactOptional(),
});

const reference = z.looseObject({
  tool: z.enum(['auto', 'sockperf', 'none']),
  port: z.number(),
  repetitions: z.number(),
  seconds: z.number(),
  echoBoundUs: z.number(),
  keepaliveBoundUs: z.number(),
});

export const scenarioEchoSchema = z
  .looseObject({
    name: z.string(),
    description: z.string().optional(),
    seed: z.number(),
    platform: kept,
    user: kept,
    functionHosts: z.number(),
    services: z.array(service),
    strategies: z.array(z.enum(STRATEGIES)),
    tunnel: z.enum(['auto', 'gre', 'ipip', 'vxlan']),
    tenantKey: z.number(),
    workload,
    burst,
    /** Absent in runs recorded before OCI instances existed (schema ≤ 5): every runtime was a process. `network` is absent before schema 8: coldpath wired every instance. */
    instances: z.looseObject({ runtime: z.enum(RUNTIMES), network: z.enum(INSTANCE_NETWORKS).exactOptional() }).exactOptional(),
    repetitions: z.number(),
    /** Absent in schema 1 (paths ran one after another). */
    order: z.enum(['rotate', 'shuffle', 'listed']).exactOptional(),
    /** Absent in schema 1. */
    settle: kept.exactOptional(),
    /** Absent in schema 1 (no reference instrument). */
    reference: reference.exactOptional(),
    cpu: kept,
    controlPlane: kept,
    eni: z.looseObject({ quotaPerVpc: z.number() }),
    peering: kept,
    proxy: kept,
    /** Absent in runs recorded before experiments existed. */
    experiments: z.array(kept).exactOptional(),
  })
  .meta({
    id: 'ScenarioEcho',
    description:
      'The resolved scenario, as the coldpath that wrote the run resolved it (see schema/scenario.schema.json of that version for every field). Fields readers rely on are checked; the rest is kept as written.',
  });
