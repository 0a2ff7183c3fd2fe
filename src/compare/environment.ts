/**
 * Whether two runs may be compared at all. Different fingerprints (kernel,
 * CPU, tunnel used, CPU placement) and, across machines, different hosts or
 * hosts' kernels are refused unless the user insists;
 * different scenarios are allowed (an injected delay or a new burst size is
 * a legitimate experiment) but listed, so nobody compares unlike runs
 * silently.
 */
import { fingerprintDifferences } from '../env/fingerprint.js';
import { ColdpathError } from '../errors.js';
import type { RunResult } from '../results/types.js';

/** Throws an input error listing the differences unless `allow`; returns them otherwise. */
export function checkEnvironment(base: RunResult, next: RunResult, allow: boolean): string[] {
  const differences = [...fingerprintDifferences(base.fingerprint, next.fingerprint), ...machineDifferences(base, next)];
  if (differences.length > 0 && !allow) {
    throw new ColdpathError(`BASE and NEW ran in different environments (BASE vs NEW):\n${differences.map((line) => `  ${line}`).join('\n')}`, {
      kind: 'input',
      field: 'NEW',
      hint: 'compare runs from the same machine setup; or pass --allow-env-mismatch to compare anyway (every output then says so)',
    });
  }
  return differences;
}

/**
 * The other machines a run across machines measured (run.json `agents`, schema 12): their set and
 * each one's kernel must match too. An agent on the coordinator's own machine (executor local) is
 * the fingerprint's machine already; an agent recorded before schema 12 names no kernel and is
 * compared by name only.
 */
export function machineDifferences(base: RunResult, next: RunResult): string[] {
  const machines = (run: RunResult): Map<string, string | undefined> =>
    new Map((run.agents ?? []).filter((agent) => agent.hostname !== run.fingerprint.hostname || agent.kernel !== run.fingerprint.kernel).map((agent) => [agent.host, agent.kernel] as const));
  const [a, b] = [machines(base), machines(next)];
  const differences: string[] = [];
  for (const host of new Set([...a.keys(), ...b.keys()])) {
    if (!a.has(host) || !b.has(host)) differences.push(`host ${host}: ${a.has(host) ? 'measured' : 'absent'} vs ${b.has(host) ? 'measured' : 'absent'}`);
    else if (a.get(host) !== undefined && b.get(host) !== undefined && a.get(host) !== b.get(host))
      differences.push(`host ${host} kernel: ${JSON.stringify(a.get(host))} vs ${JSON.stringify(b.get(host))}`);
  }
  return differences;
}

const MAX_LISTED = 8;

/** Leaf-by-leaf differences of the two resolved scenarios (name and description excluded). */
export function scenarioDifferences(base: RunResult, next: RunResult): string[] {
  const differences: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], path === '' ? key : `${path}.${key}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      differences.push(`${path}: ${JSON.stringify(a) ?? 'unset'} vs ${JSON.stringify(b) ?? 'unset'}`);
    }
  };
  // A run recorded before `instances` existed (schema ≤ 5) started every runtime as a process: the same as `runtime: process`, not a difference;
  // one recorded before `instances.network` (schema ≤ 7) wired every instance with coldpath's plan: the same as `network: coldpath`.
  const strip = (run: RunResult): unknown => ({
    ...run.scenario,
    name: undefined,
    description: undefined,
    instances: { runtime: 'process', ...run.scenario.instances, network: run.scenario.instances?.network ?? 'coldpath' },
  });
  walk(strip(base), strip(next), '');
  if (differences.length > MAX_LISTED) return [...differences.slice(0, MAX_LISTED), `… and ${differences.length - MAX_LISTED} more`];
  return differences;
}

/** Objects, and arrays of objects (services), are walked; arrays of plain values are compared whole. */
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && (!Array.isArray(value) || value.some((item) => typeof item === 'object' && item !== null));
