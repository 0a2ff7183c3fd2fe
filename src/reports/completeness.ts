/**
 * What a run did not measure, in plain words: a run interrupted or partly
 * failed still renders every report from what exists, and each report says
 * what is missing rather than leaving a reader to infer it from short tables.
 * Expected work comes from the resolved scenario echoed in run.json.
 */
import type { PathResult, RunResult } from '../results/types.js';
import { formatReasons, joinWords, plural } from './text.js';

export interface Gap {
  /** The path the gap belongs to; undefined for the run as a whole. */
  path: string | undefined;
  text: string;
}

export function missingData(run: RunResult): Gap[] {
  const gaps: Gap[] = [];
  if (run.outcome !== 'completed') {
    const error = run.error === undefined ? '' : `: ${run.error.message}${run.error.hint === undefined ? '' : ` (hint: ${run.error.hint})`}`;
    gaps.push({ path: undefined, text: `The run ${run.outcome} before it finished${error}. Figures below cover only what was measured.` });
  }
  for (const strategy of run.scenario.strategies) {
    const path = run.paths.find((candidate) => candidate.strategy === strategy);
    if (path === undefined) gaps.push({ path: strategy, text: `${strategy} is in the scenario but not in run.json: nothing was measured.` });
    else gaps.push(...pathGaps(run, path));
  }
  return gaps;
}

function pathGaps(run: RunResult, path: PathResult): Gap[] {
  const gap = (text: string): Gap => ({ path: path.strategy, text });
  const why = path.failure === undefined ? '' : ` (${path.failure.reason}: ${path.failure.message})`;
  if (path.repetitions.length === 0) {
    return path.outcome === 'completed' ? [gap(`${path.strategy}: no repetition recorded.`)] : [gap(`${path.strategy} ${path.outcome}${why}: nothing was measured.`)];
  }
  const gaps: Gap[] = [];
  if (path.outcome !== 'completed') gaps.push(gap(`${path.strategy} ${path.outcome}${why}; what it measured before is shown.`));
  const { sizes } = run.scenario.burst;
  const metrics = run.scenario.workload.metrics;
  for (let index = 0; index < run.scenario.repetitions; index++) {
    const repetition = path.repetitions.find((candidate) => candidate.index === index);
    const label = `${path.strategy} repetition ${index + 1} of ${run.scenario.repetitions}`;
    if (repetition === undefined) {
      gaps.push(gap(`${label}: not run (bursts K = ${sizes.join(', ')}; warm ${metrics.join(', ')}).`));
      continue;
    }
    const missingSizes = sizes.filter((size) => !repetition.bursts.some((burst) => burst.size === size));
    const missingMetrics = metrics.filter((metric) => !repetition.warm.some((warm) => warm.metric === metric));
    const missing = [...(missingSizes.length > 0 ? [`bursts K = ${missingSizes.join(', ')}`] : []), ...(missingMetrics.length > 0 ? [`warm ${missingMetrics.join(', ')}`] : [])];
    if (missing.length > 0) gaps.push(gap(`${label}: missing ${joinWords(missing)}.`));
    for (const warm of repetition.warm) {
      if (warm.outcome !== 'completed')
        gaps.push(gap(`${label}: warm ${warm.metric} ${warm.outcome}${warm.message === undefined ? '' : ` (${warm.message})`}; its histogram holds what was measured before.`));
    }
  }
  const failures: Record<string, number> = {};
  let attempted = 0;
  for (const burst of path.repetitions.flatMap((repetition) => repetition.bursts)) {
    attempted += burst.instances.length;
    for (const instance of burst.instances) if (instance.outcome === 'failed') failures[instance.reason ?? 'unknown'] = (failures[instance.reason ?? 'unknown'] ?? 0) + 1;
  }
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
  if (failed > 0) {
    gaps.push(gap(`${path.strategy}: ${failed} of ${plural(attempted, 'instance')} failed (${formatReasons(failures)}); cold-start figures cover the ${attempted - failed} that succeeded.`));
  }
  return gaps;
}
