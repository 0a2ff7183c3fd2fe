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
import { otherMachines } from '../results/machines.js';
import type { AgentClock, RunResult } from '../results/types.js';

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
 * The other machines a run across machines measured (run.json `agents`): their set, each one's
 * kernel (schema 12) and its CPU model and count (schema 13) must match too, as the fingerprint's
 * do for the coordinator's machine. An agent on the coordinator's own machine (executor local) is
 * the fingerprint's machine already; a field an older run did not record is not compared.
 */
export function machineDifferences(base: RunResult, next: RunResult): string[] {
  const machines = (run: RunResult): Map<string, AgentClock> => new Map(otherMachines(run).map((agent) => [agent.host, agent] as const));
  const [a, b] = [machines(base), machines(next)];
  const differences: string[] = [];
  for (const host of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(host), b.get(host)];
    if (x === undefined || y === undefined) {
      differences.push(`host ${host}: ${x === undefined ? 'absent' : 'measured'} vs ${y === undefined ? 'absent' : 'measured'}`);
      continue;
    }
    const check = (label: string, p: unknown, q: unknown): void => {
      if (p !== undefined && q !== undefined && p !== q) differences.push(`host ${host} ${label}: ${JSON.stringify(p)} vs ${JSON.stringify(q)}`);
    };
    check('kernel', x.kernel, y.kernel);
    check('cpuModel', x.machine?.cpuModel, y.machine?.cpuModel);
    check('cpuCount', x.machine?.cpuCount, y.machine?.cpuCount);
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
