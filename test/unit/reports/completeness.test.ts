import { describe, expect, it } from 'vitest';
import { missingData } from '../../../src/reports/completeness.js';
import { loadRun, runWithEniFailures } from './helpers.js';

describe('what a run is missing', () => {
  it('is nothing for a completed run', () => {
    expect(missingData(loadRun('run-small'))).toEqual([]);
  });

  it('names the aborted run, the aborted path and what each skipped path lacks', () => {
    expect(missingData(loadRun('run-aborted')).map((gap) => gap.text)).toEqual([
      'The run aborted before it finished. Figures below cover only what was measured.',
      'eni aborted; what it measured before is shown.',
      'eni repetition 1 of 2: missing warm connect, keepalive, newconn, echo.',
      'eni repetition 2 of 2: not run (bursts K = 1, 4; warm connect, keepalive, newconn, echo).',
      'peering skipped (aborted: run interrupted before this path): nothing was measured.',
      'gre-proxy skipped (aborted: run interrupted before this path): nothing was measured.',
    ]);
  });

  it('counts failed instances, whose cold starts are not in the figures', () => {
    const gaps = missingData(runWithEniFailures());
    expect(gaps).toEqual([{ path: 'eni', text: 'eni: 3 of 18 instances failed (eni-quota ×2, subnet-exhausted ×1); cold-start figures cover the 15 that succeeded.' }]);
  });

  it('reports warm measurements that did not complete and paths missing from run.json', () => {
    const run = loadRun('run-small');
    const warm = run.paths[0]?.repetitions[1]?.warm[1];
    if (warm !== undefined) Object.assign(warm, { outcome: 'errored', message: 'probe exited' });
    run.paths.pop();
    expect(missingData(run).map((gap) => gap.text)).toEqual([
      'baseline repetition 2 of 2: warm keepalive errored (probe exited); its histogram holds what was measured before.',
      'gre-proxy is in the scenario but not in run.json: nothing was measured.',
    ]);
  });
});
