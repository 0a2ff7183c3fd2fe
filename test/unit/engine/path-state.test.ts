import { describe, expect, it } from 'vitest';
import { combineVerifications } from '../../../src/engine/path-state.js';
import type { Verification } from '../../../src/results/types.js';

const block = (over: Partial<Verification> = {}): Verification => ({
  expectedSources: ['198.19.0.6'],
  observedSources: { '198.19.0.6': 10 },
  ok: true,
  detail: 'the service saw 198.19.0.6 only',
  ...over,
});

describe('combineVerifications', () => {
  it('no blocks: no verification', () => {
    expect(combineVerifications([])).toBeUndefined();
  });

  it('sums observed connections per source address over the blocks', () => {
    const combined = combineVerifications([block({ observedSources: { '198.19.0.6': 10 } }), block({ observedSources: { '198.19.0.6': 7, '198.18.0.16': 2 } }), block({ observedSources: {} })])!;
    expect(combined.observedSources).toEqual({ '198.19.0.6': 17, '198.18.0.16': 2 });
  });

  it('expected sources: each address once, in first-seen order', () => {
    const combined = combineVerifications([block({ expectedSources: ['198.19.0.6'] }), block({ expectedSources: ['198.19.0.7', '198.19.0.6'] })])!;
    expect(combined.expectedSources).toEqual(['198.19.0.6', '198.19.0.7']);
  });

  it('sums proxy counters of the blocks that have them; none when no block has', () => {
    const combined = combineVerifications([block({ proxyCounters: { out: 10, back: 9 } }), block(), block({ proxyCounters: { out: 5, back: 4 } })])!;
    expect(combined.proxyCounters).toEqual({ out: 15, back: 13 });
    expect(combineVerifications([block(), block()])).not.toHaveProperty('proxyCounters');
  });

  it('ok when every block is ok; the detail counts the repetitions and quotes the last', () => {
    const combined = combineVerifications([block({ detail: 'first' }), block({ detail: 'last' })])!;
    expect(combined.ok).toBe(true);
    expect(combined.detail).toContain('2 of 2 repetition(s)');
    expect(combined.detail).toContain('last');
  });

  it('one failed block fails the path; the detail says how many failed and quotes the first failure', () => {
    const combined = combineVerifications([block(), block({ ok: false, detail: 'the service saw 198.18.0.16' }), block(), block({ ok: false, detail: 'no connection seen' })])!;
    expect(combined.ok).toBe(false);
    expect(combined.detail).toContain('2 of 4 repetition(s) failed');
    expect(combined.detail).toContain('the service saw 198.18.0.16');
    expect(combined.detail).not.toContain('no connection seen');
  });

  it('does not change its input', () => {
    const blocks = [block({ proxyCounters: { out: 1, back: 1 } }), block({ proxyCounters: { out: 2, back: 2 } })];
    const copy = structuredClone(blocks);
    combineVerifications(blocks);
    expect(blocks).toEqual(copy);
  });
});
