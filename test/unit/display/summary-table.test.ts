/** The console's summary: a real server's metrics get one line per kind, named by the kind, only when measured. */
import { describe, expect, it } from 'vitest';
import { summaryTable } from '../../../src/display/console-display.js';
import type { WarmMetric } from '../../../src/scenario/schema.js';
import { currentRun } from '../results/current-run.js';

/** The run with every warm result of the first path also recorded as `metrics` (same figures). */
function withMetrics(metrics: readonly WarmMetric[]) {
  const run = currentRun();
  const path = run.paths[0]!;
  for (const rep of path.repetitions) {
    const template = rep.warm[0]!;
    for (const metric of metrics) rep.warm.push({ ...template, metric });
  }
  return { run, strategy: path.strategy };
}

describe('summaryTable', () => {
  it('has no real-server line when none was measured', () => {
    expect(summaryTable(currentRun())).not.toMatch(/^(redis|postgres|nginx) \(p50/m);
  });

  it('gives each kind measured its own line: redis with both metrics, nginx with http.get', () => {
    const { run, strategy } = withMetrics(['redis.get', 'redis.connect', 'http.get']);
    const text = summaryTable(run);
    expect(text).toMatch(new RegExp(`^redis \\(p50 / p99\\): ${strategy} redis\\.get \\S+ / \\S+, redis\\.connect \\S+ / \\S+$`, 'm'));
    expect(text).toMatch(new RegExp(`^nginx \\(p50 / p99\\): ${strategy} http\\.get \\S+ / \\S+$`, 'm'));
    expect(text).not.toMatch(/^postgres \(p50/m);
  });
});
