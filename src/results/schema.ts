/**
 * run.json, the single source of truth of a run, as a zod schema: `readRun`
 * parses every file with it (after migrating older versions), the types in
 * types.ts are inferred from it, and `coldpath schema --run` prints it as JSON
 * Schema. It echoes its own inputs (resolved scenario, command, versions,
 * start time) so that a result file explains itself.
 *
 * Objects are strict: an unknown field is an error, so a typo or a foreign
 * file is caught by name rather than silently ignored. Forward compatibility
 * comes from the version number instead: any change to what is stored bumps
 * RUN_SCHEMA_VERSION (and adds a migration), and a reader refuses versions
 * newer than its own. The echoed scenario is the one loose part
 * (scenario-echo.ts).
 */
import { z } from 'zod';
import { modeledPhaseIdSchema, modeledPhaseSpecSchema } from '../model/schema.js';
import { STRATEGIES } from '../scenario/schema.js';
import { tunnelChoiceSchema } from './common-schema.js';
import { experimentResultSchema } from './experiment-schema.js';
import { fingerprintSchema, machineSchema } from './fingerprint-schema.js';
import { pathResultSchema } from './path-schema.js';
import { scenarioEchoSchema } from './scenario-echo.js';
import { RUN_SCHEMA, RUN_SCHEMA_VERSION } from './versions.js';

/** The reference instrument of a run (engine/reference.ts). */
/** One clock estimate: the least-delay exchange of a round (agent/clock-offset.ts, `OffsetEstimate`). */
export const offsetEstimateSchema = z
  .strictObject({
    kind: z.literal('offset'),
    offsetUs: z.number().describe('Agent clock minus coordinator clock (µs), θ of the least-delay exchange.'),
    uncertaintyUs: z.number().describe('Half-width of the bound (µs): the true offset was within offsetUs ± uncertaintyUs at atUs.'),
    delayUs: z.number().describe('δ of the chosen exchange (µs).'),
    atUs: z.number().describe("When the estimate holds, on the coordinator's monotonic clock (µs)."),
    samples: z.number().describe('Exchanges the estimate chose from.'),
  })
  .meta({ id: 'OffsetEstimate' });

/** An agent the run went through and its clock: estimated on connect and again before teardown. */
export const agentClockSchema = z
  .strictObject({
    /** The inventory host's name. */
    host: z.string(),
    /** The agent's pid on its machine (its hello). */
    pid: z.number(),
    protocol: z.number(),
    /** The machine the agent ran on, from its hello (schema 12; absent in older runs): a run across machines has one kernel per host, not the coordinator's. */
    hostname: z.string().exactOptional().describe("The agent's machine's host name, from its hello (schema 12)."),
    kernel: z.string().exactOptional().describe("The agent's machine's kernel release, `uname -r` (schema 12): `coldpath compare` refuses runs whose hosts' kernels differ."),
    coldpath: z.string().exactOptional().describe("The agent's coldpath version (schema 12)."),
    machine: machineSchema.exactOptional().describe("The agent's machine beyond its kernel: OS, CPUs, tool versions (schema 13; absent in older runs and when the agent cannot say)."),
    start: offsetEstimateSchema,
    /** Before teardown; absent when the exchange failed (a note says why). */
    end: offsetEstimateSchema.exactOptional(),
    /** Offset change per coordinator second between start and end (ppm) and its bound. */
    driftPpm: z.number().exactOptional(),
    driftUncertaintyPpm: z.number().exactOptional(),
  })
  .meta({ id: 'AgentClock', description: "An agent the run's kernel work went through, and its clock against the coordinator's at the run's start and end." });

export const referenceSetupSchema = z
  .discriminatedUnion('tool', [
    z.strictObject({ tool: z.literal('sockperf'), version: z.string(), port: z.number(), seconds: z.number(), messageBytes: z.number() }),
    z.strictObject({ tool: z.literal('none'), reason: z.string() }),
  ])
  .meta({ id: 'ReferenceSetup', description: "The run's reference instrument: sockperf, or why there is none." });

export const runResultSchema = z
  .strictObject({
    schema: z.literal(RUN_SCHEMA),
    schemaVersion: z.literal(RUN_SCHEMA_VERSION).describe('Older versions are migrated on reading (src/results/migrate.ts).'),
    runId: z.string(),
    tag: z.string().describe("Short tag in every kernel object's name of this run."),
    outcome: z.enum(['completed', 'aborted', 'errored']),
    /** Why an errored run stopped; `kind` as in ColdpathError (input, environment, command, runtime). */
    error: z
      .strictObject({ message: z.string(), hint: z.string().exactOptional(), kind: z.string().exactOptional() })
      .exactOptional()
      .describe('Why an errored run stopped; kind as in ColdpathError (input, environment, command, runtime).'),
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number(),
    command: z.array(z.string()).describe('The argv of the run.'),
    scenarioSource: z.string().describe('The scenario file, or what stood for it.'),
    scenario: scenarioEchoSchema,
    fingerprint: fingerprintSchema,
    tunnel: tunnelChoiceSchema.nullable(),
    controlPlane: z
      .strictObject({
        profile: z.string(),
        description: z.string(),
        phases: z.record(modeledPhaseIdSchema, modeledPhaseSpecSchema),
        apiBucket: z.strictObject({ capacity: z.number(), refillPerSecond: z.number() }),
      })
      .describe('The control-plane model the run used: its profile, every phase figure, the API token bucket.'),
    /** Order of the paths in each repetition (absent in schema 1: paths ran one after another). */
    schedule: z
      .array(z.strictObject({ repetition: z.number(), order: z.array(z.enum(STRATEGIES)) }))
      .exactOptional()
      .describe('Order of the paths in each repetition (absent in schema 1: paths ran one after another).'),
    /** The second instrument beside coldpath's own (absent in schema 1). */
    reference: referenceSetupSchema.exactOptional(),
    /** The agents the run's kernel work went through (\`run --hosts\`), with their clock estimates (schema 9; absent without agents). */
    agents: z.array(agentClockSchema).exactOptional().describe("The agents the run's kernel work went through (`run --hosts`), with their clock estimates (schema 9; absent without agents)."),
    /** Limits of this run's address plan that reports quote (absent in schema 1 and early schema-2 runs). */
    limits: z
      .strictObject({
        /** User-subnet addresses left for ENIs after reserved, service and proxy addresses. */
        eniAddresses: z.number().describe('User-subnet addresses left for ENIs after reserved, service and proxy addresses.'),
      })
      .exactOptional()
      .describe("Limits of this run's address plan that reports quote (absent in older runs)."),
    paths: z.array(pathResultSchema),
    /** Proxy-operations experiments (failover, scaling, NAT limits, MTU), in scenario order. */
    experiments: z.array(experimentResultSchema).describe('Proxy-operations experiments (failover, scaling, NAT limits, MTU), in scenario order.'),
    /** Things a reader must know (fallbacks, skipped work). */
    notes: z.array(z.string()).describe('Things a reader must know (fallbacks, skipped work).'),
  })
  .describe('coldpath run.json: one run of `coldpath run`. Histograms are HdrHistogram, compressed base64 (µs).');
