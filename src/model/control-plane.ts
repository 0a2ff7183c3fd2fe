/**
 * Virtual-time model of control-plane work: each phase's duration is drawn
 * from a lognormal fitted to its median and p99, and every mutating API call
 * takes a token from one bucket (refilled continuously; a call without a token
 * waits for the next one, first come, first served). Seeded: the same seed
 * gives the same draws. Nothing here sleeps.
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { ColdpathError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { PROFILES, profileNames, type ControlPlaneProfile, type ModeledPhaseId, type ModeledPhaseSpec } from './profiles.js';
import type { ModeledStep } from './schema.js';

export type { ModeledStep } from './schema.js';

/** z-score of the 99th percentile of a standard normal. */
const Z99 = 2.3263478740408408;

export class ControlPlaneModel {
  readonly profile: ControlPlaneProfile;
  readonly phases: Record<ModeledPhaseId, ModeledPhaseSpec>;
  readonly bucket: { capacity: number; refillPerSecond: number };
  private readonly random: RandomGenerator;
  private spareNormal: number | undefined;

  constructor(scenario: Scenario) {
    const profile = PROFILES[scenario.controlPlane.profile];
    if (profile === undefined) {
      throw new ColdpathError(`controlPlane.profile: unknown profile ${JSON.stringify(scenario.controlPlane.profile)}`, {
        kind: 'input',
        field: 'controlPlane.profile',
        hint: `known profiles: ${profileNames().join(', ')}`,
      });
    }
    this.profile = profile;
    const phases = { ...profile.phases };
    for (const [id, override] of Object.entries(scenario.controlPlane.overrides)) {
      const base = phases[id as ModeledPhaseId];
      if (base === undefined) {
        throw new ColdpathError(`controlPlane.overrides.${id}: unknown modeled phase`, {
          kind: 'input',
          field: `controlPlane.overrides.${id}`,
          hint: `modeled phases: ${Object.keys(phases).join(', ')}`,
        });
      }
      if (override.p99Ms < override.medianMs) {
        throw new ColdpathError(`controlPlane.overrides.${id}: p99Ms ${override.p99Ms} is below medianMs ${override.medianMs}`, {
          kind: 'input',
          field: `controlPlane.overrides.${id}.p99Ms`,
        });
      }
      phases[id as ModeledPhaseId] = { ...base, medianMs: override.medianMs, p99Ms: override.p99Ms, sources: [{ title: 'scenario override', url: '', says: 'set in controlPlane.overrides' }] };
    }
    this.phases = phases;
    this.bucket = scenario.controlPlane.apiBucket ?? { capacity: profile.apiBucket.capacity, refillPerSecond: profile.apiBucket.refillPerSecond };
    this.random = xoroshiro128plus(scenario.seed);
  }

  /** One draw of a phase's duration, µs. */
  draw(phase: ModeledPhaseId): number {
    const spec = this.phases[phase];
    if (spec.medianMs === 0) return 0;
    const mu = Math.log(spec.medianMs);
    const sigma = spec.p99Ms > spec.medianMs ? Math.log(spec.p99Ms / spec.medianMs) / Z99 : 0;
    return Math.round(Math.exp(mu + sigma * this.normal()) * 1000);
  }

  /**
   * K instances each making the same sequence of calls, all starting at
   * virtual time 0 (a burst). Returns each instance's steps, in order.
   */
  burst(instances: number, calls: readonly ModeledPhaseId[]): ModeledStep[][] {
    const bucket = new TokenBucket(this.bucket.capacity, this.bucket.refillPerSecond);
    const result: ModeledStep[][] = Array.from({ length: instances }, () => []);
    // Events: (virtual time µs, instance, call index); processed in time order so tokens go first come, first served.
    let events = Array.from({ length: instances }, (_, instance) => ({ at: 0, instance, call: 0 }));
    while (events.length > 0) {
      events.sort((a, b) => a.at - b.at || a.instance - b.instance);
      const event = events.shift();
      if (event === undefined) break;
      const phase = calls[event.call];
      if (phase === undefined) continue;
      const granted = this.phases[phase].apiCall ? bucket.take(event.at) : event.at;
      const durationUs = this.draw(phase);
      result[event.instance]?.push({ phase, throttleUs: granted - event.at, durationUs });
      if (event.call + 1 < calls.length) events = [...events, { at: granted + durationUs, instance: event.instance, call: event.call + 1 }];
    }
    return result;
  }

  private uniform(): number {
    return ((this.random.unsafeNext() >>> 0) + 0.5) / 4294967296;
  }

  /** Standard normal by Box–Muller (two per pair of uniforms). */
  private normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/** Token bucket in virtual µs; `take` returns when the call is granted. */
export class TokenBucket {
  private tokens: number;
  private last = 0;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
  ) {
    this.tokens = capacity;
  }

  take(atUs: number): number {
    if (atUs > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((atUs - this.last) / 1e6) * this.refillPerSecond);
      this.last = atUs;
    }
    this.tokens -= 1;
    // A negative balance is a queue of reservations: wait until refilled to zero.
    return this.tokens >= 0 ? atUs : this.last + Math.ceil((-this.tokens / this.refillPerSecond) * 1e6);
  }
}
