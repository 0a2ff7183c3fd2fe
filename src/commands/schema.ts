/** `coldpath schema`: the scenario's JSON Schema, for editors; `--run`: run.json's, for anyone reading results; `--agent`: the agent protocol's. */
import { z } from 'zod';
import { AGENT_PROTOCOL_VERSION, agentRequestSchema, agentResponseSchema } from '../agent/protocol.js';
import { runResultSchema } from '../results/schema.js';
import { RUN_SCHEMA_VERSION } from '../results/types.js';
import { scenarioSchema } from '../scenario/schema.js';

export function scenarioJsonSchema(): object {
  return { ...z.toJSONSchema(scenarioSchema, { io: 'input' }), title: 'coldpath scenario' };
}

/** The current version of run.json; `readRun` also reads older versions by migrating them first. */
export function runJsonSchema(): object {
  return { ...z.toJSONSchema(runResultSchema, { io: 'input' }), title: `coldpath run.json, schema version ${RUN_SCHEMA_VERSION}` };
}

/** One line of the agent protocol, either direction: a request (to the agent) or a response (from it). */
export function agentJsonSchema(): object {
  return { ...z.toJSONSchema(z.union([agentRequestSchema, agentResponseSchema]), { io: 'input' }), title: `coldpath agent protocol, version ${AGENT_PROTOCOL_VERSION}` };
}
