import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runJsonSchema, scenarioJsonSchema } from '../../../src/commands/schema.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { readRun } from '../../../src/results/store.js';
import { currentRun } from '../results/current-run.js';

const committed = (name: string): unknown => JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', name), 'utf8')) as unknown;

describe('exported JSON Schema', () => {
  it('schema/scenario.schema.json is up to date (regenerate: `coldpath schema > schema/scenario.schema.json`)', () => {
    expect(committed('scenario.schema.json')).toEqual(scenarioJsonSchema());
  });

  it('describes fields for editors', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { description?: string }> };
    expect(schema.properties['tunnel']?.description).toMatch(/auto = GRE where the kernel has it/);
  });
});

describe("run.json's JSON Schema", () => {
  it('schema/run.schema.json is up to date (regenerate: `coldpath schema --run > schema/run.schema.json`)', () => {
    expect(committed('run.schema.json')).toEqual(runJsonSchema());
  });

  it('names the parts of a run and describes them', () => {
    const schema = runJsonSchema() as { $defs: Record<string, { description?: string }>; properties: Record<string, { description?: string }> };
    expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(['PathResult', 'RepetitionResult', 'BurstResult', 'InstanceResult', 'WarmResult', 'Fingerprint', 'ScenarioEcho']));
    expect(schema.$defs['EncodedHistogram']?.description).toMatch(/HdrHistogram/);
    expect(schema.properties['schedule']?.description).toMatch(/absent in schema 1/);
  });

  // No JSON Schema validator is a dependency; zod reads the emitted schema back into a validator of its own.
  const validator = z.fromJSONSchema(runJsonSchema() as z.core.JSONSchema.JSONSchema);
  const asFile = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

  it.each(['run-small', 'run-aborted'])('accepts the fixture %s once migrated', (name) => {
    expect(validator.safeParse(asFile(readRun(join(PACKAGE_ROOT, 'test', 'fixtures', name)))).error).toBeUndefined();
  });

  it('accepts a run written by current code and refuses a damaged one', () => {
    const run = asFile(currentRun()) as { paths: Array<{ repetitions: Array<{ warm: Array<{ histogram: unknown }> }> }> };
    expect(validator.safeParse(run).error).toBeUndefined();
    const warm = run.paths[0]?.repetitions[0]?.warm[0];
    if (warm === undefined) throw new Error('no warm result');
    warm.histogram = 42;
    expect(validator.safeParse(run).success).toBe(false);
  });
});
