/**
 * The pool's scaling policy as a pure function: how many proxies a measured
 * load wants. Kept apart from the controller that acts on it so it is
 * unit-tested on numbers alone.
 */
import type { ScalingSpec } from '../../scenario/experiments.js';

/**
 * Proxies wanted for `total` load: ceil(total ÷ target), at least one;
 * `desired` is that clamped to [min, max], `unbounded` is not (above max:
 * the pool is at its limit).
 */
export function desiredProxies(total: number, policy: Pick<ScalingSpec['policy'], 'targetPerProxy' | 'min' | 'max'>): { unbounded: number; desired: number } {
  const unbounded = Math.max(1, Math.ceil(Math.max(0, total) / policy.targetPerProxy - 1e-9));
  return { unbounded, desired: Math.min(policy.max, Math.max(policy.min, unbounded)) };
}
