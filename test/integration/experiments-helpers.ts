/** Shared by the experiments-*.test.ts files: run a scenario with experiments through the CLI, read its run.json, check leftovers. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ExperimentResult } from '../../src/experiments/types.js';
import { readRun } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { namespacesOf, runCli, scenarioFile, tempDir, type CliResult } from './helpers.js';

/** The cheapest path to get to the experiments: baseline, one instance, few requests. */
export const QUICK_PATHS = {
  // gre-proxy first uses (and tears down) px0 and px1's names: the experiments must find them free.
  strategies: ['gre-proxy'],
  repetitions: 1,
  burst: { sizes: [1] },
  workload: { requests: 50, warmup: 20, metrics: ['keepalive'] },
  // The experiments are under test, not the reference (test/integration/trust.test.ts covers it).
  reference: { tool: 'none' },
};

export async function runExperimentScenario(experiments: object[], extra: object = {}): Promise<{ cli: CliResult; run: RunResult | undefined }> {
  const out = tempDir();
  const cli = await runCli(['run', scenarioFile({ ...QUICK_PATHS, ...extra, experiments }), '--out', out, '--quiet']);
  const [runId] = readdirSync(out);
  // readRun: every experiment's result must also parse with run.json's schema.
  const run = runId === undefined ? undefined : readRun(join(out, runId));
  return { cli, run };
}

export function experiment<K extends ExperimentResult['kind']>(run: RunResult | undefined, name: string, kind: K): Extract<ExperimentResult, { kind: K }> {
  const found = run?.experiments.find((e) => e.name === name);
  expect(found, `experiment ${name} in run.json`).toBeDefined();
  expect(found?.kind).toBe(kind);
  return found as Extract<ExperimentResult, { kind: K }>;
}

/** Processes whose command line mentions a run's state directory (keepalived's config and pid files live there). */
export function processesOfRun(tag: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(`/coldpath/${tag}/`) || (cmdline.startsWith('keepalived') && cmdline.includes(tag))) found.push(`${entry}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Nothing of the run is left: namespaces, keepalived or other processes. */
export function expectNothingLeft(run: RunResult | undefined): void {
  expect(run).toBeDefined();
  const tag = run?.tag ?? 'none';
  expect(namespacesOf(tag)).toEqual([]);
  expect(processesOfRun(tag)).toEqual([]);
}

/** A 16-port MASQUERADE: churn alone, then churn with all 16 ports held (experiments-nat and nat-across-machines). */
export const NAT_16_PORTS = {
  kind: 'nat',
  name: 'nat',
  ports: { first: 40000, count: 16 },
  timeWaitSeconds: 1,
  stepMs: 1500,
  // Over 1 s: a SYN retransmitted once (the service's side may refuse a reused port's first SYN) still
  // counts as slow, not failed; seen on a loaded machine as 1 of 15 failing at 1200 ms.
  timeoutMs: 2500,
  steps: [
    { rate: 10, held: 0 },
    { rate: 20, held: 16 },
  ],
};
