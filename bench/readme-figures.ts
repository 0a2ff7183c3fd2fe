/** Regenerates the README's figures table from docs/bench (run by `npm run bench` after the benchmarks). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { figuresTable, withFigures } from './figures.js';
import { BENCH_DIR } from './record.js';

const file = join(PACKAGE_ROOT, 'README.md');
writeFileSync(file, withFigures(readFileSync(file, 'utf8'), figuresTable(BENCH_DIR)));
console.log(`README.md: figures table regenerated from ${BENCH_DIR}`);
