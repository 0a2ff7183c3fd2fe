/** Reading and writing run.json; reading parses it with the schema (parse-run.ts). */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { parseRun } from './parse-run.js';
import type { RunResult } from './types.js';

export const RUN_FILE = 'run.json';

export function writeRunJson(run: RunResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RUN_FILE);
  writeFileSync(file, `${JSON.stringify(run, null, 1)}\n`);
  return file;
}

/** Reads a run from a run.json file or a run directory; `field` names the input in messages (e.g. `BASE`). */
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
    throw new ColdpathError(`${field}: ${file} is not JSON`, { kind: 'input', field, hint: 'the file is damaged (a run interrupted while writing it?): restore it, or run the scenario again' });
  }
  return parseRun(data, file, field);
}
