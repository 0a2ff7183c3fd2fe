/**
 * The verdict in words, written from the findings of verdict.ts. Plain text
 * lines (topic + sentence) that report.md and report.html render the same
 * way; every figure in them is a p50 or p99 the tables also show.
 */
import { formatMicros } from '../cli/format.js';
import { CLEAR_MARGIN, type BurstFailure, type ColdStartVerdict, type EniLimit, type ModeledCost, type RankedPath, type Verdict } from './verdict.js';
import { formatRatio, formatReasons, joinWords, plural } from './text.js';

export interface VerdictLine {
  topic: string;
  text: string;
}

export function verdictLines(verdict: Verdict): VerdictLine[] {
  const lines: VerdictLine[] = [
    { topic: 'Cold start (measured, p50)', text: coldStartText(verdict.coldStart) },
    { topic: 'Modeled control plane (virtual time, never added to measured figures)', text: modeledText(verdict.modeled) },
    { topic: 'Proxy cost per request (p50)', text: proxyText(verdict.proxy) },
    { topic: 'ENI as bursts grow', text: eniText(verdict.eni) },
  ];
  const others = verdict.failures.filter((failure) => failure.strategy !== 'eni');
  if (others.length > 0) lines.push({ topic: 'Other paths failing as bursts grow', text: `${others.map(failureText).join(' ')}` });
  if (verdict.unverified.length > 0) {
    lines.push({
      topic: 'Path check failed',
      text: `the user service saw unexpected source addresses on ${joinWords(verdict.unverified)}: traffic may not have taken the path its figures are reported under.`,
    });
  }
  return lines;
}

/** µs with a sign, for differences. */
const signedMicros = (us: number): string => `${us < 0 ? '−' : '+'}${formatMicros(Math.abs(us))}`;

/** A path's name, marked when its figures cover only part of what was planned. */
const named = (path: RankedPath): string => `${path.strategy}${path.complete ? '' : ' (incomplete)'}`;
const ranked = (path: RankedPath): string => `${named(path)} ${formatMicros(path.p50)}`;
const percent = (share: number): string => `${Math.round(share * 100)} %`;

function coldStartText(verdict: ColdStartVerdict | undefined): string {
  if (verdict === undefined) return 'no path completed a cold start, so there is no winner.';
  const parts: string[] = [];
  const [winner, runnerUp] = verdict.ranking;
  const floor = verdict.baseline === undefined ? '' : `baseline (no VPC crossing) ${formatMicros(verdict.baseline.p50)}`;
  if (winner === undefined) {
    parts.push(`only baseline was measured (${formatMicros(verdict.baseline?.p50 ?? 0)}): no VPC path to compare.`);
  } else if (runnerUp === undefined || verdict.margin === undefined) {
    parts.push(`only ${named(winner)} crossed into the VPC: ${formatMicros(winner.p50)} (p99 ${formatMicros(winner.p99)}, n = ${winner.count})${floor === '' ? '' : `, against ${floor}`}.`);
  } else {
    const lead = verdict.clear
      ? `${named(winner)} wins: ${formatMicros(winner.p50)} against ${formatMicros(runnerUp.p50)} for the runner-up ${named(runnerUp)}, which takes ${formatRatio(verdict.margin)} as long (${signedMicros(runnerUp.p50 - winner.p50)}).`
      : `no clear winner: ${named(winner)} ${formatMicros(winner.p50)} and ${named(runnerUp)} ${formatMicros(runnerUp.p50)} are within ` +
        `${Math.round((CLEAR_MARGIN - 1) * 100)} % of each other (${formatRatio(verdict.margin)}; n = ${winner.count} and ${runnerUp.count}).`;
    parts.push(lead, `Order: ${verdict.ranking.map(ranked).join(', ')}${floor === '' ? '' : `; ${floor}`}.`);
  }
  if (Number.isFinite(verdict.runtimeShare.min)) {
    const { min, max } = verdict.runtimeShare;
    parts.push(`Runtime start (the probe process: the same work on every path) is ${min === max ? percent(min) : `${Math.round(min * 100)}–${percent(max)}`} of the mean cold start.`);
  }
  const fastest = verdict.network[0];
  const slowest = verdict.network[verdict.network.length - 1];
  if (verdict.network.length > 1 && fastest !== undefined && slowest !== undefined) {
    parts.push(`Network phases alone (no queueing, no runtime start): ${verdict.network.map(ranked).join(', ')} (${formatRatio(slowest.p50 / fastest.p50)} from fastest to slowest).`);
  }
  return parts.join(' ');
}

function modeledText(costs: readonly ModeledCost[]): string {
  if (costs.length === 0) return 'no path made modeled control-plane calls.';
  const parts: string[] = [];
  for (const cost of costs) {
    if (cost.perInstance === undefined) continue;
    const scale = cost.measuredP50 === undefined || cost.measuredP50 === 0 ? '' : ` — ${formatRatio(cost.perInstance.p50 / cost.measuredP50)} its measured cold start`;
    parts.push(
      `${cost.strategy} waits ${formatMicros(cost.perInstance.p50)} per instance (p50; p99 ${formatMicros(cost.perInstance.p99)}) for the cloud API on its cold path${scale}.`,
    );
  }
  const once = costs.filter((cost) => cost.prewarmUs > 0);
  if (once.length > 0) {
    parts.push(`Once per path, before the first instance: ${once.map((cost) => `${cost.strategy} ${formatMicros(cost.prewarmUs)}`).join(', ')}.`);
  }
  return parts.join(' ');
}

function proxyText(proxy: Verdict['proxy']): string {
  if (proxy.kind === 'not-measured') return `not measured: ${proxy.why}.`;
  const perMetric = proxy.costs.map(
    (cost) =>
      `${cost.metric} ${formatMicros(cost.proxyP50)} = ${cost.comparisons
        .map((c) => `${formatRatio(c.ratio)} ${c.against} (${formatMicros(c.p50)}, ${signedMicros(c.extraUs)})`)
        .join(', ')}`,
  );
  const nearest = proxy.costs.flatMap((cost) => (cost.comparisons[0] === undefined ? [] : [{ metric: cost.metric, comparison: cost.comparisons[0] }]));
  const slower = nearest.filter((item) => item.comparison.ratio >= CLEAR_MARGIN);
  const against = nearest[0]?.comparison.against ?? 'the reference';
  const summary =
    slower.length === 0
      ? `gre-proxy is within ${Math.round((CLEAR_MARGIN - 1) * 100)} % of ${against} or faster on every metric.`
      : `gre-proxy is more than ${Math.round((CLEAR_MARGIN - 1) * 100)} % slower than ${against} on ${joinWords(slower.map((item) => item.metric))} (${slower.length} of ${nearest.length} metrics).`;
  return `${perMetric.join('; ')}. ${summary}`;
}

function failureText(failure: BurstFailure): string {
  const clean = failure.cleanUpTo === undefined ? '' : `; every instance succeeded up to K = ${failure.cleanUpTo}`;
  return `${failure.strategy} first fails at K = ${failure.size}: ${failure.failed} of ${failure.attempted} instances failed (${formatReasons(failure.reasons)})${clean}.`;
}

function eniText(eni: EniLimit): string {
  if (eni.kind === 'not-measured') return `not measured: ${eni.why}.`;
  if (eni.kind === 'failed') return failureText(eni.first);
  const held = `no eni instance failed up to K = ${eni.largestSize} (the largest burst).`;
  if (eni.addresses === undefined) return `${held} Its limits: ${eni.quota} ENIs per VPC (eni.quotaPerVpc) and the user subnet's free addresses.`;
  const first = eni.addresses < eni.quota ? `user-subnet exhaustion comes first, at ${eni.addresses} instances alive` : `the ENI quota comes first, at ${eni.quota} instances alive`;
  return `${held} This scenario leaves ${eni.addresses} user-subnet addresses for ENIs and allows ${eni.quota} ENIs per VPC: ${first}.`;
}
