import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExitCode } from '../../../src/commands/run.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { readRun } from '../../../src/results/store.js';
import type { RunResult } from '../../../src/results/types.js';

const fixture = (name: string): RunResult => readRun(join(PACKAGE_ROOT, 'test', 'fixtures', name));

describe('coldpath run exit codes', () => {
  it('0 for a completed, verified run; 130/143 when interrupted', () => {
    expect(runExitCode(fixture('run-small'), undefined)).toBe(0);
    expect(runExitCode(fixture('run-aborted'), 'SIGINT')).toBe(130);
    expect(runExitCode(fixture('run-aborted'), 'SIGTERM')).toBe(143);
  });

  it('exits as the error would have when a run stopped on one', () => {
    const errored = (kind: string): RunResult => ({ ...fixture('run-small'), outcome: 'errored', error: { message: 'x', kind } });
    expect(runExitCode(errored('input'), undefined)).toBe(2);
    expect(runExitCode(errored('environment'), undefined)).toBe(3);
    expect(runExitCode(errored('command'), undefined)).toBe(1);
  });

  it('1 when a path took the wrong route, could not be measured, or an experiment failed to run', () => {
    const run = fixture('run-small');
    const wrongPath: RunResult = { ...run, paths: run.paths.map((p, i) => (i === 0 && p.verification !== undefined ? { ...p, verification: { ...p.verification, ok: false } } : p)) };
    expect(runExitCode(wrongPath, undefined)).toBe(1);
    const failedPath: RunResult = { ...run, paths: run.paths.map((p, i) => (i === 1 ? { ...p, outcome: 'failed' as const, failure: { reason: 'setup-error' as const, message: 'x' } } : p)) };
    expect(runExitCode(failedPath, undefined)).toBe(1);
    const failedExperiment = { ...run, experiments: [{ kind: 'mtu', name: 'm', outcome: 'failed', notes: [] }] } as unknown as RunResult;
    expect(runExitCode(failedExperiment, undefined)).toBe(1);
  });
});
