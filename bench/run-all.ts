/**
 * `npm run bench`: every benchmark whose figures the README and docs state,
 * one at a time (the machine has 2 CPUs and concurrent benchmarks distort
 * each other), then the README's figures table regenerated from their raw
 * output in docs/bench. Root needed for all but the micro-benchmarks. About
 * 2 h: the gate benchmarks alone run some 60 whole runs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

const benches: Array<[string, string[]]> = [
  ['micro', []],
  ['topology', ['100', '5']],
  ['burst', ['128', '2']],
  ['crosscheck', ['5']],
  ['trust', ['2']],
  ['gate-aa', []],
  ['gate-power', []],
  ['instances', ['2']],
  ['qemu', []],
  ['hosts', ['4']],
];
let failed = false;
for (const [name, args] of benches) {
  console.log(`\n=== ${name} ${args.join(' ')} ===`);
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', `${name}.js`), ...args], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', 'readme-figures.js')], { stdio: 'inherit' });
process.exitCode = failed ? 1 : 0;
