/**
 * Reads a scenario (YAML or JSON; none = the built-in default), validates it
 * with zod and then with the cross-field rules, and reports every problem at
 * once: field path, the bad value, what is allowed.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ColdpathError, inputError } from '../errors.js';
import { scenarioSchema, STRATEGIES, type Scenario, type StrategyName } from './schema.js';
import { crossFieldProblems, type Problem } from './rules.js';

export interface LoadedScenario {
  scenario: Scenario;
  /** Where it came from: a path, or `built-in default`. */
  source: string;
}

export function loadScenario(path: string | undefined): LoadedScenario {
  if (path === undefined) return { scenario: parseScenario({}, 'built-in default'), source: 'built-in default' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ColdpathError(`cannot read scenario file ${path}`, {
      kind: 'input',
      field: 'SCENARIO',
      hint: 'give the path of a YAML or JSON scenario, or none for the built-in default',
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    throw new ColdpathError(`${path} is not valid YAML: ${(cause as Error).message.split('\n')[0] ?? ''}`, {
      kind: 'input',
      field: 'SCENARIO',
      cause,
    });
  }
  return { scenario: parseScenario(raw ?? {}, path), source: path };
}

export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(raw);
  const problems = result.success ? crossFieldProblems(result.data) : result.error.issues.map((issue) => fromZodIssue(issue, raw));
  if (problems.length > 0) throw scenarioError(source, problems);
  if (!result.success) throw new Error('unreachable');
  return result.data;
}

export function scenarioError(source: string, problems: readonly Problem[]): ColdpathError {
  const lines = problems.map((problem) => `  ${problem.path}: ${problem.message}`);
  const first = problems[0];
  return new ColdpathError(`${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    kind: 'input',
    field: first?.path ?? '',
    hint: 'fields and allowed values: `coldpath schema` prints the JSON Schema',
  });
}

/** One zod issue as a problem a user can act on: the field, the value given, what is allowed. */
export function fromZodIssue(issue: z.core.$ZodIssue, raw: unknown): Problem {
  const path = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? 'missing' : `got ${JSON.stringify(value)}`;
  let allowed = issue.message;
  switch (issue.code) {
    case 'invalid_value':
      allowed = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys':
      return { path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` };
    case 'too_small':
      allowed = `expected ${issue.origin === 'array' ? 'at least' : '≥'} ${String(issue.minimum)}${issue.origin === 'array' ? ' item(s)' : ''}`;
      break;
    case 'too_big':
      allowed = `expected ${issue.origin === 'array' ? 'at most' : '≤'} ${String(issue.maximum)}${issue.origin === 'array' ? ' item(s)' : ''}`;
      break;
    case 'invalid_type':
      allowed = `expected ${issue.expected}`;
      break;
    default:
      break;
  }
  return { path, message: `${shown}; ${allowed}` };
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A comma-separated list of paths from the command line (`--strategies eni,gre-proxy`), in that order. */
export function parseStrategies(text: string): StrategyName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(STRATEGIES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw inputError('--strategies', `${JSON.stringify(text)} names ${unknown.length > 0 ? `unknown path(s) ${unknown.join(', ')}` : 'no path'}`, `choose from ${STRATEGIES.join(', ')}`);
  }
  return names as StrategyName[];
}
