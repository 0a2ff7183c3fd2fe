/**
 * What the experiments' tests across emulated machines share (tenants, failover, nat): the file's
 * machines, started before its tests and stopped after (the root namespace as it was), the CLI in
 * the coordinator namespace, one run of the file's scenario across them, where that run placed
 * each node, and the check that nothing is left on any machine.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Machines, type MachinesSpec, startMachines, stopAllMachines } from '../../bench/emulated-machines.js';
import { readRun } from '../../src/results/store.js';
import type { RunResult } from '../../src/results/types.js';
import { type CliResult, ledgerDirs, rootNamespaceState, scenarioFile, spawnCli, tempDir } from './helpers.js';

export interface MachinesRun {
  /** The file's machines (throws before they started). */
  machines(): Machines;
  /** The CLI in the coordinator namespace (on the management wire, where the machines' sshd listen). */
  coordinator(args: readonly string[], timeoutMs?: number): Promise<CliResult>;
  /** run.json of the scenario's run across the machines, made before the file's tests (exit 0, one run). */
  run(): RunResult;
  /** That run's output directory (one run in it). */
  out(): string;
}

/** Registers the file's hooks: the machines of `spec`, then `scenario` run across them once. Call inside `describe`. */
export function runAcrossMachines(spec: MachinesSpec, scenario: object): MachinesRun {
  let harness: Machines | undefined;
  let rootBefore = '';
  let run: RunResult | undefined;
  let out = '';
  const machines = (): Machines => {
    if (harness === undefined) throw new Error('the machines did not start');
    return harness;
  };
  const coordinator = (args: readonly string[], timeoutMs = 240_000): Promise<CliResult> => spawnCli(args, { wrapper: machines().wrapper, timeoutMs }).done;

  beforeAll(async () => {
    rootBefore = rootNamespaceState();
    harness = await startMachines(spec);
    out = tempDir();
    const result = await coordinator(['run', scenarioFile(scenario), '--hosts', machines().inventoryFile, '--out', out]);
    expect(result.code, `${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`).toBe(0);
    const runs = readdirSync(out);
    expect(runs).toHaveLength(1);
    run = readRun(join(out, runs[0] as string));
  }, 300_000);

  afterAll(async () => {
    await stopAllMachines();
    expect(rootNamespaceState()).toBe(rootBefore);
  }, 60_000);

  return {
    machines,
    coordinator,
    run: () => {
      if (run === undefined) throw new Error('no run');
      return run;
    },
    out: () => out,
  };
}

/** The nodes a run across machines placed on `host` (its note "host NAME (node, node, …): agent pid …"). */
export function nodesOn(run: RunResult, host: string): string[] {
  const note = run.notes.find((n) => n.startsWith(`host ${host} (`));
  return note?.slice(`host ${host} (`.length, note.indexOf(')')).split(', ') ?? [];
}

/** No namespace and no ledger directory on any machine, and the run's ledger gone here too. */
export async function expectNothingLeftOn(machines: Machines, run: RunResult): Promise<void> {
  for (const machine of machines.machines) {
    const netns = await machine.exec(['ip', 'netns', 'list']);
    const ledgers = await machine.exec(['ls', '-A', '/run/coldpath']);
    expect({ netns: netns.stdout.trim(), ledgers: ledgers.stdout.trim() }, machine.name).toEqual({ netns: '', ledgers: '' });
  }
  expect(ledgerDirs()).not.toContain(run.tag);
}
