/** Reading and writing run.json, with the schema checked on the way in. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { RUN_SCHEMA, RUN_SCHEMA_VERSION, type RunResult } from './types.js';

export const RUN_FILE = 'run.json';

export function writeRunJson(run: RunResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RUN_FILE);
  writeFileSync(file, `${JSON.stringify(run, null, 1)}\n`);
  return file;
}

/** Reads a run from a run.json file or a run directory. */
export function readRun(location: string, field = 'RUN'): RunResult {
  const file = existsSync(location) && statSync(location).isDirectory() ? join(location, RUN_FILE) : location;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ColdpathError(`${field}: cannot read ${file}`, { kind: 'input', field, hint: 'give a run directory (reports/<run-id>) or its run.json' });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ColdpathError(`${field}: ${file} is not JSON`, { kind: 'input', field });
  }
  const head = data as { schema?: unknown; schemaVersion?: unknown };
  if (head.schema !== RUN_SCHEMA) {
    throw new ColdpathError(`${field}: ${file} is not a coldpath run (schema ${JSON.stringify(head.schema)})`, { kind: 'input', field });
  }
  if (head.schemaVersion === 1) return migrateFromV1(data as Record<string, unknown>);
  if (head.schemaVersion !== RUN_SCHEMA_VERSION) {
    throw new ColdpathError(`${field}: ${file} has schema version ${JSON.stringify(head.schemaVersion)}; this coldpath reads versions 1 and ${RUN_SCHEMA_VERSION}`, {
      kind: 'input',
      field,
      hint: 'render or compare it with the coldpath version that wrote it',
    });
  }
  return data as RunResult;
}

/**
 * Schema 1 → 2: version 2 only added fields (schedule, reference, settles,
 * warm-up records, helper CPUs), all optional to readers; a version-1 run
 * measured its paths one after another, without settling or a reference.
 */
function migrateFromV1(data: Record<string, unknown>): RunResult {
  return { ...data, schemaVersion: RUN_SCHEMA_VERSION } as unknown as RunResult;
}
