/** The commands that list, signal and keep files in a node on its machine (kernel/node-pids.ts, node-files.ts, inspect.ts), without root. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/exec/run-command.js';
import { parsePids } from '../../../src/kernel/inspect.js';
import type { InNode } from '../../../src/kernel/kernel-driver.js';
import { readFileOn, runDirArgv, runDirOn, writeFileOn } from '../../../src/kernel/node-files.js';
import { killAllInNode, listPidsArgv, parseNodePids } from '../../../src/kernel/node-pids.js';
import { signalArgv } from '../../../src/kernel/node-signals.js';

/** A node that is this process's own namespace: the commands run in place (what `ip netns exec` would wrap). */
const here =
  (env: Record<string, string> = {}): InNode =>
  (argv, options = {}) =>
    runCommand([...argv], { reject: false, timeoutMs: options.timeoutMs ?? 5000, ...(options.input === undefined ? {} : { input: options.input }), env });

describe('processes in a node, on its machine', () => {
  it("drops the lister's own pid (the first line) and anything that is not a pid", () => {
    expect(parseNodePids('4242\n17\n4242\n23\n\n')).toEqual([17, 23]);
    expect(parseNodePids('4242\n')).toEqual([]);
    expect(parseNodePids('')).toEqual([]);
    expect(listPidsArgv('coldpath-abcd-px0')).toEqual(['sh', '-c', 'echo "$$"; exec ip netns pids "$0"', 'coldpath-abcd-px0']);
  });

  it('the shell prints its pid, then runs what it execs under the same pid', () => {
    const out = execFileSync('sh', ['-c', 'echo "$$"; exec sh -c \'echo "$$"\''], { encoding: 'utf8' }).trim().split('\n');
    expect(out[0]).toBe(out[1]);
  });

  it('signals by the shell builtin, with the signal name kill -s takes', () => {
    expect(signalArgv('SIGKILL', [12, 13])).toEqual(['sh', '-c', 'kill -s "$0" "$@"', 'KILL', '12', '13']);
    expect(signalArgv('SIGCONT', [])).toEqual(['sh', '-c', 'kill -s "$0" "$@"', 'CONT']);
  });

  it('reads a process list as pids', () => {
    expect(parsePids('101 102\n')).toEqual([101, 102]);
    expect(parsePids('')).toEqual([]);
  });

  it('kills nothing in a node whose processes cannot be listed (its namespace is gone)', async () => {
    const calls: string[][] = [];
    const gone: InNode = async (argv) => {
      calls.push([...argv]);
      return { argv, exitCode: 1, stdout: '', stderr: 'Cannot open network namespace', durationMs: 1 };
    };
    expect(await killAllInNode(gone, 'coldpath-abcd-px0')).toBe(0);
    expect(calls).toHaveLength(1);
  });
});

describe("files on a node's machine, in the run's ledger directory there", () => {
  it("finds the tag's directory under the machine's COLDPATH_STATE_DIR, and refuses a missing one", async () => {
    const state = mkdtempSync(join(tmpdir(), 'coldpath-node-files-'));
    execFileSync('mkdir', [join(state, 'abcd')]);
    expect(await runDirOn(here({ COLDPATH_STATE_DIR: state }), 'abcd', 'px0')).toBe(join(state, 'abcd'));
    await expect(runDirOn(here({ COLDPATH_STATE_DIR: state }), 'ffff', 'px0')).rejects.toMatchObject({ kind: 'runtime', message: expect.stringMatching(/px0: no ledger directory for run tag ffff/) });
    expect(runDirArgv('abcd').slice(-1)).toEqual(['abcd']);
  });

  it('writes and reads a file through commands in the node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coldpath-node-files-'));
    const file = join(dir, 'keepalived-px0.conf');
    await writeFileOn(here(), file, 'global_defs {\n}\n');
    expect(readFileSync(file, 'utf8')).toBe('global_defs {\n}\n');
    expect((await readFileOn(here(), file))?.trim()).toBe('global_defs {\n}');
    expect(await readFileOn(here(), join(dir, 'missing.pid'))).toBeUndefined();
  });
});
