/** For benchmarks that measure whole runs: wait until no other coldpath run shares the machine, where runs go, which runs count. */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from '../src/results/types.js';

/** Whether another coldpath run (a test, another bench) is alive: a namespace of it holds processes. Leftovers of crashed runs hold none. */
export function foreignRunAlive(): boolean {
  try {
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith('coldpath-'));
    return names.some((name) => execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).trim() !== '');
  } catch {
    return false;
  }
}

/** Waits (up to 3 min) until no other coldpath run is alive; returns the seconds waited. */
export async function waitForQuiet(): Promise<number> {
  const started = performance.now();
  while (foreignRunAlive() && performance.now() - started < 180_000) await sleep(2000);
  return Math.round((performance.now() - started) / 1000);
}

/** `reports/<name>-<UTC timestamp>`: where a whole-run benchmark keeps its runs unless told otherwise. */
export function defaultOutDir(name: string): string {
  return `reports/${name}-${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * The runs a noise benchmark can use: a run that errored, or a path that failed (e.g. its
 * processes killed from outside), is left out and listed — compare would rightly call it a regression.
 */
export function usableRuns<T extends { label: string; run: RunResult }>(measured: readonly T[]): T[] {
  const damaged = measured.filter((p) => p.run.outcome !== 'completed' || p.run.paths.some((path) => path.outcome !== 'completed'));
  for (const p of damaged) {
    const why = p.run.error?.message ?? p.run.paths.find((path) => path.failure !== undefined)?.failure?.message ?? p.run.outcome;
    console.log(`left out ${p.label}: ${p.run.outcome}; ${why.slice(0, 200)}`);
  }
  return measured.filter((p) => !damaged.includes(p));
}
