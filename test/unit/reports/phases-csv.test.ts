import { describe, expect, it } from 'vitest';
import { PHASE_COLUMNS, phasesCsv } from '../../../src/reports/phases-csv.js';
import { summaryCsv } from '../../../src/reports/summary-csv.js';
import { loadRun, runWithEniFailures } from './helpers.js';

/** The fixtures hold no quotes or commas inside fields, so a split is a faithful reader here. */
function rows(csv: string): Array<Record<string, string>> {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const names = (header ?? '').split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i] ?? '', value])));
}

describe('phases.csv', () => {
  it('has one row per instance × phase whose measured durations add up to the instance total', () => {
    const run = loadRun('run-small');
    const table = rows(phasesCsv(run));
    expect(Object.keys(table[0] ?? {})).toEqual([...PHASE_COLUMNS]);
    for (const path of run.paths) {
      for (const rep of path.repetitions) {
        for (const burst of rep.bursts) {
          for (const instance of burst.instances) {
            const own = table.filter((row) => row['path'] === path.strategy && row['instance'] === String(instance.id) && row['repetition_index'] === String(rep.index));
            const measured = own.filter((row) => row['source'] === 'measured');
            expect(measured).toHaveLength(instance.spans.length);
            expect(measured.every((row) => row['burst_size'] === String(burst.size))).toBe(true);
            expect(measured.reduce((sum, row) => sum + Number(row['duration_us']), 0)).toBe(instance.totalUs);
            expect(own.filter((row) => row['source'] === 'modeled').map((row) => row['phase'])).toEqual(instance.modeled.map((step) => step.phase));
          }
        }
      }
    }
  });

  it('places modeled steps back to back in virtual time, after their API throttling', () => {
    const modeled = rows(phasesCsv(runWithEniFailures())).filter((row) => row['source'] === 'modeled' && row['instance'] === '104');
    expect(modeled.map((row) => [row['phase'], row['start_us'], row['end_us'], row['throttle_us']])).toEqual([
      ['eni.create', '800000', '3804000', '800000'],
      ['eni.attach', '4204000', '6204000', '400000'],
    ]);
  });

  it('keeps failed instances, with their reason, even when they have no phase', () => {
    const run = runWithEniFailures();
    const instance = run.paths[1]?.repetitions[1]?.bursts[2]?.instances[5];
    if (instance !== undefined) instance.spans = [];
    const failed = rows(phasesCsv(run)).filter((row) => row['outcome'] === 'failed');
    expect(failed.find((row) => row['instance'] === '105')).toMatchObject({ reason: 'eni-quota', phase: '', source: '' });
    expect(new Set(failed.map((row) => row['reason']))).toEqual(new Set(['eni-quota', 'subnet-exhausted']));
  });
});

describe('summary.csv', () => {
  it('leaves the figures of an empty metric blank rather than 0', () => {
    const modeled = rows(summaryCsv(loadRun('run-small'))).find((row) => row['path'] === 'baseline' && row['metric'] === 'coldstart.modeled');
    expect(modeled).toMatchObject({ count: '0', p50: '', max: '', mean: '' });
  });
});
