/**
 * HdrHistogram `.hgrm` percentile distributions, one per path × metric, and
 * a parser for them (so tests, and later tools, can check a file against the
 * histogram it came from).
 */
import { ColdpathError } from '../errors.js';
import { toHgrm } from '../metrics/histogram.js';
import { mergeNamed } from '../results/summary.js';
import type { RunResult } from '../results/types.js';
import { mergedWarm, warmMetrics } from './warm-histograms.js';

/** File name → content. Values in µs. */
export function hgrmFiles(run: RunResult): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of run.paths) {
    const bursts = path.repetitions.flatMap((rep) => rep.bursts.map((burst) => burst.histograms));
    for (const name of ['total', 'network', 'modeled']) {
      const histogram = mergeNamed(bursts, name);
      if (histogram.totalCount > 0) files.set(`${path.strategy}.coldstart-${name}.hgrm`, toHgrm(histogram));
    }
    for (const metric of warmMetrics(path)) {
      const histogram = mergedWarm(path, metric, 'histogram');
      if (histogram.totalCount > 0) files.set(`${path.strategy}.${metric}.hgrm`, toHgrm(histogram));
      const raw = mergedWarm(path, metric, 'raw');
      if (raw.totalCount > 0) files.set(`${path.strategy}.${metric}-uncorrected.hgrm`, toHgrm(raw));
    }
  }
  return files;
}

export interface HgrmRow {
  value: number;
  /** 0..1, as printed. */
  percentile: number;
  totalCount: number;
}

export interface Hgrm {
  rows: HgrmRow[];
  mean: number;
  stdDeviation: number;
  max: number;
  totalCount: number;
}

const ROW = /^\s*([\d.]+)\s+([\d.]+)\s+(\d+)(?:\s+(\S+))?\s*$/;
const FOOTER = /^#\[(\w+)\s*=\s*([\d.]+),\s*(\w[\w ]*?)\s*=\s*([\d.]+)\]$/;

/** Parses the plain (non-CSV) `.hgrm` text that `outputPercentileDistribution` writes. */
export function parseHgrm(text: string, source = 'hgrm'): Hgrm {
  const rows: HgrmRow[] = [];
  const footer = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('Value')) continue;
    const footerMatch = FOOTER.exec(line.trim());
    if (footerMatch !== null) {
      footer.set(footerMatch[1] ?? '', Number(footerMatch[2]));
      footer.set(footerMatch[3] ?? '', Number(footerMatch[4]));
      continue;
    }
    const row = ROW.exec(line);
    if (row === null) throw malformed(source, `unexpected line ${JSON.stringify(line)}`);
    rows.push({ value: Number(row[1]), percentile: Number(row[2]), totalCount: Number(row[3]) });
  }
  const field = (name: string): number => {
    const value = footer.get(name);
    if (value === undefined) throw malformed(source, `no ${name} in the footer`);
    return value;
  };
  return { rows, mean: field('Mean'), stdDeviation: field('StdDeviation'), max: field('Max'), totalCount: field('Total count') };
}

const malformed = (source: string, detail: string): ColdpathError =>
  new ColdpathError(`${source}: not an HdrHistogram percentile distribution: ${detail}`, {
    kind: 'input',
    hint: 'give a .hgrm file written by coldpath or HdrHistogram (outputPercentileDistribution, not CSV)',
  });
