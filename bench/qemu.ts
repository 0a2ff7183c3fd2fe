/**
 * The QEMU tier's wall time (the README's figure): `vitest --project
 * qemu` run as `npm run test:qemu` runs it, timed from outside, its outcome
 * kept. Run as root after `npm run build`: `node dist/bench/qemu.js`; raw
 * output in docs/bench/qemu-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { machineFingerprint, writeRaw } from './record.js';

const started = performance.now();
const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'qemu'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
const seconds = (performance.now() - started) / 1000;
console.log(`QEMU tier: ${result.status === 0 ? 'passed' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds.toFixed(0)} s`);
console.log(`raw output: ${writeRaw('qemu', await machineFingerprint(), { seconds: Math.round(seconds), passed: result.status === 0 })}`);
process.exitCode = result.status ?? 1;
