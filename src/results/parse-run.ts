/**
 * Turns the JSON of a run.json file into a RunResult: schema name, then
 * version (migrating older ones), then the zod schema. Every refusal is an
 * input error (exit 2) that names the file and the first field that failed.
 */
import type { z } from 'zod';
import { ColdpathError } from '../errors.js';
import { migrateRun, OLDEST_READABLE_VERSION } from './migrate.js';
import { runResultSchema } from './schema.js';
import { RUN_SCHEMA, RUN_SCHEMA_VERSION, type RunResult } from './types.js';

/**
 * @param data the parsed JSON
 * @param file where it came from, for messages
 * @param field the input it was given as (e.g. `BASE`), for messages and ColdpathError.field
 */
export function parseRun(data: unknown, file: string, field: string): RunResult {
  const fail = (message: string, hint: string): ColdpathError => new ColdpathError(`${field}: ${file}${message}`, { kind: 'input', field, hint });
  const head = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  if (head?.['schema'] !== RUN_SCHEMA) {
    throw fail(` is not a coldpath run (schema ${JSON.stringify(head?.['schema'])}, expected "${RUN_SCHEMA}")`, 'give a run directory (reports/<run-id>) or its run.json');
  }
  const version = head['schemaVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < OLDEST_READABLE_VERSION || version > RUN_SCHEMA_VERSION) {
    throw fail(
      ` has schema version ${JSON.stringify(version)}; this coldpath reads versions ${OLDEST_READABLE_VERSION} to ${RUN_SCHEMA_VERSION}`,
      'render or compare it with the coldpath version that wrote it (or a newer one)',
    );
  }
  const parsed = runResultSchema.safeParse(migrateRun(head, version));
  if (parsed.success) return parsed.data;
  throw fail(`: ${describeIssue(parsed.error.issues)}`, 'the file is damaged or was not written by `coldpath run`: restore it, or run the scenario again');
}

/** `path.to.field: what is wrong`, for the first issue (the one deepest inside a failed union). */
function describeIssue(issues: readonly z.core.$ZodIssue[]): string {
  const issue = firstIssue(issues);
  if (issue === undefined) return 'invalid';
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${dotted([...issue.path, key])}: unknown field`).join('; ');
  if (issue.code === 'invalid_union' && 'options' in issue && issue.options !== undefined) {
    return `${dotted(issue.path)}: expected one of ${issue.options.map((option) => JSON.stringify(option)).join('|')}`;
  }
  const message = issue.message.replace(/^Invalid (input|option): /, '');
  const missing = issue.code === 'invalid_type' && message.endsWith('received undefined');
  return `${dotted(issue.path)}: ${missing ? `missing (${message.replace(/, received undefined$/, '')})` : message}`;
}

/** The first issue; inside a union that no option matched, the option's issue that got furthest. */
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const issue = issues[0];
  if (issue?.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const candidates = issue.errors.flatMap((option) => {
    const inner = firstIssue(option);
    return inner === undefined ? [] : [{ ...inner, path: [...issue.path, ...inner.path] }];
  });
  return candidates.sort((a, b) => b.path.length - a.path.length)[0] ?? issue;
}

const dotted = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(top level)' : path.map(String).join('.'));
