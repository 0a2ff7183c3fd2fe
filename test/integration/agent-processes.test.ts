/**
 * The agent starts processes for real: `coldpath agent` (the built CLI) as a
 * child builds one namespace, `exec` runs `ip -o link` in it, `spawn` starts a
 * JSON-line echo process in it (the kernel says it runs in
 * `coldpath-<tag>-a`, pinned as asked), lines round-trip through the agent, and the
 * tag's ledger records it; `teardown` kills one still running. After `kill -9` of the
 * agent, a process that exits on EOF has gone by itself and the clean pass
 * (`cleanLeftovers`, what `coldpath clean` runs, without its sweep of
 * unledgered namespaces: other runs share this machine) kills the one that
 * ignores EOF and removes the namespace. Ledgers go to a private state
 * directory. Needs root and dist/ (global-setup.ts says so when either is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanLeftovers } from '../../src/kernel/clean.js';
import { Ledger, type LedgerEntry, readLedgerFile } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { undo } from '../../src/kernel/teardown.js';
import { newRunTag } from '../../src/topology/naming.js';
import type { Plan } from '../../src/topology/ops.js';
import { type AgentChild, namespacesOf, rootNamespaceState, startAgentChild } from './helpers.js';

const ONE_NODE: Plan = { title: 'one node', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] };

/** Echoes every JSON line as `{echo: …}` and exits 0 at end of input, as probes and services do. */
const ECHO = [
  'const rl = require("node:readline").createInterface({ input: process.stdin });',
  'rl.on("line", (l) => process.stdout.write(JSON.stringify({ echo: JSON.parse(l) }) + "\\n"));',
  'rl.on("close", () => process.exit(0));',
].join('\n');

/** Says it is ready and keeps running past end of input: only a signal ends it. */
const STUBBORN = 'process.stdin.resume(); process.stdout.write("{\\"ready\\":true}\\n"); setInterval(() => {}, 1000);';

const isEcho = (event: unknown): event is { echo: unknown } => typeof event === 'object' && event !== null && 'echo' in event;
const isReady = (event: unknown): boolean => typeof event === 'object' && event !== null && 'ready' in event;

type Agent = AgentChild;

let dir: string;
const saved = process.env['COLDPATH_STATE_DIR'];
const started: Agent[] = [];
const tags: string[] = [];
const pids: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldpath-state-'));
  process.env['COLDPATH_STATE_DIR'] = dir;
});

afterEach(async () => {
  for (const agent of started.splice(0)) {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  }
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  // Only after a failure is there anything left; the agents are dead, so their ledgers are safe to replay.
  for (const tag of tags.splice(0)) {
    const ledger = Ledger.open(tag);
    if ((await undo(ledger.read())).errors.length === 0) ledger.remove();
  }
  if (saved === undefined) delete process.env['COLDPATH_STATE_DIR'];
  else process.env['COLDPATH_STATE_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

function startAgent(): Agent {
  const agent = startAgentChild({ COLDPATH_STATE_DIR: dir });
  started.push(agent);
  return agent;
}

/** A tag no namespace and no ledger on this machine uses, here or in the shared state directory (other runs share the machine). */
function freshTag(): string {
  for (;;) {
    const tag = newRunTag();
    if (namespacesOf(tag).length === 0 && !existsSync(join(dir, tag)) && !existsSync(join('/run/coldpath', tag))) {
      tags.push(tag);
      return tag;
    }
  }
}

const ledgerOf = (tag: string): LedgerEntry[] => readLedgerFile(join(dir, tag, 'ledger.jsonl'));
const identify = (pid: number): string => spawnSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).stdout.trim();

describe('coldpath agent runs processes in its namespaces', () => {
  it('exec runs a command in the node; spawn starts a recorded JSON-line process there whose lines round-trip; teardown kills one still running', async () => {
    const before = rootNamespaceState();
    const tag = freshTag();
    const agent = startAgent();
    const { client } = agent;
    expect((await client.hello()).accepts).toEqual(expect.arrayContaining(['exec', 'spawn', 'write', 'stop']));
    // Before any apply the tag is not this agent's: nothing is started.
    await expect(client.exec(tag, 'a', ['true'])).rejects.toMatchObject({ field: 'tag' });
    await client.apply(tag, ONE_NODE);
    const netns = `coldpath-${tag}-a`;

    const links = await client.exec(tag, 'a', ['ip', '-o', 'link']);
    expect(links).toMatchObject({ code: 0, signal: null, stderr: '', timedOut: false, stdoutTruncated: false });
    // Only the namespace's own loopback: the command did not run in the root namespace.
    expect(links.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^1: lo: /)]);
    await expect(client.exec(tag, 'b', ['true'])).rejects.toMatchObject({ field: 'node' });

    const echo = await client.spawn(tag, 'a', [process.execPath, '-e', ECHO], { label: 'echo a', cpus: [0] });
    pids.push(echo.pid);
    expect(identify(echo.pid)).toBe(netns);
    // Pinned as asked (`taskset -c 0`, which execs the command: the pid is the process's own). Until taskset has
    // set the affinity and exec'd, the pid is taskset's (seen under load): wait for the exec.
    await vi.waitFor(() => expect(readFileSync(`/proc/${echo.pid}/status`, 'utf8')).toMatch(/^Name:\s+node$/m), { timeout: 5000 });
    expect(readFileSync(`/proc/${echo.pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
    expect(ledgerOf(tag)).toContainEqual({ t: 'process', netns, pid: echo.pid, argv: ['ip', 'netns', 'exec', netns, 'taskset', '-c', '0', process.execPath, '-e', ECHO] });
    for (let i = 0; i < 5; i++) echo.send({ n: i });
    for (let i = 0; i < 5; i++) await expect(echo.next(isEcho, 10_000)).resolves.toEqual({ echo: { n: i } });
    await expect(echo.stop()).resolves.toEqual({ code: 0, signal: null });
    expect(ledgerOf(tag)).toContainEqual({ t: 'process-exit', pid: echo.pid });

    const stubborn = await client.spawn(tag, 'a', [process.execPath, '-e', STUBBORN], { label: 'stubborn a' });
    pids.push(stubborn.pid);
    await stubborn.next(isReady, 10_000);
    const torn = await client.teardown(tag);
    expect(torn.netnsRemoved).toBe(1);
    expect(torn.processesKilled).toBeGreaterThanOrEqual(1);
    expect(stubborn.exitStatus).toEqual({ code: null, signal: expect.stringMatching(/^SIG(TERM|KILL)$/) });
    expect(isAlive(stubborn.pid)).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(dir, tag))).toBe(false);

    await client.shutdown();
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(agent.stderr()).toBe('');
    expect(rootNamespaceState()).toBe(before);
  });

  it('after kill -9 of the agent, a process that exits on EOF is gone and the clean pass kills the one that ignores it and removes the namespace', async () => {
    const before = rootNamespaceState();
    const tag = freshTag();
    const agent = startAgent();
    await agent.client.hello();
    await agent.client.apply(tag, ONE_NODE);
    const echo = await agent.client.spawn(tag, 'a', [process.execPath, '-e', ECHO], { label: 'echo a' });
    const stubborn = await agent.client.spawn(tag, 'a', [process.execPath, '-e', STUBBORN], { label: 'stubborn a' });
    pids.push(echo.pid, stubborn.pid);
    await stubborn.next(isReady, 10_000);

    agent.child.kill('SIGKILL');
    expect(await agent.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The client sees the connection drop: both processes' channels end with its error.
    await expect(stubborn.exited).rejects.toThrow(/closed its output/);
    // The echo process read end of input on its stdin (the agent's end of the pipe is gone) and exited by itself.
    for (let i = 0; i < 100 && isAlive(echo.pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(echo.pid)).toBe(false);
    expect(isAlive(stubborn.pid)).toBe(true);
    expect(identify(stubborn.pid)).toBe(`coldpath-${tag}-a`);

    const report = await cleanLeftovers({ sweepUnledgered: false });
    expect(report.errors).toEqual([]);
    expect(report.runsCleaned).toEqual([tag]);
    expect(report.processesKilled).toBeGreaterThanOrEqual(1);
    expect(report.netnsRemoved).toEqual([`coldpath-${tag}-a`]);
    expect(isAlive(stubborn.pid)).toBe(false);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(dir, tag))).toBe(false);
    expect(rootNamespaceState()).toBe(before);
  });
});
