/**
 * What a run reports while it runs. Measurement emits; the console display
 * (or a test) subscribes. They never mix: nothing here prints.
 */
import { EventEmitter } from 'node:events';
import type { StrategyName, WarmMetric } from '../scenario/schema.js';

export type RunEvent =
  | { type: 'stage'; message: string }
  | { type: 'note'; message: string }
  | { type: 'block-start'; strategy: StrategyName; repetition: number; repetitions: number; slot: number; paths: number }
  | { type: 'burst-start'; strategy: StrategyName; repetition: number; size: number }
  | { type: 'instance-done'; strategy: StrategyName; repetition: number; size: number; done: number; ok: boolean }
  | { type: 'burst-done'; strategy: StrategyName; repetition: number; size: number; p50Us: number; p99Us: number; failed: number }
  | { type: 'warm-start'; strategy: StrategyName; repetition: number; metric: WarmMetric }
  | {
      type: 'warm-done';
      strategy: StrategyName;
      repetition: number;
      metric: WarmMetric;
      p50Us: number;
      p99Us: number;
      errors: number;
      /** Warm-up requests of the slowest instance to settle. */
      warmupRequests: number;
      converged: boolean;
    }
  | { type: 'reference-done'; strategy: StrategyName; repetition: number; p50Us: number; p99Us: number }
  | { type: 'settle'; strategy: StrategyName; after: string; waitedMs: number; completed: boolean; pending?: string }
  | { type: 'block-done'; strategy: StrategyName; repetition: number; outcome: string; detail?: string }
  | { type: 'path-done'; strategy: StrategyName; outcome: string; detail?: string }
  | { type: 'teardown' };

export class RunEvents {
  private readonly emitter = new EventEmitter();

  emit(event: RunEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: RunEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
