import { describe, expect, it } from 'vitest';
import { fisherGreater } from '../../../src/compare/fisher.js';
import { judgeRates } from '../../../src/compare/verdict.js';

describe("Fisher's exact test (one-sided)", () => {
  it('matches hand-computed values', () => {
    // 0/15 vs 5/15: C(25,10)/C(30,15)
    expect(fisherGreater({ events: 0, trials: 15 }, { events: 5, trials: 15 })).toBeCloseTo(3268760 / 155117520, 10);
    // the classic tea-tasting table: 3/4 vs 1/4 → P = 17/70
    expect(fisherGreater({ events: 1, trials: 4 }, { events: 3, trials: 4 })).toBeCloseTo(17 / 70, 10);
    expect(fisherGreater({ events: 0, trials: 100 }, { events: 0, trials: 100 })).toBe(1);
  });

  it('handles large counts (Stirling branch)', () => {
    const p = fisherGreater({ events: 3, trials: 6000 }, { events: 60, trials: 6000 });
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-10);
    expect(fisherGreater({ events: 30, trials: 6000 }, { events: 30, trials: 6000 })).toBeGreaterThan(0.4);
  });

  it('verdicts: significant and ≥ 1 pp regresses; few attempts are inconclusive', () => {
    const v = (b: [number, number], n: [number, number]) => {
      const base = { events: b[0], trials: b[1] };
      const next = { events: n[0], trials: n[1] };
      return judgeRates(base, next, fisherGreater(base, next), fisherGreater(next, base), 0.01).verdict;
    };
    expect(v([0, 15], [0, 15])).toBe('unchanged');
    expect(v([0, 15], [2, 15])).toBe('inconclusive');
    expect(v([0, 15], [8, 15])).toBe('regressed');
    expect(v([8, 15], [0, 15])).toBe('improved');
    expect(v([0, 6000], [3, 6000])).toBe('unchanged'); // 0.05 pp: below the 1 pp that counts
    expect(v([0, 6000], [600, 6000])).toBe('regressed');
  });
});
