/**
 * The order in which paths are measured, per repetition. A path that always
 * runs first or last carries whatever the machine does early or late in a run
 * (caches, the kernel's asynchronous clean-up, thermal and frequency drift);
 * rotating or shuffling the order spreads it over every path, and the order is
 * recorded so a reader can check.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { StrategyName } from '../scenario/schema.js';

export type PathOrder = 'rotate' | 'shuffle' | 'listed';

export interface ScheduledRepetition {
  repetition: number;
  order: StrategyName[];
}

export function buildSchedule(paths: readonly StrategyName[], repetitions: number, order: PathOrder, seed: number): ScheduledRepetition[] {
  const random = xoroshiro128plus(seed | 0);
  return Array.from({ length: repetitions }, (_, repetition) => {
    switch (order) {
      case 'listed':
        return { repetition, order: [...paths] };
      case 'rotate': {
        const shift = repetition % Math.max(1, paths.length);
        return { repetition, order: [...paths.slice(shift), ...paths.slice(0, shift)] };
      }
      default: {
        // 'shuffle'
        const shuffled = [...paths];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = unsafeUniformIntDistribution(0, i, random);
          [shuffled[i], shuffled[j]] = [shuffled[j] as StrategyName, shuffled[i] as StrategyName];
        }
        return { repetition, order: shuffled };
      }
    }
  });
}

/**
 * The repetitions in which the reference also measures: `count` of them spread evenly from the
 * first to the last, so that one slow stretch of the machine cannot hold all of them (the
 * agreement check compares floors over them, compare/validity.ts).
 */
export function referenceRepetitions(repetitions: number, count: number): number[] {
  const n = Math.min(Math.max(0, count), repetitions);
  if (n === 0) return [];
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => Math.round((i * (repetitions - 1)) / (n - 1)));
}
