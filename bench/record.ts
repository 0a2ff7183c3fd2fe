/**
 * Raw output of a benchmark, kept in docs/bench/<name>-<date>.json with the
 * machine it ran on: the README's figures table is produced from these files
 * (bench/readme-figures.ts), never typed in by hand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePlacement } from '../src/engine/placement.js';
import { fingerprint } from '../src/env/fingerprint.js';
import { probeKernelFeatures } from '../src/env/kernel-features.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import type { Fingerprint } from '../src/results/types.js';
import { parseScenario } from '../src/scenario/load.js';

export const BENCH_DIR = join(PACKAGE_ROOT, 'docs', 'bench');

/** This machine, as a run records it (default CPU placement; no tunnel chosen). */
export async function machineFingerprint(): Promise<Fingerprint> {
  return fingerprint({ features: await probeKernelFeatures(), tunnelUsed: null, cpuPlacement: resolvePlacement(parseScenario({})) });
}

/** Writes `{ benchmark, date, fingerprint, ...data }` to docs/bench/<name>-<YYYY-MM-DDTHHMM>.json; returns the file's path. */
export function writeRaw(name: string, fingerprintOfRun: Fingerprint | undefined, data: Record<string, unknown>): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const date = new Date().toISOString();
  const file = join(BENCH_DIR, `${name}-${date.slice(0, 16).replace(':', '')}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: `bench/${name}.ts`, date, fingerprint: fingerprintOfRun, ...data }, null, 1)}\n`);
  return file;
}
