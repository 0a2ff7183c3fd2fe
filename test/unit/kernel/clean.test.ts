/**
 * `coldpath clean` with a tag that has two ledgers — its coordinator's and the
 * one its local agent joined (`Ledger.join`) — without root: the ledgers
 * name no namespace that exists, so nothing reaches the kernel, and the sweep
 * of unledgered namespaces is off: run as root beside real runs (CI), it would
 * otherwise remove their namespaces, whose ledgers are not in this test's
 * state directory. The tag is
 * live while either owner lives, and cleaned (both ledgers, the whole
 * directory) once both are gone.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanLeftovers } from '../../../src/kernel/clean.js';
import type { LedgerEntry } from '../../../src/kernel/ledger.js';

/** A pid no process has: above the kernel's pid_max limit (4 194 304). */
const DEAD_PID = 4_194_305;

let dir: string;
const saved = process.env['COLDPATH_STATE_DIR'];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldpath-clean-'));
  process.env['COLDPATH_STATE_DIR'] = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env['COLDPATH_STATE_DIR'];
  else process.env['COLDPATH_STATE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

function write(tag: string, file: string, pid: number, more: LedgerEntry[] = []): void {
  mkdirSync(join(dir, tag), { recursive: true });
  const entries: LedgerEntry[] = [{ t: 'run', tag, pid, startedAt: 'then', argv: ['coldpath'] }, ...more];
  writeFileSync(join(dir, tag, file), entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
}

describe('clean with a joined ledger', () => {
  it('leaves a tag alone while its agent lives, though its coordinator is gone (kill -9: the agent may still finish a plan)', async () => {
    write('abcd', 'ledger.jsonl', DEAD_PID);
    // The vitest runner that started this worker: alive for the whole test.
    write('abcd', 'agent-123.jsonl', process.ppid, [{ t: 'netns', name: 'coldpath-abcd-absent' }]);
    const report = await cleanLeftovers({ graceMs: 10, sweepUnledgered: false });
    expect(report.runsSkipped).toEqual([{ tag: 'abcd', pid: process.ppid }]);
    expect(existsSync(join(dir, 'abcd', 'agent-123.jsonl'))).toBe(true);
  });

  it('cleans both ledgers of a tag once both owners are gone', async () => {
    write('abce', 'ledger.jsonl', DEAD_PID);
    write('abce', 'agent-124.jsonl', DEAD_PID, [{ t: 'netns', name: 'coldpath-abce-absent' }]);
    const report = await cleanLeftovers({ graceMs: 10, sweepUnledgered: false });
    expect(report.runsCleaned).toEqual(['abce']);
    expect(report.errors).toEqual([]);
    expect(existsSync(join(dir, 'abce'))).toBe(false);
  });
});
