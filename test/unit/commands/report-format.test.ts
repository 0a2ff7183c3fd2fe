import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseReportFormat, reportCommand } from '../../../src/commands/report.js';
import { ColdpathError } from '../../../src/errors.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { benchmarkJson } from '../../../src/reports/benchmark-json.js';
import { openMetrics } from '../../../src/reports/openmetrics.js';
import { readRun } from '../../../src/results/store.js';

const FIXTURE = join(PACKAGE_ROOT, 'test', 'fixtures', 'run-small');

/** A copy of the fixture's run directory, so that nothing is written next to the fixture. */
function runCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coldpath-report-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** Runs the command, returning what it printed. */
async function printed(location: string, options: Parameters<typeof reportCommand>[1]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const code = await reportCommand(location, options);
    return { code, stdout: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('coldpath report --format', () => {
  it('accepts files (the default), openmetrics and benchmark-json', () => {
    expect(parseReportFormat(undefined)).toBe('files');
    expect(parseReportFormat('openmetrics')).toBe('openmetrics');
    expect(parseReportFormat('benchmark-json')).toBe('benchmark-json');
  });

  it('rejects anything else with an input error naming --format, echoing the value and listing the valid ones', () => {
    const error = (() => {
      try {
        parseReportFormat('prometheus');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ColdpathError);
    expect((error as ColdpathError).kind).toBe('input');
    expect((error as ColdpathError).field).toBe('--format');
    expect((error as ColdpathError).message).toBe('--format: got "prometheus"; expected one of files, openmetrics, benchmark-json');
  });

  it.each([
    ['openmetrics', openMetrics],
    ['benchmark-json', benchmarkJson],
  ] as const)('%s prints that format to stdout and writes nothing', async (format, render) => {
    const dir = runCopy();
    dirs.push(dir);
    const { code, stdout } = await printed(dir, { format });
    expect(code).toBe(0);
    expect(stdout).toBe(render(readRun(dir)));
    expect(readdirSync(dir)).toEqual(['run.json']);
  });

  it('files writes every report into the run directory, the new formats included', async () => {
    const dir = runCopy();
    dirs.push(dir);
    const { stdout } = await printed(dir, {});
    const written = readdirSync(dir);
    for (const file of ['metrics.prom', 'benchmark.json', 'gre-proxy.keepalive.hlog', 'gre-proxy.keepalive.hgrm', 'summary.csv', 'report.html']) {
      expect(written, file).toContain(file);
      expect(stdout).toContain(join(dir, file));
    }
  });

  it('refuses --out with a printed format before reading the run', async () => {
    await expect(reportCommand('/nonexistent', { format: 'openmetrics', out: '/tmp/x' })).rejects.toThrow(/^--out: writes report files; --format openmetrics prints to stdout$/);
    await expect(reportCommand('/nonexistent', { format: 'xml' })).rejects.toThrow(/^--format: got "xml"/);
  });
});
