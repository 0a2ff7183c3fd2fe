/**
 * Student's t quantile at 97.5 % (the two-sided 95 % level compare uses).
 * A bootstrap over 2–5 repetitions is too narrow; t/z is the factor that
 * widens it to an honest interval (see docs/compare.md, "expanded percentile").
 */

/** Two-sided 95 % ⇒ the one-sided 97.5 % normal quantile. */
export const Z_975 = 1.959963984540054;

/** t(0.975, df) for df = 1..30. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045,
  2.042,
];

function wholeDf(df: number): number {
  const tabled = T_975[df - 1];
  if (tabled !== undefined) return tabled;
  // Cornish–Fisher expansion: within 0.001 of the exact value beyond df = 30.
  const z = Z_975;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** t(0.975, df); a fractional df (Welch) is interpolated linearly in 1/df, the usual table rule. */
export function t975(df: number): number {
  if (!(df >= 1)) return Number.POSITIVE_INFINITY;
  const lo = Math.floor(df);
  const hi = Math.ceil(df);
  if (lo === hi) return wholeDf(lo);
  const weight = (1 / df - 1 / hi) / (1 / lo - 1 / hi);
  return wholeDf(hi) + weight * (wholeDf(lo) - wholeDf(hi));
}

/** Welch–Satterthwaite degrees of freedom of a difference of two means. */
export function welchDf(varianceA: number, nA: number, varianceB: number, nB: number): number {
  const a = varianceA / nA;
  const b = varianceB / nB;
  if (a + b === 0) return nA + nB - 2;
  return (a + b) ** 2 / ((a * a) / (nA - 1) + (b * b) / (nB - 1));
}
