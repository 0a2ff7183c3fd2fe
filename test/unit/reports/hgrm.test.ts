import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { hgrmFiles, parseHgrm } from '../../../src/reports/hgrm.js';
import { mergedWarm } from '../../../src/reports/warm-histograms.js';
import { mergeNamed } from '../../../src/results/summary.js';
import type { RunResult } from '../../../src/results/types.js';
import type { WarmMetric } from '../../../src/scenario/schema.js';
import { loadRun } from './helpers.js';

/** The histogram a .hgrm file name stands for, decoded from run.json independently of hgrm.ts. */
function sourceHistogram(run: RunResult, file: string) {
  const match = /^(baseline|eni|peering|gre-proxy)\.(.+)\.hgrm$/.exec(file);
  const path = run.paths.find((candidate) => candidate.strategy === match?.[1]);
  const name = match?.[2] ?? '';
  if (path === undefined) throw new Error(`unexpected file ${file}`);
  if (name.startsWith('coldstart-'))
    return mergeNamed(
      path.repetitions.flatMap((rep) => rep.bursts.map((burst) => burst.histograms)),
      name.slice('coldstart-'.length),
    );
  const uncorrected = name.endsWith('-uncorrected');
  return mergedWarm(path, name.replace(/-uncorrected$/, '') as WarmMetric, uncorrected ? 'raw' : 'histogram');
}

describe('.hgrm files', () => {
  it.each(['run-small', 'run-aborted'] as const)('of %s re-parse to the percentiles of the decoded histograms', (fixture) => {
    const run = loadRun(fixture);
    const files = hgrmFiles(run);
    expect(files.size).toBeGreaterThan(0);
    for (const [file, text] of files) {
      const histogram = sourceHistogram(run, file);
      const parsed = parseHgrm(text, file);
      expect(parsed.totalCount, file).toBe(histogram.totalCount);
      expect(parsed.max, file).toBe(histogram.maxValue);
      expect(parsed.mean, file).toBeCloseTo(histogram.mean, 2);
      expect(parsed.rows.length, file).toBeGreaterThan(1);
      for (const row of parsed.rows) {
        // Rows print the highest value of a bucket; getValueAtPercentile(0) alone answers the lowest
        // (HdrHistogram's convention), so the 0 row is checked against the first count instead.
        const percentile = row.percentile === 0 ? 1e-12 : row.percentile * 100;
        expect(row.value, `${file} at ${row.percentile}`).toBe(histogram.getValueAtPercentile(percentile));
        expect(row.totalCount, `${file} at ${row.percentile}`).toBeLessThanOrEqual(histogram.totalCount);
      }
      expect(parsed.rows.at(-1)?.percentile).toBe(1);
      expect(parsed.rows.at(-1)?.totalCount).toBe(histogram.totalCount);
    }
  });

  it('names one file per path and metric, and none for empty histograms', () => {
    const names = [...hgrmFiles(loadRun('run-aborted')).keys()];
    expect(names).toContain('eni.coldstart-modeled.hgrm');
    expect(names).not.toContain('baseline.coldstart-modeled.hgrm');
    expect(names.some((name) => name.startsWith('peering.'))).toBe(false);
  });

  it('rejects text that is not a percentile distribution with an input error', () => {
    expect(() => parseHgrm('Value,Percentile\n1,0.5\n', 'x.hgrm')).toThrow(ColdpathError);
    expect(() => parseHgrm('       Value     Percentile TotalCount 1/(1-Percentile)\n\n 1.000 0.5 1 2.00\n', 'x.hgrm')).toThrow(/no Mean in the footer/);
  });
});
