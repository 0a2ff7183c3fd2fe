/**
 * Disturbed repetitions: on these machines the whole system now and then
 * runs 1.3–2× slower for 0.2–3 s (every metric, every path, in the same
 * seconds; a lone keep-alive ping-pong on two namespaces shows it too), and
 * a repetition whose measurement falls in such a phase is slow throughout
 * (docs/compare.md, "Power"). One such repetition among a handful stretches
 * any interval built on a mean past every effect worth gating on.
 *
 * With enough repetitions on a side, those are identified by Hampel's rule
 * — farther from the side's median than 3 scaled MADs (1.4826 × MAD
 * estimates σ for normal data), in log space — and set aside before the
 * interval is computed; which ones and why is part of the estimate. The
 * rule is symmetric (a repetition that is unusually fast is set aside too)
 * and never removes half or more of a side: the median's neighbourhood
 * always stays.
 */

/** Fewest repetitions on a side for the rule to apply: below, a median and MAD say too little. */
export const MIN_REPETITIONS_TO_SET_ASIDE = 5;

/** Hampel's multiplier of the scaled MAD. */
export const HAMPEL_K = 3;

/** MAD × this estimates σ for normal data. */
const MAD_TO_SIGMA = 1.4826;

/**
 * Least distance from the median (as a ratio, here 5 %) before a repetition can be set aside:
 * when most repetitions agree to within a percent the MAD is nearly 0, and ordinary scatter
 * must not count as disturbance.
 */
export const MIN_DISTANCE = Math.log(1.05);

export interface SetAside {
  /** Indexes (into the list given) of the repetitions kept. */
  kept: number[];
  /** Indexes of those set aside. */
  setAside: number[];
  /** The distance beyond which a value was set aside (log units); undefined when the rule did not apply. */
  limit?: number;
}

const medianOf = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Hampel's rule over log values (one per repetition). */
export function setAsideDisturbed(logs: readonly number[]): SetAside {
  const all = logs.map((_, i) => i);
  if (logs.length < MIN_REPETITIONS_TO_SET_ASIDE) return { kept: all, setAside: [] };
  const median = medianOf(logs);
  const mad = medianOf(logs.map((x) => Math.abs(x - median)));
  const limit = Math.max(HAMPEL_K * MAD_TO_SIGMA * mad, MIN_DISTANCE);
  const kept = all.filter((i) => Math.abs((logs[i] as number) - median) <= limit);
  return { kept, setAside: all.filter((i) => !kept.includes(i)), limit };
}
