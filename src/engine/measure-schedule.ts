/**
 * Every block of a run's schedule, in order: each path in each repetition
 * (block.ts). A path whose block fails is not measured again; warm instances
 * live from their path's first block to the end; at the end each path's
 * result is closed: skipped if it never ran, aborted if interrupted, its path
 * check combined over its blocks.
 */
import type { PathResult } from '../results/types.js';
import type { StrategyName } from '../scenario/schema.js';
import type { ServiceProcess } from '../services/service-process.js';
import type { Strategy } from '../strategies/types.js';
import { runBlock } from './block.js';
import type { EngineContext } from './context.js';
import type { RealServer } from './real-servers/types.js';
import { stopInstances } from './instance.js';
import { combineVerifications, PathState } from './path-state.js';
import { referenceRepetitions, type ScheduledRepetition } from './schedule.js';

export async function measureSchedule(
  ctx: EngineContext,
  strategies: readonly Strategy[],
  schedule: readonly ScheduledRepetition[],
  options: { services: ReadonlyMap<string, ServiceProcess>; realServers: ReadonlyMap<string, RealServer>; reference: boolean },
): Promise<{ paths: PathResult[]; unsettled: StrategyName[] }> {
  const { events, signal, scenario } = ctx;
  const paths = new Map(strategies.map((strategy) => [strategy.name, new PathState(strategy)]));
  const unsettled = new Set<StrategyName>();
  const withReference = new Set(options.reference ? referenceRepetitions(scenario.repetitions, scenario.reference.repetitions) : []);
  try {
    for (const { repetition, order } of schedule) {
      for (const [slot, name] of order.entries()) {
        const path = paths.get(name);
        if (path === undefined || path.finished || signal.aborted) continue;
        events.emit({ type: 'block-start', strategy: name, repetition, repetitions: scenario.repetitions, slot, paths: order.length });
        const reference = withReference.has(repetition);
        await runBlock({ engine: ctx, services: options.services, realServers: options.realServers, reference }, path, repetition, slot);
        const rep = path.result.repetitions.find((r) => r.index === repetition);
        events.emit({ type: 'block-done', strategy: name, repetition, outcome: path.result.outcome, ...(path.result.failure === undefined ? {} : { detail: path.result.failure.message }) });
        if (rep?.settles?.some((settled) => !settled.completed)) unsettled.add(name);
      }
    }
  } catch (error) {
    // The error that ended the schedule is the one to report: stopping the warm instances after it
    // may fail too (their namespaces gone with it), and the run's teardown removes them anyway.
    for (const path of paths.values()) await stopInstances(ctx, path.strategy, path.warm).catch(() => {});
    throw error;
  }
  // Warm instances live across blocks; they go before anything else (experiments) builds its own.
  for (const path of paths.values()) await stopInstances(ctx, path.strategy, path.warm);
  for (const path of paths.values()) {
    if (path.result.repetitions.length === 0 && path.result.outcome === 'completed') {
      path.result.outcome = 'skipped';
      path.result.failure = { reason: 'aborted', message: 'run interrupted before this path' };
    } else if (signal.aborted && path.result.outcome === 'completed') {
      path.result.outcome = 'aborted';
    }
    const verification = combineVerifications(path.result.repetitions.flatMap((rep) => (rep.verification === undefined ? [] : [rep.verification])));
    if (verification !== undefined) path.result.verification = verification;
    events.emit({ type: 'path-done', strategy: path.strategy.name, outcome: path.result.outcome, ...(path.result.failure === undefined ? {} : { detail: path.result.failure.message }) });
  }
  return { paths: [...paths.values()].map((path) => path.result), unsettled: [...unsettled] };
}
