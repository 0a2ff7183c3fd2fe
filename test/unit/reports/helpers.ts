/** Inputs for report tests: the fixed fixtures, a variant with failing and throttled eni bursts, and hand-built summaries. */
import { join } from 'node:path';
import { createHistogram, encodeHistogram, recordMicros, summarize, type HistogramSummary } from '../../../src/metrics/histogram.js';
import type { PathSummary } from '../../../src/results/summary.js';
import { readRun } from '../../../src/results/store.js';
import { MEASURED_PHASES, type BurstResult, type InstanceResult, type RunResult } from '../../../src/results/types.js';
import type { StrategyName } from '../../../src/scenario/schema.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
export const GOLDEN = join(import.meta.dirname, '..', '..', 'golden');

export const loadRun = (name: 'run-small' | 'run-aborted'): RunResult => readRun(join(FIXTURES, name, 'run.json'));

/** A summary with the given figures (count 1 unless given). */
export function figures(values: Partial<HistogramSummary>): HistogramSummary {
  const p50 = values.p50 ?? 0;
  return { count: 1, min: p50, mean: p50, stdev: 0, p50, p90: p50, p99: p50, p999: p50, max: p50, ...values };
}

export const EMPTY = summarize(createHistogram('coldstart'));

/** A path summary with cold start and warm figures as given; everything else empty. */
export function pathSummary(strategy: StrategyName, options: Partial<Omit<PathSummary, 'strategy'>> & { total?: number; network?: number; modeled?: number } = {}): PathSummary {
  const { total, network, modeled, ...rest } = options;
  const phases = Object.fromEntries(MEASURED_PHASES.map((phase) => [phase, EMPTY])) as PathSummary['coldStart']['phases'];
  return {
    strategy,
    outcome: 'completed',
    coldStart: {
      total: total === undefined ? EMPTY : figures({ p50: total, count: 10 }),
      network: network === undefined ? EMPTY : figures({ p50: network, count: 10 }),
      modeled: modeled === undefined ? EMPTY : figures({ p50: modeled, count: 10 }),
      phases,
      instances: total === undefined ? 0 : 10,
      failures: {},
    },
    bursts: [],
    warm: {},
    resourcesPer100: { userVpcInterfaces: 0, userSubnetIps: 0, routeEntries: 0, proxies: 0, tunnels: 0, peeringConnections: 0 },
    verified: true,
    ...rest,
  };
}

/** A burst summary of K instances, `failures` of them failed. */
export function burstSummary(size: number, failures: Record<string, number> = {}): PathSummary['bursts'][number] {
  return {
    size,
    total: figures({ p50: 100_000 * size, count: size }),
    network: EMPTY,
    modeled: EMPTY,
    failures,
    attempted: size,
    resources: { userVpcInterfaces: 0, userSubnetIps: 0, routeEntries: 0, proxies: 0, tunnels: 0, peeringConnections: 0, instances: size, conntrackEntries: null },
  };
}

/**
 * run-small plus an eni burst of K = 8 in repetition 1: 5 instances start
 * (their API calls throttled), 2 hit the ENI quota, 1 the subnet.
 */
export function runWithEniFailures(): RunResult {
  const run = loadRun('run-small');
  const eni = run.paths.find((path) => path.strategy === 'eni');
  const template = eni?.repetitions[0]?.bursts[1]?.instances[0];
  if (eni === undefined || template === undefined) throw new Error('fixture changed: no eni instance to copy');
  const ok = Array.from(
    { length: 5 },
    (_, i): InstanceResult => ({
      ...structuredClone(template),
      id: 100 + i,
      modeled: [
        { phase: 'eni.create', throttleUs: i * 200_000, durationUs: 3_000_000 + i * 1000 },
        { phase: 'eni.attach', throttleUs: i * 100_000, durationUs: 2_000_000 },
      ],
      modeledTotalUs: 5_000_000 + i * 301_000,
    }),
  );
  const failed = (id: number, reason: 'eni-quota' | 'subnet-exhausted'): InstanceResult => ({
    id,
    host: 'fh0',
    outcome: 'failed',
    reason,
    message: reason === 'eni-quota' ? 'ENI quota reached: 6 of eni.quotaPerVpc 6 in use' : 'user subnet 198.19.0.0/24 has no free address',
    spans: template.spans.filter((span) => span.phase === 'namespace' || span.phase === 'container-link'),
    modeled: [],
    modeledTotalUs: 0,
  });
  const instances = [...ok, failed(105, 'eni-quota'), failed(106, 'eni-quota'), failed(107, 'subnet-exhausted')];
  const histograms: Record<string, string> = {};
  const encode = (values: number[]): string => {
    const histogram = createHistogram('coldstart');
    for (const value of values) recordMicros(histogram, value);
    return encodeHistogram(histogram);
  };
  for (const phase of MEASURED_PHASES) histograms[phase] = encode(ok.flatMap((i) => i.spans.filter((s) => s.phase === phase).map((s) => s.endUs - s.startUs)));
  histograms['total'] = encode(ok.map((i) => i.totalUs ?? 0));
  histograms['network'] = encode(ok.map((i) => i.networkUs ?? 0));
  histograms['modeled'] = encode(ok.map((i) => i.modeledTotalUs));
  const burst: BurstResult = {
    size: 8,
    t0Us: 1_300_000_000,
    wallMs: 900,
    instances,
    failures: { 'eni-quota': 2, 'subnet-exhausted': 1 },
    resources: { userVpcInterfaces: 5, userSubnetIps: 5, routeEntries: 5, proxies: 0, tunnels: 0, peeringConnections: 0, instances: 5, conntrackEntries: null },
    histograms,
  };
  eni.repetitions[1]?.bursts.push(burst);
  return run;
}
