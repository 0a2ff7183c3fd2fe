/**
 * The agent's per-tag sessions, where no kernel is touched (no root needed):
 * a tag claimed on this machine by another process is refused naming `tag`,
 * and a teardown of a tag the agent never applied for has nothing to remove.
 * Ledgers go to a temporary state directory. Real namespaces:
 * test/integration/agent-apply.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TagSessions } from '../../../src/agent/tag-sessions.js';
import { ColdpathError } from '../../../src/errors.js';
import { Ledger, ledgerFilesOf, ownerOf, readLedgerFile } from '../../../src/kernel/ledger.js';
import { startTicksOf } from '../../../src/kernel/processes.js';

let dir: string;
const saved = process.env['COLDPATH_STATE_DIR'];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldpath-state-'));
  process.env['COLDPATH_STATE_DIR'] = dir;
});

afterEach(() => {
  if (saved === undefined) delete process.env['COLDPATH_STATE_DIR'];
  else process.env['COLDPATH_STATE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('TagSessions', () => {
  it('refuses a tag another process has claimed on this machine, naming `tag` and the owner, before any kernel work', async () => {
    Ledger.create('beef', ['coldpath', 'run']);
    const sessions = new TagSessions();
    const error = await sessions.apply('beef', { title: 'x', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ColdpathError);
    expect(error).toMatchObject({ kind: 'input', field: 'tag', message: expect.stringMatching(new RegExp(`^tag: run tag beef is already claimed on this machine \\(by pid ${process.pid}, since `)) });
    expect((error as ColdpathError).hint).toMatch(/coldpath clean/);
    // The other claim is untouched, and the refusal does not block the tag's queue.
    expect(Ledger.open('beef').read()).toHaveLength(1);
    await expect(sessions.teardown('beef')).resolves.toEqual({ netnsRemoved: 0, processesKilled: 0 });
    await sessions.close();
  });

  it('a teardown of a tag it holds nothing for removes nothing (a retried teardown is safe) and leaves other ledgers alone', async () => {
    Ledger.create('cafe', ['coldpath', 'run']);
    const sessions = new TagSessions();
    await expect(sessions.teardown('cafe')).resolves.toEqual({ netnsRemoved: 0, processesKilled: 0 });
    expect(Ledger.open('cafe').read()).toHaveLength(1);
    await sessions.close();
  });

  it("joins the tag of the process that started it (the local executor's coordinator): a ledger of its own in the tag's directory, removed by its teardown", async () => {
    // The coordinator's claim, as the parent of this process would write it.
    const startTicks = startTicksOf(process.ppid);
    mkdirSync(join(dir, 'f00d'));
    writeFileSync(
      join(dir, 'f00d', 'ledger.jsonl'),
      `${JSON.stringify({ t: 'run', tag: 'f00d', pid: process.ppid, ...(startTicks === undefined ? {} : { startTicks }), startedAt: 'then', argv: ['coldpath', 'run'] })}\n`,
    );
    const sessions = new TagSessions();
    // An empty plan claims the session without a kernel step.
    await expect(sessions.apply('f00d', { title: 'nothing', ops: [] })).resolves.toMatchObject({ steps: 0 });
    const files = ledgerFilesOf('f00d');
    expect(files.map((file) => file.slice(dir.length + 1))).toEqual(['f00d/ledger.jsonl', `f00d/agent-${process.pid}.jsonl`]);
    expect(ownerOf(readLedgerFile(files[1]!))).toMatchObject({ pid: process.pid });
    await expect(sessions.teardown('f00d')).resolves.toEqual({ netnsRemoved: 0, processesKilled: 0 });
    // Its own ledger is gone; the coordinator's claim stays the coordinator's.
    expect(existsSync(files[1]!)).toBe(false);
    expect(Ledger.open('f00d').read()).toHaveLength(1);
    await sessions.close();
  });
});
