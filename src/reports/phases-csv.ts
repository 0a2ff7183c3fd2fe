/**
 * phases.csv: one row per path × repetition × burst size × instance × phase,
 * measured phases and modeled control-plane steps alike, told apart by the
 * `source` column. Times are µs from the burst's t0 (modeled: virtual time).
 * `repetition_index` and `instance` are the run.json `index` and `id`.
 */
import { stringify } from 'csv-stringify/sync';
import { TIMELINE_PHASES, type InstanceResult, type RunResult } from '../results/types.js';
import { placeModeledSteps } from './modeled-timeline.js';

export const PHASE_COLUMNS = ['path', 'repetition_index', 'burst_size', 'instance', 'host', 'outcome', 'reason', 'phase', 'source', 'start_us', 'end_us', 'duration_us', 'throttle_us'] as const;

type Cell = string | number;

export function phasesCsv(run: RunResult): string {
  const records: Cell[][] = [];
  for (const path of run.paths) {
    for (const repetition of path.repetitions) {
      for (const burst of repetition.bursts) {
        for (const instance of burst.instances) {
          const head: Cell[] = [path.strategy, repetition.index, burst.size, instance.id, instance.host, instance.outcome, instance.reason ?? ''];
          const rows = instanceRows(instance);
          // An instance that failed before its first phase still gets a row, so failures are countable here.
          if (rows.length === 0) records.push([...head, '', '', '', '', '', '']);
          for (const row of rows) records.push([...head, ...row]);
        }
      }
    }
  }
  return stringify(records, { header: true, columns: [...PHASE_COLUMNS] });
}

function instanceRows(instance: InstanceResult): Cell[][] {
  const order = (phase: string): number => TIMELINE_PHASES.indexOf(phase as (typeof TIMELINE_PHASES)[number]);
  const measured = [...instance.spans].sort((a, b) => order(a.phase) - order(b.phase));
  const rows: Cell[][] = measured.map((span) =>
    // `queued` is the sum of the gaps between phases, not one interval: it has a duration only.
    span.phase === 'queued' ? [span.phase, 'measured', '', '', span.endUs - span.startUs, ''] : [span.phase, 'measured', span.startUs, span.endUs, span.endUs - span.startUs, ''],
  );
  for (const step of placeModeledSteps(instance.modeled)) {
    rows.push([step.phase, 'modeled', step.startUs, step.endUs, step.durationUs, step.throttleUs]);
  }
  return rows;
}
