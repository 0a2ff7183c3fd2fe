/**
 * Fisher's exact test for "NEW fails more often than BASE". Failures and
 * request errors are rare counts (0 of 15 cold starts, 3 of 6000 requests):
 * exact, because normal approximations are wrong exactly there.
 */

export interface Proportion {
  events: number;
  trials: number;
}

const SMALL = 1024;
const logFactorials = (() => {
  const table = new Float64Array(SMALL);
  for (let n = 2; n < SMALL; n++) table[n] = (table[n - 1] ?? 0) + Math.log(n);
  return table;
})();

function logFactorial(n: number): number {
  if (n < SMALL) return logFactorials[n] ?? 0;
  // Stirling's series; error < 1e-12 from n = 1024 on.
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

const logChoose = (n: number, k: number): number => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

/**
 * One-sided p-value that `worse` has a higher event rate than `better`:
 * P(X ≥ worse.events) for X hypergeometric with both samples' margins.
 */
export function fisherGreater(better: Proportion, worse: Proportion): number {
  const total = better.trials + worse.trials;
  const events = better.events + worse.events;
  const draws = worse.trials;
  if (total === 0 || events === 0) return 1;
  const top = Math.min(draws, events);
  const denominator = logChoose(total, draws);
  let p = 0;
  for (let x = worse.events; x <= top; x++) {
    p += Math.exp(logChoose(events, x) + logChoose(total - events, draws - x) - denominator);
  }
  return Math.min(1, p);
}

export const rate = (p: Proportion): number => (p.trials === 0 ? 0 : p.events / p.trials);
