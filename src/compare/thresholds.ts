/**
 * k6-like threshold rules from the command line (`-t keepalive.p99<+10%`,
 * `coldstart.p50<5ms`, `gre-proxy:keepalive.p50<+5%`, `errors.rate<1%`).
 * Parsing only: whether a rule's path and metric exist in the two runs is
 * checked when they are compared (compare-runs.ts).
 */
import { ColdpathError } from '../errors.js';
import { STRATEGIES, type StrategyName } from '../scenario/schema.js';
import { LATENCY_SERIES, EVENT_SERIES, PERCENTILES, metricName, parseMetricName, type MetricId } from './metrics.js';

export type Operator = '<' | '<=';

interface RuleBase {
  /** The rule as written (whitespace removed). */
  rule: string;
  /** Only this path; undefined = every path that has the metric. */
  path: StrategyName | undefined;
  operator: Operator;
}

export type Threshold =
  /** NEW may exceed BASE by at most `increase` (a fraction): replaces --min-effect for this metric. */
  | (RuleBase & { kind: 'relative'; metric: Extract<MetricId, { kind: 'latency' }>; increase: number })
  /** NEW alone against a fixed limit: µs for latency, a fraction for rates, a number for counts. */
  | (RuleBase & { kind: 'absolute'; metric: MetricId; limit: number });

export const THRESHOLD_HELP =
  'a rule is [PATH:]METRIC<LIMIT (or <=), e.g. keepalive.p99<+10% (relative to BASE), coldstart.p50<5ms (absolute), ' +
  `gre-proxy:keepalive.p50<+5%, errors.rate<1%, failures.count<1; METRIC is ${LATENCY_SERIES.join('|')}.${Object.keys(PERCENTILES).join('|')} ` +
  `or ${EVENT_SERIES.join('|')}.rate|count; PATH is ${STRATEGIES.join('|')}; units: us, µs, ms, s, %`;

const MICROS_PER_UNIT: Record<string, number> = { us: 1, µs: 1, μs: 1, ms: 1000, s: 1_000_000 };
const LIMIT = /^([+-])?(\d+(?:\.\d+)?|\.\d+)(us|µs|μs|ms|s|%)?$/;

function bad(rule: string, problem: string): ColdpathError {
  return new ColdpathError(`--threshold ${JSON.stringify(rule)}: ${problem}`, { kind: 'input', field: '--threshold', hint: THRESHOLD_HELP });
}

export function parseThreshold(written: string): Threshold {
  const rule = written.replace(/\s+/g, '');
  if (rule === '') throw bad(written, 'empty rule');
  const operatorMatch = /(<=|>=|==|!=|<|>|=)/.exec(rule);
  if (operatorMatch === null) throw bad(rule, 'no comparison: write METRIC<LIMIT');
  const op = operatorMatch[1] ?? '';
  if (op !== '<' && op !== '<=') throw bad(rule, `comparison ${JSON.stringify(op)} is not allowed: use < or <= (lower is better for every metric)`);
  const left = rule.slice(0, operatorMatch.index);
  const right = rule.slice(operatorMatch.index + op.length);

  let path: StrategyName | undefined;
  let name = left;
  const colon = left.indexOf(':');
  if (colon >= 0) {
    const scope = left.slice(0, colon);
    name = left.slice(colon + 1);
    if (!(STRATEGIES as readonly string[]).includes(scope)) throw bad(rule, `unknown path ${JSON.stringify(scope)}: paths are ${STRATEGIES.join(', ')}`);
    path = scope as StrategyName;
  }
  if (name === '') throw bad(rule, 'no metric before the comparison');
  const metric = parseMetricName(name);
  if (metric === undefined) throw bad(rule, `unknown metric ${JSON.stringify(name)}`);

  const limit = LIMIT.exec(right);
  if (limit === null) throw bad(rule, `limit ${JSON.stringify(right)} is not a number with an allowed unit (us, µs, ms, s, %)`);
  const sign = limit[1];
  const value = Number(limit[2]);
  const unit = limit[3];
  const base = { rule, path, operator: op } as const;
  const label = metricName(metric);

  switch (metric.kind) {
    case 'latency': {
      if (sign === '-') throw bad(rule, 'a relative limit is an allowed increase such as +10%; to demand an improvement use an absolute limit such as 5ms');
      if (sign === '+') {
        if (unit !== '%') throw bad(rule, `a relative limit is a percentage of BASE such as ${label}<+10%`);
        return { ...base, kind: 'relative', metric, increase: value / 100 };
      }
      if (unit === '%') throw bad(rule, `a percentage is relative to BASE: write ${label}<+${limit[2] ?? ''}%`);
      if (unit === undefined) throw bad(rule, `${label} needs a unit: us, µs, ms or s (or +N% relative to BASE)`);
      const micros = value * (MICROS_PER_UNIT[unit] ?? Number.NaN);
      if (!(micros > 0)) throw bad(rule, 'an absolute latency limit must be above 0');
      return { ...base, kind: 'absolute', metric, limit: micros };
    }
    case 'rate': {
      if (sign !== undefined) throw bad(rule, `a rate takes an absolute limit such as ${label}<1% (the share of NEW's attempts)`);
      if (unit !== '%') throw bad(rule, `write a rate as a percentage, e.g. ${label}<1%`);
      if (value > 100) throw bad(rule, 'a rate limit is at most 100%');
      if (value === 0 && op === '<') throw bad(rule, `${label}<0% can never pass: use ${label}<=0%`);
      return { ...base, kind: 'absolute', metric, limit: value / 100 };
    }
    case 'count': {
      if (sign !== undefined || unit !== undefined || !Number.isInteger(value)) throw bad(rule, `a count takes a whole number without unit, e.g. ${label}<1`);
      if (value === 0 && op === '<') throw bad(rule, `${label}<0 can never pass: use ${label}<1`);
      return { ...base, kind: 'absolute', metric, limit: value };
    }
  }
}

/** Parses every rule (commas also separate rules); refuses two relative limits for the same path and metric. */
export function parseThresholds(rules: readonly string[] | undefined): Threshold[] {
  const parsed = (rules ?? [])
    .flatMap((rule) => rule.split(','))
    .filter((rule) => rule.trim() !== '')
    .map(parseThreshold);
  const seen = new Map<string, string>();
  for (const threshold of parsed) {
    if (threshold.kind !== 'relative') continue;
    const key = `${threshold.path ?? '*'}:${metricName(threshold.metric)}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw bad(threshold.rule, `a second relative limit for ${threshold.path === undefined ? '' : `${threshold.path}:`}${metricName(threshold.metric)} (after ${earlier}): keep one`);
    seen.set(key, threshold.rule);
  }
  return parsed;
}
