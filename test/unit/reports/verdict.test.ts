import { describe, expect, it } from 'vitest';
import { computeVerdict, runVerdict, type VerdictContext } from '../../../src/reports/verdict.js';
import { verdictLines } from '../../../src/reports/verdict-text.js';
import { burstSummary, figures, loadRun, pathSummary, runWithEniFailures } from './helpers.js';

const context: VerdictContext = { eniQuota: 250, eniAddresses: 242, prewarmModeledUs: {} };
const text = (lines: ReturnType<typeof verdictLines>, topic: string): string => lines.find((line) => line.topic.startsWith(topic))?.text ?? '';

describe('cold-start verdict', () => {
  it('names the fastest VPC path and its margin over the runner-up, baseline apart as the floor', () => {
    const verdict = computeVerdict(
      [pathSummary('baseline', { total: 90_000 }), pathSummary('eni', { total: 300_000 }), pathSummary('peering', { total: 150_000 }), pathSummary('gre-proxy', { total: 120_000 })],
      context,
    );
    expect(verdict.coldStart?.ranking.map((path) => path.strategy)).toEqual(['gre-proxy', 'peering', 'eni']);
    expect(verdict.coldStart?.baseline?.strategy).toBe('baseline');
    expect(verdict.coldStart?.margin).toBeCloseTo(1.25);
    expect(verdict.coldStart?.clear).toBe(true);
    const line = text(verdictLines(verdict), 'Cold start');
    expect(line).toContain('gre-proxy wins: 120ms against 150ms for the runner-up peering, which takes 1.25× as long (+30.0ms)');
    expect(line).toContain('baseline (no VPC crossing) 90.0ms');
  });

  it('calls a lead under 10 % no clear winner', () => {
    const verdict = computeVerdict([pathSummary('eni', { total: 104_000 }), pathSummary('peering', { total: 100_000 })], context);
    expect(verdict.coldStart?.clear).toBe(false);
    expect(text(verdictLines(verdict), 'Cold start')).toMatch(/^no clear winner: peering 100ms and eni 104ms are within 10 %/);
  });

  it('marks a winner from an unfinished path as incomplete, and has no winner without data', () => {
    const verdict = computeVerdict([pathSummary('eni', { total: 50_000, outcome: 'aborted' }), pathSummary('peering', { total: 100_000 })], context);
    expect(text(verdictLines(verdict), 'Cold start')).toContain('eni (incomplete) wins');
    expect(computeVerdict([pathSummary('eni'), pathSummary('peering')], context).coldStart).toBeUndefined();
  });
});

describe('proxy cost verdict', () => {
  it('compares gre-proxy p50 with peering and baseline per metric', () => {
    const warm = (p50: number) => ({ keepalive: { ...figures({ p50, count: 100 }), errors: 0, errorKinds: {} } });
    const verdict = computeVerdict(
      [pathSummary('baseline', { warm: warm(100) }), pathSummary('peering', { warm: warm(120) }), pathSummary('gre-proxy', { warm: warm(180) })],
      context,
    );
    expect(verdict.proxy).toEqual({
      kind: 'measured',
      costs: [
        {
          metric: 'keepalive',
          proxyP50: 180,
          comparisons: [
            { against: 'peering', p50: 120, ratio: 1.5, extraUs: 60 },
            { against: 'baseline', p50: 100, ratio: 1.8, extraUs: 80 },
          ],
        },
      ],
    });
    const line = text(verdictLines(verdict), 'Proxy cost');
    expect(line).toContain('keepalive 180µs = 1.50× peering (120µs, +60µs), 1.80× baseline (100µs, +80µs)');
    expect(line).toContain('more than 10 % slower than peering on keepalive (1 of 1 metrics)');
  });

  it('says why when the proxy was not measured', () => {
    const verdict = computeVerdict([pathSummary('peering'), pathSummary('gre-proxy', { outcome: 'skipped', failure: 'aborted: run interrupted before this path' })], context);
    expect(verdict.proxy).toEqual({ kind: 'not-measured', why: 'gre-proxy skipped (aborted: run interrupted before this path)' });
  });
});

describe('eni limits verdict', () => {
  it('finds the first burst size at which eni fails, with reasons and the last clean size', () => {
    const bursts = [burstSummary(1), burstSummary(32), burstSummary(8), burstSummary(128, { 'eni-quota': 3, 'subnet-exhausted': 2 }), burstSummary(256, { 'eni-quota': 130 })];
    const verdict = computeVerdict([pathSummary('eni', { total: 1, bursts })], context);
    expect(verdict.eni).toEqual({ kind: 'failed', first: { strategy: 'eni', size: 128, failed: 5, attempted: 128, reasons: { 'eni-quota': 3, 'subnet-exhausted': 2 }, cleanUpTo: 32 } });
    expect(text(verdictLines(verdict), 'ENI')).toBe(
      'eni first fails at K = 128: 5 of 128 instances failed (eni-quota ×3, subnet-exhausted ×2); every instance succeeded up to K = 32.',
    );
  });

  it('names the limit that comes first when eni never failed', () => {
    const held = computeVerdict([pathSummary('eni', { total: 1, bursts: [burstSummary(4)] })], context);
    expect(held.eni).toEqual({ kind: 'held', largestSize: 4, quota: 250, addresses: 242 });
    expect(text(verdictLines(held), 'ENI')).toContain('user-subnet exhaustion comes first, at 242 instances alive');
    const quotaFirst = computeVerdict([pathSummary('eni', { total: 1, bursts: [burstSummary(4)] })], { ...context, eniQuota: 100 });
    expect(text(verdictLines(quotaFirst), 'ENI')).toContain('the ENI quota comes first, at 100 instances alive');
  });

  it('reports failures of other paths too, and an eni that did not run', () => {
    const verdict = computeVerdict([pathSummary('peering', { total: 1, bursts: [burstSummary(8), burstSummary(64, { 'route-table-quota': 14 })] })], context);
    expect(verdict.eni).toEqual({ kind: 'not-measured', why: 'eni was not part of this run' });
    expect(text(verdictLines(verdict), 'Other paths')).toContain('peering first fails at K = 64: 14 of 64 instances failed (route-table-quota ×14)');
  });
});

describe('verdict of recorded runs', () => {
  it('reads the failing eni burst of a run', () => {
    const verdict = runVerdict(runWithEniFailures());
    expect(verdict.eni).toMatchObject({ kind: 'failed', first: { size: 8, failed: 3, attempted: 8, reasons: { 'eni-quota': 2, 'subnet-exhausted': 1 }, cleanUpTo: 4 } });
  });

  it('keeps modeled control-plane time apart from the measured cold start', () => {
    const verdict = runVerdict(loadRun('run-small'));
    const eni = verdict.modeled.find((cost) => cost.strategy === 'eni');
    expect(eni?.perInstance?.p50).toBe(4_296_703);
    expect(eni?.measuredP50).toBe(275_711);
    expect(verdict.modeled.map((cost) => [cost.strategy, cost.prewarmUs])).toEqual([
      ['eni', 0],
      ['peering', 9_941_818],
      ['gre-proxy', 5_734_948],
    ]);
    // The measured ranking uses measured figures only: eni is not pushed back by its modeled seconds.
    expect(verdict.coldStart?.ranking[0]?.strategy).toBe('eni');
  });
});
