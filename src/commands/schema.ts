/** `coldpath schema`: the scenario's JSON Schema, for editors. */
import { z } from 'zod';
import { scenarioSchema } from '../scenario/schema.js';

export function scenarioJsonSchema(): object {
  return { ...z.toJSONSchema(scenarioSchema, { io: 'input' }), title: 'coldpath scenario' };
}
