/**
 * `npm run bench`: every benchmark in sequence (one at a time: the machine has
 * 2 CPUs and concurrent benchmarks distort each other). Root needed for all
 * but the micro-benchmarks.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

const benches = ['micro', 'topology', 'burst', 'trust'];
let failed = false;
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', `${name}.js`)], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exitCode = failed ? 1 : 0;
