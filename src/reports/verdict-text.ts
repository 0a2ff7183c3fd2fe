/**
 * The verdict in words, written from the findings of verdict.ts. Plain text
 * lines (topic + sentence) that report.md and report.html render the same
 * way; every figure in them is a p50 or p99 the tables also show.
 */
import { formatMicros, formatSignedMicros } from '../format.js';
import { holds, type PairedDifference } from '../metrics/paired.js';
import type { PathCost } from '../results/path-costs.js';
import type { WarmMetric } from '../scenario/schema.js';
import type { BurstFailure, ColdStartVerdict, Discipline, EniLimit, ModeledCost, RankedPath, Verdict } from './verdict.js';
import { formatRatio, formatReasons, joinWords, plural } from './text.js';

export interface VerdictLine {
  topic: string;
  text: string;
}

export function verdictLines(verdict: Verdict): VerdictLine[] {
  const lines: VerdictLine[] = [
    { topic: 'Cold path per instance (measured, p50 of the network phases)', text: coldStartText(verdict.coldStart) },
    { topic: 'Modeled control plane (virtual time, never added to measured figures)', text: modeledText(verdict.modeled) },
    { topic: 'Cost per request over baseline (p50 difference, 95 % CI over repetitions)', text: costsText(verdict) },
    { topic: 'ENI as bursts grow', text: eniText(verdict.eni) },
  ];
  const checks = referenceProblems(verdict);
  if (checks !== '') lines.push({ topic: 'Reference disagrees', text: checks });
  const others = verdict.failures.filter((failure) => failure.strategy !== 'eni');
  if (others.length > 0) lines.push({ topic: 'Other paths failing as bursts grow', text: `${others.map(failureText).join(' ')}` });
  if (verdict.unverified.length > 0) {
    lines.push({
      topic: 'Path check failed',
      text: `the user service saw unexpected source addresses on ${joinWords(verdict.unverified)}: traffic may not have taken the path its figures are reported under.`,
    });
  }
  lines.push({ topic: 'How these figures were taken', text: disciplineText(verdict.discipline) });
  return lines;
}

/** µs with a sign, for differences. */

/** A path's name, marked when its figures cover only part of what was planned. */
const named = (path: RankedPath): string => `${path.strategy}${path.complete ? '' : ' (incomplete)'}`;
const ranked = (path: RankedPath): string => `${named(path)} ${formatMicros(path.p50)}`;

/** `+3.6ms (95 % CI 2.1ms–5.1ms)`, or the single difference with the number of repetitions. */
export function differenceText(difference: PairedDifference): string {
  if (difference.n < 2) return `${formatSignedMicros(difference.mean)} (1 repetition: no interval)`;
  return `${formatSignedMicros(difference.mean)} (95 % CI ${formatSignedMicros(difference.low)} to ${formatSignedMicros(difference.high)}, ${difference.n} repetitions)`;
}

/** A difference stated only when it holds across repetitions. */
function comparedText(name: string, against: string, difference: PairedDifference | undefined): string {
  if (difference === undefined) return `${name}: not measured in the same repetitions as ${against}`;
  if (holds(difference))
    return `${name} ${difference.mean > 0 ? 'slower' : 'faster'} than ${against} by ${differenceText({ ...difference, mean: Math.abs(difference.mean), low: Math.min(Math.abs(difference.low), Math.abs(difference.high)), high: Math.max(Math.abs(difference.low), Math.abs(difference.high)) })}`;
  return `${name}: no measurable difference from ${against} at this precision (${differenceText(difference)})`;
}

function coldStartText(verdict: ColdStartVerdict | undefined): string {
  if (verdict === undefined) return 'no path completed a cold start.';
  const parts = [`${verdict.ranking.map(ranked).join(', ')}.`];
  const compared = verdict.againstBaseline.map((item) => comparedText(item.strategy, 'baseline', item.difference));
  if (compared.length > 0) parts.push(`Per repetition, against baseline: ${compared.join('; ')}.`);
  const { queuedUs, runtimeStartUs, totalUs, oci } = verdict.harness;
  if (totalUs > 0) {
    const runtime =
      oci === undefined
        ? `starting the function runtime (${formatMicros(runtimeStartUs)})`
        : `starting the function runtime as an OCI container (crun create ${formatMicros(oci.createUs)}, crun start ${formatMicros(oci.startUs)}, then the runtime's own start ${formatMicros(runtimeStartUs)})`;
    parts.push(
      `Shown apart, the same on every path: waiting for the harness's other instances in a burst (${formatMicros(queuedUs)} per instance on average) and ${runtime}, of ${formatMicros(totalUs)} from burst start to first response.`,
    );
  }
  return parts.join(' ');
}

function modeledText(costs: readonly ModeledCost[]): string {
  if (costs.length === 0) return 'no path made modeled control-plane calls.';
  const parts: string[] = [];
  for (const cost of costs) {
    if (cost.perInstance === undefined) continue;
    const scale =
      cost.measuredP50 === undefined || cost.measuredP50 === 0 ? '' : ` — ${formatRatio(cost.perInstance.p50 / cost.measuredP50)} its measured cold path (${formatMicros(cost.measuredP50)})`;
    parts.push(`${cost.strategy} waits ${formatMicros(cost.perInstance.p50)} per instance (p50; p99 ${formatMicros(cost.perInstance.p99)}) for the cloud API on its cold path${scale}.`);
  }
  const once = costs.filter((cost) => cost.prewarmUs > 0);
  if (once.length > 0) {
    parts.push(`Once per path, before the first instance: ${once.map((cost) => `${cost.strategy} ${formatMicros(cost.prewarmUs)}`).join(', ')}.`);
  }
  return parts.join(' ');
}

const METRIC_WORDS: Record<WarmMetric, string> = {
  keepalive: 'keep-alive request',
  newconn: 'new connection',
  echo: 'TCP round trip',
  connect: 'TCP handshake',
  'redis.get': 'Redis GET',
  'redis.connect': 'Redis connection (connect, AUTH, first GET)',
  'pg.query': 'PostgreSQL query',
  'pg.connect': 'PostgreSQL connection (connect, TLS, SCRAM, first query)',
  'http.get': 'nginx GET (kept connection)',
};

function costsText(verdict: Verdict): string {
  const costs = verdict.costs;
  if (costs.kind === 'not-measured') return `not measured: ${costs.why}.`;
  const parts = costs.overBaseline.map((cost) => {
    const metrics = (Object.entries(cost.warm) as Array<[WarmMetric, PairedDifference]>).map(([metric, difference]) => `${METRIC_WORDS[metric]} ${differenceText(difference)}`);
    const reference = cost.reference === undefined ? '' : `; sockperf round trip ${differenceText(cost.reference)}`;
    return `${cost.strategy}: ${metrics.join(', ')}${reference}.`;
  });
  const proxy = costs.proxyOverPeering;
  if (proxy !== undefined) {
    const keepalive = proxy.warm.keepalive ?? proxy.warm.echo;
    if (keepalive !== undefined)
      parts.push(`Against peering, the nearest alternative: ${comparedText('gre-proxy', 'peering', keepalive)} per ${proxy.warm.keepalive === undefined ? 'round trip' : 'keep-alive request'}.`);
  }
  for (const item of costs.missing) parts.push(`Not measured: ${item.why}.`);
  if (verdict.reference?.tool === 'none') parts.push(`No reference instrument checked these costs: ${verdict.reference.reason}.`);
  return parts.join(' ');
}

/** Paths whose cost by coldpath and by the reference differ by more than the stated bound. */
function referenceProblems(verdict: Verdict): string {
  if (verdict.costs.kind !== 'measured') return '';
  const problems = verdict.costs.overBaseline.flatMap((cost: PathCost) =>
    cost.agreement
      .filter((agreement) => !agreement.ok)
      .map(
        (agreement) =>
          `${cost.strategy} ${METRIC_WORDS[agreement.metric]}: coldpath says ${formatSignedMicros(agreement.coldpath)}, sockperf ${formatSignedMicros(agreement.reference)} over baseline ` +
          `(differ by ${formatMicros(Math.abs(agreement.coldpath - agreement.reference))}; bound ${formatMicros(agreement.bound)})`,
      ),
  );
  return problems.length === 0 ? '' : `${problems.join('; ')}. Treat these costs as the harness's, not the path's, until the difference is explained.`;
}

function disciplineText(discipline: Discipline): string {
  const parts: string[] = [];
  if (discipline.orders === undefined) parts.push('paths measured one after another (a run of schema 1: no interleaving, no settling, no steady-state warm-up)');
  else parts.push(`path order ${discipline.order ?? ''} over ${plural(discipline.orders.length, 'repetition')} (${discipline.orders.map((order) => order.join(' → ')).join('; ')})`);
  if (discipline.steady.total > 0) parts.push(`warm-up reached a steady state in ${discipline.steady.converged} of ${discipline.steady.total} measurements`);
  if (discipline.settles.total > 0)
    parts.push(`the kernel settled between stages in ${discipline.settles.completed} of ${discipline.settles.total} waits (median ${Math.round(discipline.settles.medianMs)} ms)`);
  if (discipline.erroredWarm.length > 0) {
    parts.push(
      `requests failed in ${discipline.erroredWarm.map((item) => `${item.strategy} ${item.metric} of repetition ${item.repetition + 1} (${item.errors})`).join(', ')}: those repetitions' figures are suspect`,
    );
  }
  return `${parts.join('; ')}.`;
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
