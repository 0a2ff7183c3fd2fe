/**
 * What the engine keeps about one path across its blocks (one block per
 * repetition, interleaved with the other paths' blocks): the strategy with its
 * IPAM and quota, the result being filled, and the warm instances, which live
 * from the path's first block to the end of the run so that every later block
 * measures an instance that is already warm.
 */
import type { PathResult, ServerView, Verification } from '../results/types.js';
import type { Strategy } from '../strategies/types.js';
import type { LiveInstance } from './instance.js';

export class PathState {
  readonly result: PathResult;
  /** Warm instances, started in the path's first block and stopped at the end of the run. */
  warm: LiveInstance[] = [];
  /** No further block: the path failed, or cannot be built. */
  finished = false;

  constructor(readonly strategy: Strategy) {
    const target = strategy.target();
    this.result = {
      strategy: strategy.name,
      outcome: 'completed',
      target: { address: target.address, httpPort: target.httpPort, echoPort: target.echoPort, service: target.serviceName },
      prewarm: { measuredUs: 0, modeled: [] },
      repetitions: [],
      resourcesPer100: strategy.resources(100),
    };
  }

  fail(reason: NonNullable<PathResult['failure']>['reason'], message: string, outcome: 'failed' | 'aborted' = 'failed'): void {
    this.result.outcome = outcome;
    this.result.failure ??= { reason, message };
    this.finished = true;
  }
}

/** The path check over all of a path's blocks: every block must have taken the path. */
export function combineVerifications(blocks: readonly Verification[]): Verification | undefined {
  if (blocks.length === 0) return undefined;
  const observed: Record<string, number> = {};
  for (const block of blocks) for (const [address, count] of Object.entries(block.observedSources)) observed[address] = (observed[address] ?? 0) + count;
  const counters = blocks.flatMap((block) => (block.proxyCounters === undefined ? [] : [block.proxyCounters]));
  const failed = blocks.filter((block) => !block.ok);
  const server = combineServerViews(blocks.flatMap((block) => (block.server === undefined ? [] : [block.server])));
  return {
    expectedSources: [...new Set(blocks.flatMap((block) => block.expectedSources))],
    observedSources: observed,
    ...(counters.length === 0 ? {} : { proxyCounters: { out: counters.reduce((sum, c) => sum + c.out, 0), back: counters.reduce((sum, c) => sum + c.back, 0) } }),
    ...(server === undefined ? {} : { server }),
    ok: failed.length === 0,
    detail:
      failed.length === 0
        ? `${blocks.length} of ${blocks.length} repetition(s): ${blocks[blocks.length - 1]?.detail ?? ''}`
        : `${failed.length} of ${blocks.length} repetition(s) failed: ${failed[0]?.detail ?? ''}`,
  };
}

/** A real server's views over the blocks: sources summed, ok only if every block's was. */
function combineServerViews(views: readonly ServerView[]): ServerView | undefined {
  const first = views[0];
  if (first === undefined) return undefined;
  const observed: Record<string, number> = {};
  for (const view of views) for (const [address, count] of Object.entries(view.observedSources)) observed[address] = (observed[address] ?? 0) + count;
  const failed = views.find((view) => !view.ok);
  return {
    server: first.server,
    opened: views.reduce((sum, view) => sum + view.opened, 0),
    observedSources: observed,
    ok: failed === undefined,
    detail: failed?.detail ?? views[views.length - 1]?.detail ?? '',
  };
}
