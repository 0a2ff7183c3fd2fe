/** The README states only figures that the benchmarks' raw output in docs/bench says (regenerate: `node dist/bench/readme-figures.js`). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(sources.map((source) => source.file.replace(/-\d{4}-.*$/, ''))).toEqual(['trust', 'crosscheck', 'topology', 'burst', 'gate-power', 'instances', 'qemu', 'hosts']);
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

  it('hosts (bench/hosts.ts): a row per metric once its raw file exists, ratios with intervals and verdicts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coldpath-figures-'));
    try {
      expect(figureRows(dir)).toEqual([]);
      const interval = (mean: number, low?: number, high?: number): object => ({ n: 4, mean, ...(low === undefined ? {} : { low, high }) });
      const comparisons = ['baseline', 'eni'].map((path) => ({
        path,
        metric: 'keepalive',
        ratio: interval(1.1, 1.02, 1.19),
        acrossFirst: interval(1.12),
        acrossSecond: interval(1.08),
        overheadUs: interval(9),
        verdict: 'across slower',
      }));
      writeFileSync(join(dir, 'hosts-2026-11-29T0300.json'), JSON.stringify({ pairs: 4, usablePairs: 4, verifiedEverywhere: true, comparisons }));
      const [source] = figureRows(dir);
      expect(source?.rows).toHaveLength(1);
      expect(source?.rows[0]?.measured).toBe('baseline **×1.10 (1.02–1.19)** (1.12 / 1.08; +9 µs), eni **×1.10 (1.02–1.19)** (1.12 / 1.08; +9 µs)');
      expect(source?.rows[0]?.budget).toContain('baseline: across slower');
      expect(source?.rows[0]?.command).toBe('node "$PWD/dist/bench/hosts.js" 4');
      // One pair (a smoke run): no interval, no pairs of the second order (NaN, written as null).
      const one = { ...comparisons[0], ratio: { n: 1, mean: 1.5 }, acrossSecond: { n: 0, mean: null }, verdict: 'too few pairs' };
      writeFileSync(join(dir, 'hosts-2026-11-29T0400.json'), JSON.stringify({ pairs: 1, usablePairs: 1, waitedForQuiet: false, verifiedEverywhere: true, comparisons: [one] }));
      const [smoke] = figureRows(dir);
      expect(smoke?.rows[0]?.measured).toBe('baseline **×1.50** (1.12 / –; +9 µs)');
      expect(smoke?.rows[0]?.command).toBe('node "$PWD/dist/bench/hosts.js" 1 --no-wait');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
