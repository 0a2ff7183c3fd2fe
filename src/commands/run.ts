/** `coldpath run`: measure every path of a scenario and write reports/<run-id>/. */
import { join } from 'node:path';
import { attachConsole, summaryTable } from '../display/console-display.js';
import { RunEvents } from '../engine/events.js';
import { runScenario } from '../engine/run.js';
import { inputError } from '../errors.js';
import { writeReports } from '../reports/write.js';
import { readRun, writeRunJson } from '../results/store.js';
import { compareAfterRun, settingsFrom, type CompareCommandOptions } from './compare.js';
import type { RunResult } from '../results/types.js';
import { loadScenario, parseStrategies } from '../scenario/load.js';
import { acrossMachines, checkHostsScenario, loadRunInventory } from '../executors/run-inventory.js';

export interface RunCommandOptions extends CompareCommandOptions {
  strategies?: string;
  out: string;
  repetitions?: string;
  quiet?: boolean;
  /** Compare with this earlier run after measuring; exit 99 on a regression, 1 when either run is invalid. */
  baseline?: string;
  /** Inventory file: with executor local, kernel plans go through a local agent. */
  hosts?: string;
}

export interface RunCommandResult {
  run: RunResult;
  dir: string;
  exitCode: number;
}

/**
 * 130/143 when interrupted; an errored run exits as its error would have
 * (2 input, 3 environment, 1 otherwise); 1 when a path took the wrong route or
 * an experiment failed to run; else 0.
 */
export function runExitCode(run: RunResult, interrupted: NodeJS.Signals | undefined): number {
  if (interrupted !== undefined) return interrupted === 'SIGINT' ? 130 : 143;
  if (run.outcome === 'errored') return run.error?.kind === 'input' ? 2 : run.error?.kind === 'environment' ? 3 : 1;
  const verificationFailed = run.paths.some((path) => path.verification?.ok === false);
  // A path that could not be measured (its prewarm or warm instances failed) fails the run as surely as a wrong route.
  const pathFailed = run.paths.some((path) => path.outcome === 'failed');
  const experimentFailed = (run.experiments ?? []).some((experiment) => experiment.outcome === 'failed');
  return run.outcome !== 'completed' || verificationFailed || pathFailed || experimentFailed ? 1 : 0;
}

export async function runCommandMain(scenarioPath: string | undefined, options: RunCommandOptions): Promise<RunCommandResult> {
  const loaded = loadScenario(scenarioPath);
  let scenario = loaded.scenario;
  if (options.strategies !== undefined) scenario = { ...scenario, strategies: parseStrategies(options.strategies) };
  if (options.repetitions !== undefined) {
    const repetitions = Number(options.repetitions);
    if (!Number.isInteger(repetitions) || repetitions < 1) throw inputError('--repetitions', `got ${JSON.stringify(options.repetitions)}; expected a whole number ≥ 1`);
    scenario = { ...scenario, repetitions };
  }
  // A bad or unsupported inventory must fail now, before anything exists.
  const hosts = options.hosts === undefined ? undefined : loadRunInventory(options.hosts);
  if (acrossMachines(hosts)) checkHostsScenario(scenario);
  if (options.baseline !== undefined) {
    // Bad gate input must fail now, not after minutes of measuring.
    readRun(options.baseline, '--baseline');
    settingsFrom(options);
  }
  const events = new RunEvents();
  const detach = options.quiet === true ? () => {} : attachConsole(events);
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted === undefined) {
      interrupted = signal;
      process.stderr.write(`\n${signal}: stopping measurement, keeping what was measured, tearing down…\n`);
      controller.abort();
    } else {
      process.stderr.write(`${signal} again: teardown is in progress and must finish (use \`coldpath clean\` after a kill -9)\n`);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const run = await runScenario({
      scenario,
      scenarioSource: loaded.source,
      events,
      signal: controller.signal,
      argv: ['coldpath', ...process.argv.slice(2)],
      ...(hosts === undefined ? {} : { hosts }),
    });
    const dir = join(options.out, run.runId);
    writeRunJson(run, dir);
    await writeReports(run, dir);
    process.stdout.write(`${summaryTable(run)}\nreports: ${dir}\n`);
    let exitCode = runExitCode(run, interrupted);
    // The gate speaks only for a run that completed and took the intended paths.
    if (options.baseline !== undefined && exitCode === 0) exitCode = compareAfterRun(run, options.baseline, options);
    return { run, dir, exitCode };
  } finally {
    detach();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
