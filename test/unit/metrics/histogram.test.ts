import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, mergeEncoded, recordMicros, summarize } from '../../../src/metrics/histogram.js';

describe('histograms', () => {
  it('round-trip through compressed base64 and merge without loss', () => {
    const a = createHistogram('latency');
    const b = createHistogram('latency');
    for (let i = 1; i <= 1000; i++) recordMicros(a, i);
    for (let i = 1001; i <= 2000; i++) recordMicros(b, i);
    const merged = mergeEncoded('latency', [encodeHistogram(a), encodeHistogram(b)]);
    expect(merged.totalCount).toBe(2000);
    expect(summarize(merged).p50).toBeCloseTo(1000, -1);
    expect(decodeHistogram(encodeHistogram(a)).getValueAtPercentile(99)).toBe(a.getValueAtPercentile(99));
  });

  it('rounds fractions and clamps to the kind bounds', () => {
    const h = createHistogram('latency');
    recordMicros(h, 12.6);
    recordMicros(h, 0.2);
    recordMicros(h, 1e12);
    expect(h.minNonZeroValue).toBe(1);
    expect(summarize(h).max).toBeLessThanOrEqual(60_000_000 * 1.001);
    expect(h.getValueAtPercentile(40)).toBe(13);
  });

  it('summarises an empty histogram as zeros', () => {
    expect(summarize(createHistogram('coldstart'))).toMatchObject({ count: 0, p50: 0, max: 0 });
  });
});

describe('summarize', () => {
  it('gives exactly the percentiles hdr-histogram-js gives, and its mean and deviation', () => {
    for (const kind of ['latency', 'coldstart'] as const) {
      const h = createHistogram(kind);
      let seed = 42;
      for (let i = 0; i < 5000; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        recordMicros(h, 10 + (seed % 100_000) * (i % 7 === 0 ? 30 : 1));
      }
      const s = summarize(h);
      expect([s.p50, s.p90, s.p99, s.p999]).toEqual([50, 90, 99, 99.9].map((p) => h.getValueAtPercentile(p)));
      expect(s.mean).toBeCloseTo(h.mean, 0);
      expect(s.stdev / h.stdDeviation).toBeCloseTo(1, 6);
      expect(s.max).toBe(h.maxValue);
      expect(s.count).toBe(5000);
    }
  });
});
