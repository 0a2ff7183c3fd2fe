/** Reads and validates an inventory file (`--hosts FILE`); errors name the file and every field at fault. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ColdpathError } from '../errors.js';
import { type Inventory, inventorySchema } from './inventory.js';
import { fromZodIssue } from './load.js';

export function loadInventory(path: string): Inventory {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'), { prettyErrors: true });
  } catch (cause) {
    throw new ColdpathError(`cannot read inventory ${path}: ${(cause as Error).message.split('\n')[0] ?? ''}`, {
      kind: 'input',
      field: '--hosts',
      hint: 'give a YAML inventory of the machines (docs/kubernetes.md has an example)',
      cause,
    });
  }
  return parseInventory(raw, path);
}

export function parseInventory(raw: unknown, source = 'inventory'): Inventory {
  const result = inventorySchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => fromZodIssue(issue, raw));
  return problemsError(source, problems);
}

function problemsError(source: string, problems: ReadonlyArray<{ path: string; message: string }>): never {
  throw new ColdpathError(`${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
    kind: 'input',
    field: problems[0]?.path ?? '',
    hint: 'fields and allowed values: docs/kubernetes.md, "Inventory"',
  });
}
