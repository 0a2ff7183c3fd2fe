/**
 * The node agent's protocol (issue 12): one JSON object per line, requests on
 * the agent's stdin, responses on its stdout. Only stdio, so the same agent
 * runs as a local child, under `ssh -T` or in a Kubernetes exec stream.
 * Timestamps are integer microseconds on the agent's own CLOCK_MONOTONIC;
 * they mean nothing on another machine until mapped through a clock estimate
 * (clock-offset.ts). docs/agent-protocol.md is the prose version.
 *
 * Compatibility rules within one `AGENT_PROTOCOL_VERSION`:
 * - a new request type, a new response field or a new event is additive: the
 *   agent lists the request types it accepts in its `hello` answer, and a
 *   coordinator sends only those (an older agent would answer `unknown-type`);
 * - requests are strict (an unknown field is an error naming it, so typos are
 *   caught), responses are read tolerantly (unknown fields are dropped), so an
 *   agent may add a response field without breaking older coordinators;
 * - changing or removing anything, or adding a field to an existing request,
 *   is a new version.
 *
 * Planned, not in version 1 (each a new request type, announced in `accepts`):
 * `apply` (a plan's operations through the same `ip -batch` sessions and nft
 * the local driver uses), `start`/`stop` (probes and services in the agent's
 * namespaces), `histogram` (encoded HDR histograms and per-instance
 * timelines), and events: lines `{type: 'event', id?, name, at, ...}` that a
 * long request streams before its response. A version-1 coordinator ignores
 * lines whose `type` is `event`.
 */
import { z } from 'zod';

/** The protocol version this coldpath speaks; `hello` refuses any other. */
export const AGENT_PROTOCOL_VERSION = 1;

/** The request types of version 1, in the order `hello` lists them. */
export const AGENT_REQUEST_TYPES = ['hello', 'clock', 'shutdown'] as const;
export type AgentRequestType = (typeof AGENT_REQUEST_TYPES)[number];

/** The only clock an agent stamps with today (process.hrtime reads it on Linux). */
export const AGENT_CLOCK_SOURCES = ['CLOCK_MONOTONIC'] as const;

/** A request's id: chosen by the coordinator, echoed by the answer; the agent does not require them to be unique. */
const requestId = z.number().int().nonnegative().describe('Chosen by the coordinator; the response carries the same id.');

/** Integer microseconds on the agent's monotonic clock. */
const agentMicros = z.number().int().describe("Microseconds on the agent's monotonic clock (its own timeline: map it through a clock estimate before comparing with another machine's).");

/** `hello`: the first request of a session; the agent refuses a `protocol` other than its own. */
export const helloRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('hello'),
    protocol: z.number().int().positive().describe('The protocol version the coordinator speaks; the agent refuses any other.'),
  })
  .meta({ id: 'HelloRequest', description: 'First request of a session: version check and who the agent is.' });

/** `clock`: one exchange of the offset estimate (clock-offset.ts). */
export const clockRequestSchema = z
  .strictObject({ id: requestId, type: z.literal('clock') })
  .meta({ id: 'ClockRequest', description: 'One clock exchange: the coordinator notes its send (t0) and receive (t3) times, the agent answers with its own (t1, t2).' });

/** `shutdown`: answer, stop reading, exit 0. */
export const shutdownRequestSchema = z
  .strictObject({ id: requestId, type: z.literal('shutdown') })
  .meta({ id: 'ShutdownRequest', description: 'The agent answers, stops reading and exits 0 (as it does at end of input).' });

/** Any request of version 1, by `type`. */
export const agentRequestSchema = z
  .discriminatedUnion('type', [helloRequestSchema, clockRequestSchema, shutdownRequestSchema])
  .meta({ id: 'AgentRequest', description: "One line on the agent's stdin." });

/** Who the agent is and what it accepts. */
export const helloResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('hello'),
    protocol: z.number().int().positive().describe('The protocol version the agent speaks.'),
    coldpath: z.string().describe("The agent's coldpath version (package.json)."),
    hostname: z.string(),
    pid: z.number().int().positive(),
    kernel: z.string().describe('Kernel release (uname -r).'),
    clock: z.enum(AGENT_CLOCK_SOURCES).describe('The clock every agent timestamp is read from.'),
    accepts: z.array(z.string()).describe('Request types this agent accepts; a coordinator sends no other.'),
  })
  .meta({ id: 'HelloResponse' });

/** The agent's two stamps of a clock exchange. */
export const clockResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('clock'),
    t1: agentMicros.describe('When the agent read the request (agent clock, µs).'),
    t2: agentMicros.describe('When the agent wrote this answer (agent clock, µs).'),
  })
  .meta({ id: 'ClockResponse' });

/** Sent before the agent exits. */
export const shutdownResponseSchema = z.object({ id: requestId, type: z.literal('shutdown') }).meta({ id: 'ShutdownResponse' });

/** Why a request was refused; lets a coordinator tell "not supported here" from "broken". */
export const AGENT_ERROR_CODES = ['malformed', 'unknown-type', 'unsupported-protocol', 'failed'] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** A refused or failed request; `field` and a `reason` starting with it when a field is at fault. */
export const errorResponseSchema = z
  .object({
    id: requestId.nullable().describe("The request's id; null when the line had no readable id (not JSON, or no id)."),
    type: z.literal('error'),
    code: z
      .enum(AGENT_ERROR_CODES)
      .describe(
        'malformed: not a JSON object or a field is wrong; unknown-type: a request type this agent does not accept; unsupported-protocol: hello with another version; failed: the request was valid and failed.',
      ),
    reason: z.string().describe('What is wrong, starting with the field when one is (e.g. `type: unknown request type "apply"; ...`).'),
    field: z.string().optional().describe('Dotted path of the offending field, when one is.'),
    hint: z.string().optional().describe('What the coordinator (or its user) can do about it.'),
  })
  .meta({ id: 'ErrorResponse', description: 'A refused or failed request; the agent keeps serving.' });

/** Any line the agent writes in version 1 (events are planned). */
export const agentResponseSchema = z
  .discriminatedUnion('type', [helloResponseSchema, clockResponseSchema, shutdownResponseSchema, errorResponseSchema])
  .meta({ id: 'AgentResponse', description: "One line on the agent's stdout." });

export type HelloRequest = z.infer<typeof helloRequestSchema>;
export type ClockRequest = z.infer<typeof clockRequestSchema>;
export type ShutdownRequest = z.infer<typeof shutdownRequestSchema>;
export type AgentRequest = z.infer<typeof agentRequestSchema>;
export type HelloResponse = z.infer<typeof helloResponseSchema>;
export type ClockResponse = z.infer<typeof clockResponseSchema>;
export type ShutdownResponse = z.infer<typeof shutdownResponseSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type AgentResponse = z.infer<typeof agentResponseSchema>;

/** The answer each request type gets when it succeeds. */
export interface ResponseOf {
  hello: HelloResponse;
  clock: ClockResponse;
  shutdown: ShutdownResponse;
}
