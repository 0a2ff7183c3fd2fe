/** The README states only figures that the benchmarks' raw output in docs/bench says (regenerate: `node dist/bench/readme-figures.js`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figureRows, figuresTable, TABLE_BEGIN, TABLE_END, withFigures } from '../../../bench/figures.js';
import { BENCH_DIR } from '../../../bench/record.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

describe('README figures', () => {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

  it('are the table generated from the newest raw output of each benchmark', () => {
    expect(withFigures(readme, figuresTable(BENCH_DIR))).toBe(readme);
  });

  it('come from every benchmark the README quotes, each naming the machine it ran on', () => {
    const sources = figureRows(BENCH_DIR);
    expect(sources.map((source) => source.file.replace(/-\d{4}-.*$/, ''))).toEqual(['trust', 'crosscheck', 'topology', 'burst', 'gate-power', 'instances', 'qemu']);
    for (const source of sources) {
      const raw = JSON.parse(readFileSync(join(BENCH_DIR, source.file), 'utf8')) as { fingerprint?: { cpuModel?: string; kernel?: string } };
      expect(raw.fingerprint?.cpuModel, source.file).toBeTruthy();
      expect(raw.fingerprint?.kernel, source.file).toBeTruthy();
      expect(source.rows.length, source.file).toBeGreaterThan(0);
    }
  });

  it('refuses a README without the markers', () => {
    expect(() => withFigures('no table here', '| a |')).toThrow(TABLE_BEGIN);
    expect(withFigures(`x\n${TABLE_BEGIN}\nold\n${TABLE_END}\ny`, 'new')).toBe(`x\n${TABLE_BEGIN}\nnew\n${TABLE_END}\ny`);
  });
});
