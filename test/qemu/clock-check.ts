/**
 * How the multi-host tier shows that a clock estimate recovers a known
 * offset (multi-host.test.ts): an agent whose clock is the guest's + N
 * (a time namespace), against reference agents on the guest's own clock
 * measured before and after it. The reference is interpolated to the
 * injected estimate's time on a straight line between its two estimates, with
 * the bound docs/agent-protocol.md gives such a line ((1 − f)·u_a + f·u_b
 * inside the interval; |1 − f|·u_a + |f|·u_b outside it); the difference of
 * the two offsets then equals N within the sum of the two bounds, whatever
 * the guest clock's rate against the host's, as long as that rate is constant.
 */
import type { OffsetEstimate } from '../../src/agent/clock-offset.js';

export type Estimate = Pick<OffsetEstimate, 'offsetUs' | 'uncertaintyUs' | 'atUs'>;

export function interpolate(a: Estimate, b: Estimate, atUs: number): { offsetUs: number; uncertaintyUs: number } {
  if (b.atUs === a.atUs) throw new Error('two reference estimates at the same time');
  const f = (atUs - a.atUs) / (b.atUs - a.atUs);
  return { offsetUs: a.offsetUs + f * (b.offsetUs - a.offsetUs), uncertaintyUs: Math.abs(1 - f) * a.uncertaintyUs + Math.abs(f) * b.uncertaintyUs };
}

export interface ClockCheck {
  injected: Estimate;
  reference: { offsetUs: number; uncertaintyUs: number };
  /** injected − reference (µs): the offset the estimates recover. */
  recoveredUs: number;
  /** Sum of the two bounds (µs). */
  boundUs: number;
}

export function recoverOffset(injected: Estimate, before: Estimate, after: Estimate): ClockCheck {
  const reference = interpolate(before, after, injected.atUs);
  return { injected, reference, recoveredUs: injected.offsetUs - reference.offsetUs, boundUs: injected.uncertaintyUs + reference.uncertaintyUs };
}

/** Whether the check holds: |recovered − expected| ≤ bound. */
export const recovers = (check: ClockCheck, expectedUs: number): boolean => Math.abs(check.recoveredUs - expectedUs) <= check.boundUs;
