/**
 * The agent applies plans for real: `coldpath agent` (the built CLI) as a
 * child, driven by the client over its stdio, builds two namespaces joined by
 * a veth pair, a ping crosses it (inside those namespaces only), and
 * `teardown` leaves nothing of the tag. After `kill -9` of the agent,
 * `coldpath clean` removes what it had built, from the ledger the agent wrote.
 * Needs root and dist/ (global-setup.ts says so when either is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isColdpathError } from '../../src/errors.js';
import { Ledger, stateDir } from '../../src/kernel/ledger.js';
import { undo } from '../../src/kernel/teardown.js';
import { newRunTag } from '../../src/topology/naming.js';
import type { Plan } from '../../src/topology/ops.js';
import { type AgentChild, namespacesOf, rootNamespaceState, runCli, startAgentChild } from './helpers.js';

/** Two nodes, a veth pair between them, an address on each end (TEST-NET-1, inside the namespaces only), both ends up. */
const TWO_NODES: Plan = {
  title: 'two nodes joined by a veth',
  ops: [
    { kind: 'node.add', node: 'a', role: 'scratch' },
    { kind: 'node.add', node: 'b', role: 'scratch' },
    { kind: 'veth.add', node: 'a', dev: 'va', peerNode: 'b', peerDev: 'vb' },
    { kind: 'addr.add', node: 'a', dev: 'va', cidr: '192.0.2.1/30' },
    { kind: 'addr.add', node: 'b', dev: 'vb', cidr: '192.0.2.2/30' },
    { kind: 'link.set', node: 'a', dev: 'va', up: true },
    { kind: 'link.set', node: 'b', dev: 'vb', up: true },
  ],
};

type Agent = AgentChild;

const started: Agent[] = [];
/** Tags the tests used: whatever a failed test left of them is removed after it. */
const tags: string[] = [];

function startAgent(): Agent {
  const agent = startAgentChild();
  started.push(agent);
  return agent;
}

/** A tag no namespace and no ledger on this machine uses (other runs may share the machine). */
function freshTag(): string {
  for (;;) {
    const tag = newRunTag();
    if (namespacesOf(tag).length === 0 && !existsSync(join(stateDir(), tag))) {
      tags.push(tag);
      return tag;
    }
  }
}

const netnsList = (): string => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
const addressesIn = (netns: string, dev: string): string[] =>
  (
    JSON.parse(spawnSync('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' }).stdout || '[]') as Array<{
      operstate: string;
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>
  ).flatMap((link) => link.addr_info.map((info) => `${info.local}/${info.prefixlen} ${link.operstate}`));

afterEach(async () => {
  for (const agent of started.splice(0)) {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  }
  // Only after a failure is there anything left; the agents are dead, so their ledgers are safe to replay.
  for (const tag of tags.splice(0)) {
    const ledger = Ledger.open(tag);
    if ((await undo(ledger.read())).errors.length === 0) ledger.remove();
  }
});

describe('coldpath agent applies plans in real namespaces', () => {
  it('apply builds the plan (a ping crosses the veth), a failed command is an error the agent survives, teardown leaves nothing of the tag', async () => {
    const before = rootNamespaceState();
    const tag = freshTag();
    const agent = startAgent();
    const { client } = agent;
    expect((await client.hello()).accepts).toEqual(expect.arrayContaining(['apply', 'teardown']));

    const applied = await client.apply(tag, TWO_NODES);
    expect(applied.steps).toBeGreaterThan(0);
    expect(applied.endUs).toBeGreaterThanOrEqual(applied.startUs);
    const [a, b] = [`coldpath-${tag}-a`, `coldpath-${tag}-b`];
    expect(netnsList()).toContain(a);
    expect(netnsList()).toContain(b);
    expect(addressesIn(a, 'va')).toContain('192.0.2.1/30 UP');
    expect(addressesIn(b, 'vb')).toContain('192.0.2.2/30 UP');
    const ping = spawnSync('ip', ['netns', 'exec', a, 'ping', '-c', '1', '-W', '2', '192.0.2.2'], { encoding: 'utf8' });
    expect(ping.status, ping.stdout + ping.stderr).toBe(0);
    // The ledger is the agent's: `coldpath clean` leaves the tag alone while the agent lives.
    const head = JSON.parse(readFileSync(join(stateDir(), tag, 'ledger.jsonl'), 'utf8').split('\n')[0] ?? '{}') as { t?: string; pid?: number };
    expect(head).toMatchObject({ t: 'run', pid: agent.child.pid });

    // The same address again: the kernel refuses, the agent answers `failed` with iproute2's reason and keeps serving.
    let failure: unknown;
    try {
      await client.apply(tag, { title: 'address again', ops: [{ kind: 'addr.add', node: 'a', dev: 'va', cidr: '192.0.2.1/30' }] });
    } catch (error) {
      failure = error;
    }
    expect(isColdpathError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/^local agent: apply request \d+ refused: address again: .*(File exists|already assigned).* \(failed\)$/);
    await client.clockExchange();

    expect(await client.teardown(tag)).toEqual({ netnsRemoved: 2, processesKilled: 0 });
    expect(namespacesOf(tag)).toEqual([]);
    expect(netnsList()).not.toContain(`coldpath-${tag}-`);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    // A second teardown finds nothing to do: a coordinator may retry safely.
    expect(await client.teardown(tag)).toEqual({ netnsRemoved: 0, processesKilled: 0 });
    await client.shutdown();
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(agent.stderr()).toBe('');
    expect(rootNamespaceState()).toBe(before);
  });

  it('`coldpath clean` leaves a live agent’s tag alone; after kill -9 of the agent, it removes what the agent built', async () => {
    const before = rootNamespaceState();
    const tag = freshTag();
    const agent = startAgent();
    await agent.client.hello();
    await agent.client.apply(tag, TWO_NODES);
    expect(namespacesOf(tag).sort()).toEqual([`coldpath-${tag}-a`, `coldpath-${tag}-b`]);
    // While the agent lives, its tag is a live run's: clean leaves it alone.
    const early = await runCli(['clean']);
    expect(early.stdout).toContain(`run ${tag} is still running (pid ${agent.child.pid}); not touched`);
    expect(namespacesOf(tag)).toHaveLength(2);
    agent.child.kill('SIGKILL');
    expect(await agent.exited).toEqual({ code: null, signal: 'SIGKILL' });
    agent.client.close();
    expect(namespacesOf(tag)).toHaveLength(2);
    expect(existsSync(join(stateDir(), tag))).toBe(true);

    const clean = await runCli(['clean']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed [1-9]\d* namespace/);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    expect(rootNamespaceState()).toBe(before);
  });
});
