/**
 * Where each modeled control-plane step sits in virtual time: an instance's
 * calls are sequential from its burst's t0, each first waiting for an API
 * token (throttle), then taking its drawn duration (see model/control-plane.ts).
 * phases.csv and trace.json both place modeled steps with this.
 */
import type { ModeledStep } from '../model/control-plane.js';

export interface PlacedStep extends ModeledStep {
  /** Virtual µs from t0 when the call was issued (it then waits throttleUs for a token). */
  issuedUs: number;
  /** Virtual µs from t0 when the call got its token and started. */
  startUs: number;
  endUs: number;
}

export function placeModeledSteps(steps: readonly ModeledStep[], originUs = 0): PlacedStep[] {
  let at = originUs;
  return steps.map((step) => {
    const placed = { ...step, issuedUs: at, startUs: at + step.throttleUs, endUs: at + step.throttleUs + step.durationUs };
    at = placed.endUs;
    return placed;
  });
}
