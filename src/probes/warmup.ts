/**
 * When warm-up is over. `fixed`: after a count of requests. `steady`: after
 * the medians of consecutive windows of requests agree within a tolerance
 * (JIT compilation, caches and connection pools have settled), bounded by a
 * time limit; a measurement that starts at the limit is marked not converged.
 */
import { nowMicros } from '../clock.js';
import { median } from '../metrics/paired.js';
import type { SteadyStateSpec, WarmupRecord } from '../results/types.js';

/** Both are stored in run.json, so owned by its schema (src/results/). */
export type { SteadyStateSpec, WarmupRecord } from '../results/types.js';

const KEPT_WINDOWS = 8;

export class WarmupTracker {
  private issued = 0;
  private completed = 0;
  private readonly window: number[] = [];
  private readonly medians: number[] = [];
  private finishedAt: number | undefined;
  private converged = false;

  /**
   * @param minRequests requests before warm-up may end (the only criterion in fixed mode)
   * @param steady the steady-state criterion; undefined = fixed
   */
  constructor(
    private readonly minRequests: number,
    private readonly steady: SteadyStateSpec | undefined,
    private readonly startedAt: number,
  ) {
    if (minRequests === 0 && steady === undefined) this.finishedAt = startedAt;
  }

  get done(): boolean {
    return this.finishedAt !== undefined;
  }

  /** Whether the request about to be sent is a warm-up request. */
  claim(): boolean {
    if (this.steady !== undefined) return !this.done;
    if (this.issued < this.minRequests) {
      this.issued++;
      return true;
    }
    this.finishedAt ??= nowMicros();
    return false;
  }

  /** A warm-up request completed at `now` (µs), with its latency or undefined for an error. */
  add(latencyUs: number | undefined, now: number): void {
    if (this.done || this.steady === undefined) return;
    this.completed++;
    if (latencyUs !== undefined) this.window.push(latencyUs);
    if (this.window.length >= this.steady.window) {
      this.medians.push(median(this.window));
      this.window.length = 0;
      if (this.medians.length > Math.max(KEPT_WINDOWS, this.steady.windows)) this.medians.shift();
    }
    if (this.completed >= this.minRequests && isSteady(this.medians, this.steady)) {
      this.converged = true;
      this.finishedAt = now;
    } else if (now - this.startedAt >= this.steady.timeLimitMs * 1000) {
      this.finishedAt = now;
    }
  }

  record(): WarmupRecord {
    const durationUs = Math.max(0, (this.finishedAt ?? this.startedAt) - this.startedAt);
    if (this.steady === undefined) return { mode: 'fixed', requests: this.issued, durationUs };
    return { mode: 'steady', requests: this.completed, durationUs, converged: this.converged, windowP50s: [...this.medians] };
  }
}

/** The last `windows` medians agree within the tolerance. */
export function isSteady(medians: readonly number[], steady: Pick<SteadyStateSpec, 'windows' | 'tolerance'>): boolean {
  if (medians.length < steady.windows) return false;
  const last = medians.slice(-steady.windows);
  const low = Math.min(...last);
  return low > 0 && (Math.max(...last) - low) / low <= steady.tolerance;
}
