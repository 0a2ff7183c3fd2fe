/**
 * One factory for every histogram coldpath records, with explicit bounds per
 * kind of value. Values are integer microseconds (hdr-histogram-js keeps a
 * fraction's max but buckets it wrongly, so values are rounded first).
 * Histograms travel as compressed base64 and merge without loss.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Bounds per kind of measured value. */
export const HISTOGRAM_KINDS = {
  /** Request, connect and round-trip latencies: 1 µs .. 60 s. */
  latency: { lowest: 1, highest: 60_000_000 },
  /** Cold-start phases and totals, measured or modeled: 1 µs .. 1 h. */
  coldstart: { lowest: 1, highest: 3_600_000_000 },
} as const;

export type HistogramKind = keyof typeof HISTOGRAM_KINDS;

/** Significant digits kept: 3 = values within 0.1 %. */
export const SIGNIFICANT_DIGITS = 3;

export function createHistogram(kind: HistogramKind): Histogram {
  const bounds = HISTOGRAM_KINDS[kind];
  return hdr.build({
    lowestDiscernibleValue: bounds.lowest,
    highestTrackableValue: bounds.highest,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** Records one value in µs; clamps into the histogram's bounds. */
export function recordMicros(histogram: Histogram, micros: number): void {
  const value = Math.min(Math.max(Math.round(micros), 1), histogram.highestTrackableValue);
  histogram.recordValue(value);
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** Lossless merge of encoded histograms of one kind. */
export function mergeEncoded(kind: HistogramKind, encoded: readonly string[]): Histogram {
  const merged = createHistogram(kind);
  for (const item of encoded) merged.add(decodeHistogram(item));
  return merged;
}

/**
 * Merges several measurements' latency histograms: the corrected one, and the
 * raw (uncorrected) one where an open loop recorded it.
 */
export function mergeMeasurements(items: ReadonlyArray<{ histogram: string; raw?: string }>): { histogram: string; raw?: string } {
  const histogram = createHistogram('latency');
  const raw = createHistogram('latency');
  let hasRaw = false;
  for (const item of items) {
    histogram.add(decodeHistogram(item.histogram));
    if (item.raw !== undefined) {
      raw.add(decodeHistogram(item.raw));
      hasRaw = true;
    }
  }
  return { histogram: encodeHistogram(histogram), ...(hasRaw ? { raw: encodeHistogram(raw) } : {}) };
}

export interface HistogramSummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const SUMMARY_PERCENTILES = [50, 90, 99, 99.9] as const;

/**
 * All summary figures in one pass over the counts. hdr-histogram-js walks the
 * whole counts array once per percentile and twice more for mean and
 * deviation (≈ 10 ms for a cold-start histogram); summaries are computed for
 * every path, phase and burst, so this matters. Percentiles follow
 * HdrHistogram exactly (count rounded up, highest equivalent value); the
 * deviation is computed from sums in the same pass.
 */
export function summarize(histogram: Histogram): HistogramSummary {
  const total = histogram.totalCount;
  if (total === 0) return { count: 0, min: 0, mean: 0, stdev: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  if (!(histogram instanceof hdr.JsHistogram)) {
    return {
      count: total,
      min: histogram.minNonZeroValue,
      mean: round(histogram.mean),
      stdev: round(histogram.stdDeviation),
      p50: histogram.getValueAtPercentile(50),
      p90: histogram.getValueAtPercentile(90),
      p99: histogram.getValueAtPercentile(99),
      p999: histogram.getValueAtPercentile(99.9),
      max: histogram.maxValue,
    };
  }
  const targets = SUMMARY_PERCENTILES.map((p) => {
    const fp = (p / 100) * total;
    return Math.max(Math.ceil(fp - ulp(fp)), 1);
  });
  const values: number[] = [];
  let running = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let index = 0; index < histogram.countsArrayLength; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count === 0) continue;
    const value = histogram.valueFromIndex(index);
    running += count;
    const median = histogram.medianEquivalentValue(value);
    sum += median * count;
    sumSquares += median * median * count;
    while (values.length < targets.length && running >= (targets[values.length] ?? Infinity)) values.push(histogram.highestEquivalentValue(value));
  }
  const mean = sum / total;
  return {
    count: total,
    min: histogram.minNonZeroValue,
    mean: round(mean),
    stdev: round(Math.sqrt(Math.max(0, sumSquares / total - mean * mean))),
    p50: values[0] ?? 0,
    p90: values[1] ?? 0,
    p99: values[2] ?? 0,
    p999: values[3] ?? 0,
    max: histogram.maxValue,
  };
}

/** Unit in the last place of a double (what HdrHistogram subtracts before rounding a count up). */
function ulp(value: number): number {
  if (value === 0) return Number.MIN_VALUE;
  return 2 ** (Math.floor(Math.log2(Math.abs(value))) - 52);
}

/** The `.hgrm` text (HdrHistogram percentile distribution, 5 ticks per half distance). */
export function toHgrm(histogram: Histogram): string {
  return histogram.outputPercentileDistribution(5, 1);
}

const round = (value: number): number => Math.round(value * 100) / 100;
