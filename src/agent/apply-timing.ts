/**
 * An agent's `applied` timing on the coordinator's clock. The agent stamps
 * `startUs`/`endUs` on its own CLOCK_MONOTONIC; the engine's spans are on the
 * coordinator's, so each stamp goes through the clock estimate of `syncClock`
 * (clock-offset.ts: coordinator = agent − θ, true within ±δ/2 at the estimate).
 *
 * A second bound comes with every request: the agent did the work after the
 * coordinator wrote the request and before it read the answer, so both stamps
 * lie in that window on the coordinator's clock. Clamping into it is sound
 * and keeps a span inside the request that caused it even when the estimate
 * is old or coarse. Mapping and clamping are monotonic, so start ≤ end holds.
 * Durations (end − start) are unchanged unless a stamp was clamped.
 */
import type { ApplyResult } from '../kernel/kernel-driver.js';
import { type ClockEstimate, toCoordinatorTime } from './clock-offset.js';

/** When the coordinator wrote the request and read its answer (its clock, µs). */
export interface RequestWindow {
  sentUs: number;
  answeredUs: number;
}

/** One agent timestamp on the coordinator's clock, whole µs, within the request's window when one is given. */
export function agentToCoordinatorUs(agentUs: number, clock: ClockEstimate, window?: RequestWindow): number {
  // No uncertainty limit: a stamp is always mapped, and the window bounds it where the estimate is loose.
  const mapped = toCoordinatorTime(agentUs, clock, { maxUncertaintyUs: Number.POSITIVE_INFINITY });
  const us = mapped.kind === 'mapped' ? Math.round(mapped.coordinatorUs) : agentUs;
  if (window === undefined) return us;
  return Math.min(Math.max(us, window.sentUs), window.answeredUs);
}

/** An `applied` answer's timing on the coordinator's clock; steps and queueing (durations) as the agent measured them. */
export function applyResultToCoordinator(result: ApplyResult, clock: ClockEstimate, window?: RequestWindow): ApplyResult {
  return {
    steps: result.steps,
    startUs: agentToCoordinatorUs(result.startUs, clock, window),
    endUs: agentToCoordinatorUs(result.endUs, clock, window),
    queuedUs: result.queuedUs,
  };
}
