/** Proportions with their exact intervals, for detection and false-alarm rates. */

/** Exact (Clopper–Pearson) 95 % interval of a proportion, by bisection on the binomial CDF. */
export function clopperPearson(successes: number, trials: number): [number, number] {
  const cdf = (k: number, p: number): number => {
    let sum = 0;
    let term = (1 - p) ** trials;
    for (let i = 0; i <= k; i++) {
      sum += term;
      term *= ((trials - i) / (i + 1)) * (p / (1 - p));
    }
    return sum;
  };
  const solve = (f: (p: number) => number): number => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = successes === 0 ? 0 : solve((p) => (1 - cdf(successes - 1, p) < 0.025 ? 1 : -1));
  const upper = successes === trials ? 1 : solve((p) => (cdf(successes, p) > 0.025 ? 1 : -1));
  return [lower, upper];
}

/** `k/n = 12.5% (95% CI 3.5–29.0%)`. */
export function share(k: number, n: number): string {
  if (n === 0) return 'n/a (0 pairs)';
  const [lo, hi] = clopperPearson(k, n);
  return `${k}/${n} = ${((100 * k) / n).toFixed(1)}% (95% CI ${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%)`;
}
