import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../../src/commands/schema.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

describe('exported JSON Schema', () => {
  it('schema/scenario.schema.json is up to date (regenerate: `coldpath schema > schema/scenario.schema.json`)', () => {
    const committed = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', 'scenario.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(scenarioJsonSchema());
  });

  it('describes fields for editors', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { description?: string }> };
    expect(schema.properties['tunnel']?.description).toMatch(/auto = GRE where the kernel has it/);
  });
});
