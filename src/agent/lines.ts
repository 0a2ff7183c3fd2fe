/**
 * One line of the agent protocol in, a typed message or a precise complaint
 * out: the agent answers every bad line with an error response naming the
 * field (and never throws on input), the client turns an agent's bad line
 * into an error naming the field.
 */
import type { z } from 'zod';
import {
  AGENT_EVENT_NAMES,
  AGENT_PROTOCOL_VERSION,
  AGENT_REQUEST_TYPES,
  type AgentAnswer,
  type AgentEvent,
  agentEventSchema,
  agentRequestSchema,
  agentResponseSchema,
  type AgentRequest,
  type ErrorResponse,
} from './protocol.js';

/** A request line: the request, or the error response the agent writes instead. */
export type RequestLine = { ok: true; request: AgentRequest } | { ok: false; error: ErrorResponse };

/**
 * A line from the agent: an answer, an event (`event` left out when this coldpath does not know its name: a
 * version-1 client skips it), or what is wrong with it.
 */
export type ResponseLine = { kind: 'response'; response: AgentAnswer } | { kind: 'event'; event?: AgentEvent } | { kind: 'invalid'; id: number | null; field: string | undefined; reason: string };

/** How much of a bad line an error quotes: enough to recognise it, not a whole plan. */
const QUOTE = 80;

const quote = (line: string): string => JSON.stringify(line.length > QUOTE ? `${line.slice(0, QUOTE)}…` : line);

/** The first problem zod found, as a dotted field path and a reason that starts with it. */
function firstIssue(error: z.ZodError): { field: string | undefined; reason: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: undefined, reason: 'invalid' };
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    // An unknown field is named by itself, not by its parent object.
    const field = [path, issue.keys[0]].filter((part) => part !== undefined && part !== '').join('.');
    return { field, reason: `${field}: unknown field` };
  }
  const field = path === '' ? undefined : path;
  return { field, reason: field === undefined ? issue.message : `${field}: ${issue.message}` };
}

/** The parsed JSON object of a line, or why the line is not one. */
function jsonObject(line: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: `not JSON: ${quote(line)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: `expected one JSON object per line, got ${quote(line)}` };
  return { ok: true, value: value as Record<string, unknown> };
}

const isRequestId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Reads one request line; every failure is an error response, so the agent never crashes on input. */
export function parseRequestLine(line: string): RequestLine {
  const parsed = jsonObject(line);
  if (!parsed.ok) return { ok: false, error: { id: null, type: 'error', code: 'malformed', reason: parsed.reason } };
  const { id, type } = parsed.value;
  if (!isRequestId(id)) {
    return { ok: false, error: { id: null, type: 'error', code: 'malformed', field: 'id', reason: `id: expected a non-negative integer, got ${JSON.stringify(id) ?? 'nothing'}` } };
  }
  if (typeof type !== 'string') {
    return { ok: false, error: { id, type: 'error', code: 'malformed', field: 'type', reason: `type: expected a string, got ${JSON.stringify(type) ?? 'nothing'}` } };
  }
  if (!(AGENT_REQUEST_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      error: {
        id,
        type: 'error',
        code: 'unknown-type',
        field: 'type',
        reason: `type: unknown request type ${JSON.stringify(type)}; this agent accepts ${AGENT_REQUEST_TYPES.join(', ')}`,
        hint: 'send only the types the hello answer lists in accepts (the agent may be an older coldpath)',
      },
    };
  }
  // The version before the fields: a later version's hello may carry fields this one does not know, and must hear "unsupported", not "unknown field".
  const { protocol } = parsed.value;
  if (type === 'hello' && typeof protocol === 'number' && protocol !== AGENT_PROTOCOL_VERSION) {
    return {
      ok: false,
      error: {
        id,
        type: 'error',
        code: 'unsupported-protocol',
        field: 'protocol',
        reason: `protocol: this agent speaks version ${AGENT_PROTOCOL_VERSION}, not ${protocol}`,
        hint: 'run the same coldpath version on the coordinator and the hosts',
      },
    };
  }
  const result = agentRequestSchema.safeParse(parsed.value);
  if (!result.success) {
    const { field, reason } = firstIssue(result.error);
    return { ok: false, error: { id, type: 'error', code: 'malformed', reason, ...(field === undefined ? {} : { field }) } };
  }
  return { ok: true, request: result.data };
}

/** Reads one line of the agent's output; unknown response fields are dropped (forward compatibility within a version). */
export function parseResponseLine(line: string): ResponseLine {
  const parsed = jsonObject(line);
  if (!parsed.ok) return { kind: 'invalid', id: null, field: undefined, reason: parsed.reason };
  if (parsed.value['type'] === 'event') {
    // An event named by a later coldpath is skipped; a known one that is wrong is a fault like any bad line.
    if (!(AGENT_EVENT_NAMES as readonly unknown[]).includes(parsed.value['name'])) return { kind: 'event' };
    const event = agentEventSchema.safeParse(parsed.value);
    return event.success ? { kind: 'event', event: event.data } : { kind: 'invalid', id: null, ...firstIssue(event.error) };
  }
  const result = agentResponseSchema.safeParse(parsed.value);
  if (!result.success) {
    const id = parsed.value['id'];
    return { kind: 'invalid', id: isRequestId(id) ? id : null, ...firstIssue(result.error) };
  }
  // Events took the branch above: what is left carries an id.
  return { kind: 'response', response: result.data as AgentAnswer };
}
