/** `coldpath schema`: the scenario's JSON Schema, for editors; `--run`: run.json's, for anyone reading results. */
import { z } from 'zod';
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
