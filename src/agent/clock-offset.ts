/**
 * How far an agent's monotonic clock is from the coordinator's, and how sure
 * we are: NTP's on-wire calculation (RFC 5905, 8) on request/response
 * exchanges, with NTP's clock-filter idea of trusting the exchange with the
 * least round-trip delay. Pure: the client collects the timestamps.
 *
 * Offset means agent clock minus coordinator clock: agent time = coordinator
 * time + offset. For one exchange, with t0 (coordinator sends), t1 (agent
 * reads), t2 (agent answers) and t3 (coordinator reads), all µs,
 *   θ = ((t1 − t0) + (t2 − t3)) / 2,   δ = (t3 − t0) − (t2 − t1).
 * Whatever the split of δ between the two directions, the agent read the
 * request after t0 and answered before t3, so the true offset lies in
 * [t2 − t3, t1 − t0] = θ ± δ/2. That is a bound, not a confidence interval:
 * asymmetric paths move θ inside it, never out of it.
 *
 * The estimate is the exchange of least δ (ties: the earliest), with
 * uncertainty δ_min / 2. A median θ of the lowest-δ quantile would be smoother
 * but its only sound bound is the largest δ/2 in that quantile, which is
 * wider; a queued exchange has a large δ and simply loses. Timestamps are
 * integer µs: rounding down on both clocks keeps t0 ≤ t1 ≤ t2 ≤ t3 in causal
 * order, so the bound survives the truncation.
 */
import { ColdpathError } from '../errors.js';

/** One request/response exchange, in µs: t0 and t3 on the coordinator's clock, t1 and t2 on the agent's. */
export interface ClockExchange {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** θ and δ of one exchange (µs). */
export interface ExchangeOffset {
  /** Agent minus coordinator, θ. */
  offsetUs: number;
  /** Round trip minus the agent's own time, δ (≥ 0). */
  delayUs: number;
}

/** An offset estimate from one round of exchanges. */
export interface OffsetEstimate {
  kind: 'offset';
  /** Agent clock minus coordinator clock (µs): θ of the least-delay exchange. */
  offsetUs: number;
  /** Half-width of the bound (µs): the true offset was within offsetUs ± uncertaintyUs, at `atUs`. */
  uncertaintyUs: number;
  /** δ of the chosen exchange (µs). */
  delayUs: number;
  /** When the estimate holds, on the coordinator's clock (µs): the middle of the chosen exchange. */
  atUs: number;
  /** Exchanges the estimate chose from. */
  samples: number;
}

/** Two estimates, at the start and the end of a run, and the drift between them. */
export interface DriftEstimate {
  kind: 'drift';
  start: OffsetEstimate;
  end: OffsetEstimate;
  /** Offset change per coordinator second, in ppm (µs per s): (θ_end − θ_start) / elapsed. */
  driftPpm: number;
  /** Bound on the drift error (ppm): (u_start + u_end) / elapsed. */
  driftUncertaintyPpm: number;
}

/** What maps agent time to coordinator time: one estimate, or a start and an end estimate. */
export type ClockEstimate = OffsetEstimate | DriftEstimate;

/** An agent timestamp on the coordinator's clock, or why it is not given. */
export type MappedTime = { kind: 'mapped'; coordinatorUs: number; uncertaintyUs: number } | { kind: 'too-uncertain'; boundUs: number; uncertaintyUs: number };

/**
 * How fast the offset may change when only one estimate exists (ppm): the
 * kernel caps a clock's frequency correction at ±500 ppm (`MAXFREQ` of
 * adjtimex; NTP's frequency tolerance is the same figure), so without an end
 * estimate the uncertainty grows by 500 µs per second away from the estimate.
 */
export const DEFAULT_DRIFT_BOUND_PPM = 500;

/** θ and δ of one exchange; a non-causal exchange (agent answered before it read, or t3 before t0) is a broken agent or client. */
export function exchangeOffset(exchange: ClockExchange): ExchangeOffset {
  const { t0, t1, t2, t3 } = exchange;
  if (t3 < t0 || t2 < t1) {
    throw new ColdpathError(`clock exchange out of order: t0 ${t0}, t1 ${t1}, t2 ${t2}, t3 ${t3} (µs); expected t0 ≤ t3 and t1 ≤ t2`, {
      kind: 'runtime',
      hint: 'both clocks must be monotonic; an agent whose clock steps is not usable for timing',
    });
  }
  return { offsetUs: (t1 - t0 + (t2 - t3)) / 2, delayUs: t3 - t0 - (t2 - t1) };
}

/** The offset estimate of a round of exchanges: the least-delay exchange's θ ± δ/2 (see the file comment for why). */
export function estimateOffset(exchanges: readonly ClockExchange[]): OffsetEstimate {
  let best: { exchange: ClockExchange; result: ExchangeOffset } | undefined;
  for (const exchange of exchanges) {
    const result = exchangeOffset(exchange);
    // A negative δ means the agent took longer than the whole round trip: only possible with wildly different clock rates.
    if (result.delayUs < 0) {
      throw new ColdpathError(`clock exchange with negative delay ${result.delayUs} µs: the agent's clock ran faster than the coordinator's over one round trip`, { kind: 'runtime' });
    }
    if (best === undefined || result.delayUs < best.result.delayUs) best = { exchange, result };
  }
  if (best === undefined) throw new ColdpathError('no clock exchanges to estimate an offset from', { kind: 'runtime', hint: 'run at least one clock exchange' });
  return {
    kind: 'offset',
    offsetUs: best.result.offsetUs,
    uncertaintyUs: best.result.delayUs / 2,
    delayUs: best.result.delayUs,
    atUs: (best.exchange.t0 + best.exchange.t3) / 2,
    samples: exchanges.length,
  };
}

/** Combines a start and an end estimate into an offset that changes linearly between them (a constant rate difference). */
export function combineEstimates(start: OffsetEstimate, end: OffsetEstimate): DriftEstimate {
  const elapsedUs = end.atUs - start.atUs;
  if (!(elapsedUs > 0)) {
    throw new ColdpathError(`the end clock estimate (at ${end.atUs} µs) is not after the start estimate (at ${start.atUs} µs)`, { kind: 'runtime' });
  }
  return {
    kind: 'drift',
    start,
    end,
    driftPpm: ((end.offsetUs - start.offsetUs) / elapsedUs) * 1e6,
    driftUncertaintyPpm: ((start.uncertaintyUs + end.uncertaintyUs) / elapsedUs) * 1e6,
  };
}

/** Options of `toCoordinatorTime`. */
export interface MapOptions {
  /** Largest uncertainty (µs) a mapped time may have; beyond it the answer is `too-uncertain`. */
  maxUncertaintyUs: number;
  /** With a single estimate only: how fast the offset may change (ppm). Default `DEFAULT_DRIFT_BOUND_PPM`. */
  driftBoundPpm?: number;
}

/**
 * An agent timestamp on the coordinator's clock, with its uncertainty, or
 * `too-uncertain` when that exceeds `maxUncertaintyUs` (a span across
 * machines is then not reported rather than reported wrong).
 *
 * With a start and an end estimate, the offset is interpolated linearly; its
 * bound too, as (1 − f)·u_start + f·u_end at fraction f of the way (any
 * straight line through both bounds stays within it), and |1 − f|·u_start +
 * |f|·u_end outside (extrapolation widens it). This assumes a constant rate
 * difference between the two estimates: true for free-running oscillators
 * over minutes, not for a clock that NTP slews hard during the run. With one
 * estimate, the uncertainty grows by `driftBoundPpm` with distance from it.
 */
export function toCoordinatorTime(agentUs: number, clock: ClockEstimate, options: MapOptions): MappedTime {
  let coordinatorUs: number;
  let uncertaintyUs: number;
  if (clock.kind === 'offset') {
    coordinatorUs = agentUs - clock.offsetUs;
    uncertaintyUs = clock.uncertaintyUs + (Math.abs(coordinatorUs - clock.atUs) * (options.driftBoundPpm ?? DEFAULT_DRIFT_BOUND_PPM)) / 1e6;
  } else {
    const { start, end } = clock;
    const rate = clock.driftPpm / 1e6;
    // agent = c + θ_start + rate·(c − at_start), solved for c.
    coordinatorUs = (agentUs - start.offsetUs + rate * start.atUs) / (1 + rate);
    const f = (coordinatorUs - start.atUs) / (end.atUs - start.atUs);
    uncertaintyUs = Math.abs(1 - f) * start.uncertaintyUs + Math.abs(f) * end.uncertaintyUs;
  }
  if (uncertaintyUs > options.maxUncertaintyUs) return { kind: 'too-uncertain', boundUs: options.maxUncertaintyUs, uncertaintyUs };
  return { kind: 'mapped', coordinatorUs, uncertaintyUs };
}
