import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ledgerFilesOf, listLedgerTags, ownerOf, undoList, type LedgerEntry } from '../../../src/kernel/ledger.js';

describe('ledger', () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env['COLDPATH_STATE_DIR'];
    process.env['COLDPATH_STATE_DIR'] = mkdtempSync(join(tmpdir(), 'ledger-'));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env['COLDPATH_STATE_DIR'];
    else process.env['COLDPATH_STATE_DIR'] = previous;
  });

  it('claims a tag once: a second run cannot take it', () => {
    const first = Ledger.create('beef', ['node', 'coldpath']);
    expect(first).toBeDefined();
    expect(Ledger.create('beef')).toBeUndefined();
    expect(listLedgerTags()).toEqual(['beef']);
    expect(ownerOf(first!.read())).toMatchObject({ pid: process.pid });
  });

  it('survives a line cut short by a crash', () => {
    const ledger = Ledger.create('cafe')!;
    ledger.append({ t: 'netns', name: 'coldpath-cafe-pvpc' });
    appendFileSync(ledger.file, '{"t":"netns","na');
    expect(ledger.read().filter((entry) => entry.t === 'netns')).toEqual([{ t: 'netns', name: 'coldpath-cafe-pvpc' }]);
  });

  it('undoes in reverse: processes first (skipping those that exited), then namespaces, each once', () => {
    const entries: LedgerEntry[] = [
      { t: 'run', tag: 'abcd', pid: 1, startedAt: '', argv: [] },
      { t: 'netns', name: 'a' },
      { t: 'netns', name: 'b' },
      { t: 'link', netns: 'b', dev: 'x' },
      { t: 'process', netns: 'a', pid: 10, argv: ['p10'] },
      { t: 'process', netns: 'b', pid: 11, argv: ['p11'] },
      { t: 'process-exit', pid: 10 },
      { t: 'netns', name: 'a' },
      { t: 'netns', name: 'c' },
    ];
    expect(undoList(entries)).toEqual({ containers: [], processes: [{ netns: 'b', pid: 11, argv: ['p11'] }], netns: ['c', 'a', 'b'] });
  });

  it('lists the OCI containers not recorded as removed, newest first, before processes and namespaces', () => {
    const entries: LedgerEntry[] = [
      { t: 'run', tag: 'abcd', pid: 1, startedAt: '', argv: [] },
      { t: 'netns', name: 'coldpath-abcd-fh0-c0' },
      { t: 'container', root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c0', bundle: '/run/coldpath/abcd/oci/coldpath-abcd-fh0-c0' },
      { t: 'container', root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c1', bundle: '/run/coldpath/abcd/oci/coldpath-abcd-fh0-c1' },
      { t: 'container', root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c2', bundle: '/run/coldpath/abcd/oci/coldpath-abcd-fh0-c2' },
      { t: 'container-removed', root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c1' },
      // The same id under another root is another container.
      { t: 'container-removed', root: '/elsewhere', id: 'coldpath-abcd-fh0-c0' },
    ];
    expect(undoList(entries).containers.map((container) => container.id)).toEqual(['coldpath-abcd-fh0-c2', 'coldpath-abcd-fh0-c0']);
    expect(undoList(entries).containers[0]).toEqual({ root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c2', bundle: '/run/coldpath/abcd/oci/coldpath-abcd-fh0-c2' });
  });

  it("a joined ledger is a file of its own in the tag's directory, listed after the claimer's, removed alone", () => {
    const claim = Ledger.create('d00d', ['node', 'coldpath', 'run'])!;
    expect(ledgerFilesOf('d00d')).toEqual([claim.file]);
    const joined = Ledger.join('d00d', ['node', 'coldpath', 'agent']);
    expect(joined.joined).toBe(true);
    expect(joined.dir).toBe(claim.dir);
    expect(ledgerFilesOf('d00d')).toEqual([claim.file, join(claim.dir, `agent-${process.pid}.jsonl`)]);
    joined.append({ t: 'netns', name: 'coldpath-d00d-fn0' });
    expect(ownerOf(joined.read())).toMatchObject({ pid: process.pid });
    expect(claim.read()).toHaveLength(1);
    // Joining twice from one process would overwrite its own record: refused.
    expect(() => Ledger.join('d00d')).toThrow();
    joined.remove();
    expect(ledgerFilesOf('d00d')).toEqual([claim.file]);
    expect(listLedgerTags()).toEqual(['d00d']);
  });
});
