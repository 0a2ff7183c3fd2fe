import { describe, expect, it } from 'vitest';
import { parseThreshold, parseThresholds, THRESHOLD_HELP } from '../../../src/compare/thresholds.js';
import { ColdpathError } from '../../../src/errors.js';

describe('threshold rules: accepted', () => {
  it('relative to BASE', () => {
    expect(parseThreshold('keepalive.p99<+10%')).toEqual({
      kind: 'relative',
      rule: 'keepalive.p99<+10%',
      path: undefined,
      operator: '<',
      metric: { kind: 'latency', series: 'keepalive', percentile: 'p99' },
      increase: 0.1,
    });
  });

  it('absolute, in every unit', () => {
    const limit = (rule: string): number => {
      const parsed = parseThreshold(rule);
      if (parsed.kind !== 'absolute') throw new Error('expected absolute');
      return parsed.limit;
    };
    expect(limit('coldstart.p50<5ms')).toBe(5000);
    expect(limit('coldstart.p50<1.5s')).toBe(1_500_000);
    expect(limit('keepalive.p50<250us')).toBe(250);
    expect(limit('keepalive.p50<250µs')).toBe(250);
    expect(limit('keepalive.p50<250μs')).toBe(250); // Greek mu, as some keyboards type it
    expect(limit('keepalive.p50<.5ms')).toBe(500);
    expect(limit('keepalive.p50 < 5 ms')).toBe(5000); // whitespace is ignored
  });

  it('scoped to a path, with <= and spaces', () => {
    const parsed = parseThreshold(' gre-proxy:keepalive.p50 <= +5% ');
    expect(parsed).toMatchObject({ kind: 'relative', path: 'gre-proxy', operator: '<=', increase: 0.05, rule: 'gre-proxy:keepalive.p50<=+5%' });
  });

  it('rates and counts', () => {
    expect(parseThreshold('errors.rate<1%')).toMatchObject({ kind: 'absolute', metric: { kind: 'rate', series: 'errors' }, limit: 0.01 });
    expect(parseThreshold('failures.rate<=0%')).toMatchObject({ kind: 'absolute', operator: '<=', limit: 0 });
    expect(parseThreshold('failures.count<1')).toMatchObject({ kind: 'absolute', metric: { kind: 'count', series: 'failures' }, limit: 1 });
  });

  it('several rules, also comma-separated', () => {
    expect(parseThresholds(['keepalive.p99<+10%,coldstart.p50<5ms', 'eni:newconn.p90<+20%'])).toHaveLength(3);
    expect(parseThresholds(undefined)).toEqual([]);
  });
});

describe('threshold rules: refused with a message naming the rule and what is allowed', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty rule/],
    ['keepalive.p99', /no comparison/],
    ['keepalive.p99>+10%', /comparison ">" is not allowed: use < or <=/],
    ['keepalive.p99>=5ms', /comparison ">=" is not allowed/],
    ['keepalive.p99=5ms', /comparison "=" is not allowed/],
    ['keepalive.p999<5ms', /unknown metric "keepalive.p999"/],
    ['keepalive.max<5ms', /unknown metric "keepalive.max"/],
    ['keepalive<5ms', /unknown metric "keepalive"/],
    ['latency.p50<5ms', /unknown metric "latency.p50"/],
    ['lambda:keepalive.p50<5ms', /unknown path "lambda": paths are baseline, eni, peering, gre-proxy/],
    [':keepalive.p50<5ms', /unknown path ""/],
    ['gre-proxy:<5ms', /no metric before the comparison/],
    ['<5ms', /no metric before the comparison/],
    ['keepalive.p50<', /limit "" is not a number/],
    ['keepalive.p50<5min', /limit "5min" is not a number with an allowed unit/],
    ['keepalive.p50<abc', /limit "abc" is not a number/],
    ['keepalive.p50<5', /keepalive.p50 needs a unit: us, µs, ms or s/],
    ['keepalive.p50<10%', /a percentage is relative to BASE: write keepalive.p50<\+10%/],
    ['keepalive.p50<+2ms', /a relative limit is a percentage of BASE/],
    ['keepalive.p50<-5%', /a relative limit is an allowed increase/],
    ['keepalive.p50<0ms', /must be above 0/],
    ['errors.rate<+1%', /a rate takes an absolute limit/],
    ['errors.rate<0.01', /write a rate as a percentage/],
    ['errors.rate<5ms', /write a rate as a percentage/],
    ['errors.rate<101%', /at most 100%/],
    ['errors.rate<0%', /can never pass/],
    ['failures.count<1.5', /a count takes a whole number/],
    ['failures.count<1%', /a count takes a whole number/],
    ['failures.count<0', /can never pass: use failures.count<1/],
  ];
  for (const [rule, message] of cases) {
    it(JSON.stringify(rule), () => {
      let error: unknown;
      try {
        parseThreshold(rule);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ColdpathError);
      const e = error as ColdpathError;
      expect(e.kind).toBe('input');
      expect(e.processExitCode).toBe(2);
      expect(e.field).toBe('--threshold');
      expect(e.message).toMatch(message);
      if (rule.trim() !== '') expect(e.message).toContain(JSON.stringify(rule.replace(/\s+/g, '')));
      expect(e.hint).toBe(THRESHOLD_HELP);
    });
  }

  it('two relative limits for the same path and metric', () => {
    expect(() => parseThresholds(['keepalive.p99<+10%', 'keepalive.p99<+20%'])).toThrow(/second relative limit for keepalive.p99/);
    // a scoped and an unscoped rule are different scopes: allowed
    expect(parseThresholds(['keepalive.p99<+10%', 'eni:keepalive.p99<+20%'])).toHaveLength(2);
  });
});
