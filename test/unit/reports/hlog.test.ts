/**
 * The .hlog files read back with hdr-histogram-js's HistogramLogReader (the
 * same parsing rules as HdrHistogram's Java log reader): one interval per
 * repetition, each the repetition's histogram from run.json, and all of them
 * together the figures summary.csv shows.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, recordMicros, summarize } from '../../../src/metrics/histogram.js';
import { hlogFiles } from '../../../src/reports/hlog.js';
import type { RunResult } from '../../../src/results/types.js';
import { loadRun } from './helpers.js';
import { summaryCsvRows } from './summary-csv-rows.js';

function readIntervals(text: string): hdr.Histogram[] {
  const reader = new hdr.HistogramLogReader(text, 32, false);
  const intervals: hdr.Histogram[] = [];
  for (let interval = reader.nextIntervalHistogram(); interval !== null; interval = reader.nextIntervalHistogram()) intervals.push(interval);
  return intervals;
}

/** The encoded histograms a file name stands for, in repetition order, straight from run.json. */
function sourceOf(run: RunResult, file: string): { encoded: string[]; durations: number[] } {
  const match = /^(baseline|eni|peering|gre-proxy)\.(connect|keepalive|newconn|echo)(-uncorrected)?\.hlog$/.exec(file);
  const path = run.paths.find((candidate) => candidate.strategy === match?.[1]);
  if (match === null || path === undefined) throw new Error(`unexpected file ${file}`);
  const results = path.repetitions.flatMap((rep) => rep.warm.filter((warm) => warm.metric === match[2]));
  const encoded = results.map((warm) => (match[3] === undefined ? warm.histogram : warm.raw));
  return { encoded: encoded.filter((item): item is string => item !== undefined), durations: results.map((warm) => warm.durationUs) };
}

describe('.hlog interval logs', () => {
  it.each(['run-small', 'run-aborted'] as const)('of %s read back as one interval per repetition, equal to run.json', (fixture) => {
    const run = loadRun(fixture);
    const files = hlogFiles(run);
    expect(files.size).toBeGreaterThan(0);
    for (const [file, text] of files) {
      const { encoded, durations } = sourceOf(run, file);
      const intervals = readIntervals(text);
      expect(intervals.length, file).toBe(encoded.length);
      let startMs = Date.parse(run.startedAt);
      intervals.forEach((interval, i) => {
        const source = decodeHistogram(encoded[i] ?? '');
        expect(interval.totalCount, `${file} #${i}`).toBe(source.totalCount);
        expect(summarize(interval), `${file} #${i}`).toEqual(summarize(source));
        // Laid end to end from the run's start, each as long as its measurement.
        expect(interval.startTimeStampMsec).toBeCloseTo(startMs, 0);
        expect(interval.endTimeStampMsec - interval.startTimeStampMsec).toBeCloseTo((durations[i] ?? 0) / 1000, -1);
        startMs = interval.endTimeStampMsec;
      });
    }
  });

  it('adds up to the figures of summary.csv', () => {
    const run = loadRun('run-small');
    const csv = summaryCsvRows(run);
    for (const [file, text] of hlogFiles(run)) {
      const merged = createHistogram('latency');
      for (const interval of readIntervals(text)) merged.add(interval);
      const figures = summarize(merged);
      const row = csv.get(file.replace(/\.hlog$/, '').replace('.', ' '));
      expect({ count: figures.count, p50: figures.p50, p99: figures.p99, p999: figures.p999 }, file).toEqual({ count: row?.count, p50: row?.p50, p99: row?.p99, p999: row?.p999 });
    }
  });

  it('states its units and times in the header HdrHistogram tools read', () => {
    const run = loadRun('run-small');
    const text = hlogFiles(run).get('gre-proxy.keepalive.hlog') ?? '';
    const lines = text.split('\n');
    const startSeconds = (Date.parse(run.startedAt) / 1000).toFixed(3);
    expect(lines[0]).toBe('#[Histogram log format version 1.3]');
    expect(text).toContain('Values are microseconds (us)');
    expect(lines).toContain(`#[StartTime: ${startSeconds} (seconds since epoch), ${run.startedAt}]`);
    expect(lines).toContain(`#[BaseTime: ${startSeconds} (seconds since epoch)]`);
    expect(lines).toContain('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
    const intervalLines = lines.filter((line) => /^\d/.test(line));
    expect(intervalLines.length).toBe(2);
    // Interval_Max is in ms: the interval's max µs / 1000.
    const [first] = readIntervals(text);
    expect(Number(intervalLines[0]?.split(',')[2])).toBeCloseTo((first?.maxValue ?? 0) / 1000, 3);
    expect(intervalLines[0]).toMatch(/^0\.000,\d+\.\d{3},\d+\.\d{3},HISTF\S+$/);
  });

  it('has an -uncorrected twin for open-loop measurements, and no file for what did not run', () => {
    const run = loadRun('run-small');
    const raw = createHistogram('latency');
    for (const value of [100, 200, 300]) recordMicros(raw, value);
    const eni = run.paths.find((path) => path.strategy === 'eni');
    for (const rep of eni?.repetitions ?? []) for (const warm of rep.warm) if (warm.metric === 'keepalive') warm.raw = encodeHistogram(raw);
    const files = hlogFiles(run);
    const twin = readIntervals(files.get('eni.keepalive-uncorrected.hlog') ?? '');
    expect(twin.map((interval) => interval.totalCount)).toEqual([3, 3]);
    expect(files.has('eni.echo-uncorrected.hlog')).toBe(false);
    const aborted = [...hlogFiles(loadRun('run-aborted')).keys()];
    expect(aborted.some((name) => /^(peering|gre-proxy)\./.test(name))).toBe(false);
  });
});
