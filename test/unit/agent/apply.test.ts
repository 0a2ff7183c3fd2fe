/**
 * `apply` and `teardown` without root: the agent in-process with a fake
 * kernel backend. Bad requests are refused before the backend sees them, with
 * the field named; a kernel failure comes back as `failed` with the
 * ColdpathError's message and hint, and the agent keeps serving; clock
 * exchanges are not held up by a running apply; shutdown waits for it and
 * tears nothing down. Real namespaces: test/integration/agent-apply.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../../src/agent/agent.js';
import { AgentClient } from '../../../src/agent/client.js';
import { parseRequestLine } from '../../../src/agent/lines.js';
import type { PlanBackend, TeardownCounts } from '../../../src/agent/tag-sessions.js';
import type { ApplyResult } from '../../../src/kernel/driver.js';
import type { Plan } from '../../../src/topology/ops.js';
import { ColdpathError } from '../../../src/errors.js';
import { coldpathErrorOf as failure } from '../../coldpath-error.js';

const PLAN: Plan = {
  title: 'two nodes',
  ops: [
    { kind: 'node.add', node: 'a', role: 'scratch' },
    { kind: 'node.add', node: 'b', role: 'scratch' },
    { kind: 'veth.add', node: 'a', dev: 'va', peerNode: 'b', peerDev: 'vb' },
  ],
};

/** Records what it was asked; `apply` fails with `failWith` when set, and waits for `gate` when given. */
class FakeBackend implements PlanBackend {
  readonly calls: string[] = [];
  failWith: Error | undefined;
  gate: Promise<void> | undefined;
  closed = false;

  async apply(tag: string, plan: Plan): Promise<ApplyResult> {
    this.calls.push(`apply ${tag} ${plan.title}`);
    if (this.gate !== undefined) await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    return { steps: plan.ops.length, startUs: 100, endUs: 250, queuedUs: 5 };
  }

  async teardown(tag: string): Promise<TeardownCounts> {
    this.calls.push(`teardown ${tag}`);
    return { netnsRemoved: 2, processesKilled: 0 };
  }

  async session(tag: string, node: string, open: boolean): Promise<void> {
    this.calls.push(`session ${tag} ${node} ${open ? 'open' : 'close'}`);
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.closed = true;
  }
}

function connected(backend: PlanBackend): { client: AgentClient; agentDone: Promise<void>; lines: () => unknown[] } {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  let text = '';
  fromAgent.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const agentDone = runAgent({ input: toAgent, output: fromAgent, backend });
  const lines = (): unknown[] =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
  return { client: new AgentClient({ input: fromAgent, output: toAgent, label: 'agent@test' }), agentDone, lines };
}

describe('apply and teardown requests', () => {
  it('parse with a plan and a tag', () => {
    expect(parseRequestLine(JSON.stringify({ id: 1, type: 'apply', tag: 'ab12', plan: PLAN }))).toEqual({ ok: true, request: { id: 1, type: 'apply', tag: 'ab12', plan: PLAN } });
    expect(parseRequestLine('{"id": 2, "type": "teardown", "tag": "ab12"}')).toEqual({ ok: true, request: { id: 2, type: 'teardown', tag: 'ab12' } });
  });

  it('refuse a tag `coldpath clean` would not recognise, naming `tag`', () => {
    for (const tag of ['AB12', 'ab1', 'ab123', 'x/../y', '']) {
      expect(parseRequestLine(JSON.stringify({ id: 3, type: 'apply', tag, plan: PLAN }))).toMatchObject({
        ok: false,
        error: { id: 3, code: 'malformed', field: 'tag', reason: 'tag: expected a run tag: 4 lowercase hex digits, as `coldpath clean` recognises' },
      });
    }
    expect(parseRequestLine('{"id": 4, "type": "teardown", "tag": 12}')).toMatchObject({ ok: false, error: { field: 'tag' } });
  });

  it('refuse a bad plan naming the op and its field', () => {
    const bad = { ...PLAN, ops: [...PLAN.ops, { kind: 'addr.add', node: 'a', dev: 'va', cidr: '10.0.0.1/24 dev lo' }] };
    expect(parseRequestLine(JSON.stringify({ id: 5, type: 'apply', tag: 'ab12', plan: bad }))).toMatchObject({
      ok: false,
      error: { id: 5, code: 'malformed', field: 'plan.ops.3.cidr', reason: 'plan.ops.3.cidr: expected one word (no whitespace)' },
    });
    expect(parseRequestLine(JSON.stringify({ id: 6, type: 'apply', tag: 'ab12', plan: { title: 'x', ops: [{ kind: 'node.add', node: 'a', role: 'vpc', mtu: 1 }] } }))).toMatchObject({
      ok: false,
      error: { field: 'plan.ops.0.mtu', reason: 'plan.ops.0.mtu: unknown field' },
    });
  });
});

describe('session requests', () => {
  it('parse with a tag, a node and open; refuse a node name the kernel driver would not accept, naming `node`', () => {
    expect(parseRequestLine('{"id": 7, "type": "session", "tag": "ab12", "node": "fn0", "open": true}')).toEqual({
      ok: true,
      request: { id: 7, type: 'session', tag: 'ab12', node: 'fn0', open: true },
    });
    expect(parseRequestLine('{"id": 8, "type": "session", "tag": "ab12", "node": "../x", "open": true}')).toMatchObject({ ok: false, error: { id: 8, code: 'malformed', field: 'node' } });
    expect(parseRequestLine('{"id": 9, "type": "session", "tag": "ab12", "node": "fn0"}')).toMatchObject({ ok: false, error: { field: 'open' } });
  });

  it('reach the backend in order with the plans of the tag, and are answered', async () => {
    const backend = new FakeBackend();
    const { client, agentDone } = connected(backend);
    await Promise.all([client.session('ab12', 'fn0', true), client.apply('ab12', PLAN), client.session('ab12', 'fn0', false)]);
    expect(backend.calls).toEqual(['session ab12 fn0 open', 'apply ab12 two nodes', 'session ab12 fn0 close']);
    await client.shutdown();
    await agentDone;
  });
});

describe('the agent applies and tears down through its backend', () => {
  it('answers apply with the timing on its clock and teardown with counts', async () => {
    const backend = new FakeBackend();
    const { client, agentDone } = connected(backend);
    await expect(client.apply('ab12', PLAN)).resolves.toEqual({ steps: 3, startUs: 100, endUs: 250, queuedUs: 5 });
    await expect(client.teardown('ab12')).resolves.toEqual({ netnsRemoved: 2, processesKilled: 0 });
    await client.shutdown();
    await agentDone;
    expect(backend.calls).toEqual(['apply ab12 two nodes', 'teardown ab12', 'close']);
  });

  it('an apply with a bad tag is an error naming `tag`, and never reaches the kernel', async () => {
    const backend = new FakeBackend();
    const { client } = connected(backend);
    const error = await failure(client.apply('ABCD', PLAN));
    expect(error.field).toBe('tag');
    expect(error.message).toBe('agent@test: apply request 1 refused: tag: expected a run tag: 4 lowercase hex digits, as `coldpath clean` recognises (malformed)');
    expect(backend.calls).toEqual([]);
    client.close();
  });

  it("a kernel failure comes back as `failed` with the error's message, hint and stderr, and the agent keeps serving", async () => {
    const backend = new FakeBackend();
    backend.failWith = new ColdpathError('two nodes: RTNETLINK answers: File exists: ip -n coldpath-ab12-a -batch - (line: link add name va type veth peer name vb netns coldpath-ab12-b)', {
      kind: 'command',
      hint: 'a leftover of an earlier run? `coldpath clean`',
      stderr: 'RTNETLINK answers: File exists\nCommand failed -:1',
    });
    const { client, lines } = connected(backend);
    const error = await failure(client.apply('ab12', PLAN));
    expect(error.message).toMatch(/^agent@test: apply request 1 refused: two nodes: RTNETLINK answers: File exists: .* \(failed\)$/);
    expect(error.hint).toBe('a leftover of an earlier run? `coldpath clean`');
    // The machine's own stderr travels too: a caller quotes that kernel's words (the tenants experiment does).
    expect(error.stderr).toBe('RTNETLINK answers: File exists\nCommand failed -:1');
    expect(lines()[0]).toEqual({
      id: 1,
      type: 'error',
      code: 'failed',
      reason: expect.stringMatching(/^two nodes: RTNETLINK answers: File exists/),
      hint: 'a leftover of an earlier run? `coldpath clean`',
      stderr: 'RTNETLINK answers: File exists\nCommand failed -:1',
    });
    backend.failWith = undefined;
    await expect(client.apply('ab12', PLAN)).resolves.toMatchObject({ steps: 3 });
    await client.shutdown();
  });

  it('answers clock exchanges while an apply runs, and shutdown only after the apply has answered; tears nothing down', async () => {
    const backend = new FakeBackend();
    let open: () => void = () => undefined;
    backend.gate = new Promise((resolve) => {
      open = resolve;
    });
    const { client, agentDone, lines } = connected(backend);
    const applied = client.apply('ab12', PLAN);
    await client.clockExchange();
    const stopped = client.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines().map((line) => (line as { type: string }).type)).toEqual(['clock']);
    open();
    await expect(applied).resolves.toMatchObject({ steps: 3 });
    await stopped;
    await agentDone;
    expect(lines().map((line) => (line as { type: string }).type)).toEqual(['clock', 'applied', 'shutdown']);
    expect(backend.calls).toEqual(['apply ab12 two nodes', 'close']);
  });
});
