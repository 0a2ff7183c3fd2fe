/**
 * The engine's KernelDriver over the agent protocol, without root: an
 * in-process agent over PassThrough streams, its clock shifted by a known
 * offset, with a fake kernel backend that stamps its work on the agent's
 * clock. The driver must hand the engine coordinator-clock timing, send every
 * plan under the run's tag, tear the tag down once and close the connection.
 */
import { mkdtempSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../../src/agent/agent.js';
import { AgentClient } from '../../../src/agent/client.js';
import type { PlanBackend, TeardownCounts } from '../../../src/agent/tag-sessions.js';
import { nowMicros } from '../../../src/clock.js';
import { COLDPATH_VERSION } from '../../../src/env/fingerprint.js';
import { ColdpathError } from '../../../src/errors.js';
import { AgentKernelDriver } from '../../../src/executors/agent-driver.js';
import type { ApplyResult } from '../../../src/kernel/kernel-driver.js';
import { Ledger } from '../../../src/kernel/ledger.js';
import type { Plan } from '../../../src/topology/ops.js';
import { coldpathErrorOf as failure } from '../../coldpath-error.js';

const OFFSET_US = 3_000_000;
const PLAN: Plan = { title: 'one node', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] };

/** Stamps its "kernel work" on the agent's clock and remembers when it ran on the coordinator's. */
class ClockedBackend implements PlanBackend {
  readonly calls: string[] = [];
  readonly truth: Array<{ startUs: number; endUs: number }> = [];
  failWith: Error | undefined;
  teardownFails = false;

  async apply(tag: string, plan: Plan): Promise<ApplyResult> {
    this.calls.push(`apply ${tag} ${plan.title}`);
    if (this.failWith !== undefined) throw this.failWith;
    const startUs = nowMicros();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const endUs = nowMicros();
    this.truth.push({ startUs, endUs });
    return { steps: plan.ops.length, startUs: startUs + OFFSET_US, endUs: endUs + OFFSET_US, queuedUs: 0 };
  }

  async teardown(tag: string): Promise<TeardownCounts> {
    this.calls.push(`teardown ${tag}`);
    if (this.teardownFails) throw new ColdpathError('RTNETLINK answers: Device or resource busy', { kind: 'command' });
    return { netnsRemoved: 1, processesKilled: 0 };
  }

  async session(tag: string, node: string, open: boolean): Promise<void> {
    this.calls.push(`session ${tag} ${node} ${open ? 'open' : 'close'}`);
  }

  async close(): Promise<void> {
    this.calls.push('close');
  }
}

describe('AgentKernelDriver', () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env['COLDPATH_STATE_DIR'];
    process.env['COLDPATH_STATE_DIR'] = mkdtempSync(join(tmpdir(), 'agent-driver-'));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env['COLDPATH_STATE_DIR'];
    else process.env['COLDPATH_STATE_DIR'] = previous;
  });

  async function driverWith(backend: ClockedBackend, accepts?: string[]): Promise<{ driver: AgentKernelDriver; closed: () => number; agentDone: Promise<void> }> {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    const agentDone = runAgent({ input: toAgent, output: fromAgent, now: () => nowMicros() + OFFSET_US, backend });
    const client = new AgentClient({ input: fromAgent, output: toAgent, label: 'local' });
    const hello = await client.hello();
    const clock = await client.syncClock(8);
    let closes = 0;
    const close = async (): Promise<void> => {
      closes++;
      await client.shutdown().catch(() => undefined);
      toAgent.end();
    };
    const ledger = Ledger.create('d0d0', ['node', 'coldpath'])!;
    return {
      driver: new AgentKernelDriver({ client, host: 'local', hello: { ...hello, accepts: accepts ?? hello.accepts }, clock, close }, ledger),
      closed: () => closes,
      agentDone,
    };
  }

  it("agentClocks: the connect estimate and one more, with the drift between them, recovering the agent's offset", async () => {
    const { driver } = await driverWith(new ClockedBackend());
    const [agent, ...more] = await driver.agentClocks();
    expect(more).toEqual([]);
    expect(agent).toMatchObject({
      host: 'local',
      protocol: 1,
      pid: process.pid,
      hostname: os.hostname(),
      kernel: os.release(),
      coldpath: COLDPATH_VERSION,
      start: { kind: 'offset' },
      end: { kind: 'offset' },
    });
    // The agent's clock runs OFFSET_US ahead: both estimates bound it, and the drift (none) is within its bound.
    for (const estimate of [agent!.start, agent!.end!]) expect(Math.abs(estimate.offsetUs - OFFSET_US)).toBeLessThanOrEqual(estimate.uncertaintyUs);
    expect(agent!.end!.atUs).toBeGreaterThan(agent!.start.atUs);
    expect(Math.abs(agent!.driftPpm!)).toBeLessThanOrEqual(agent!.driftUncertaintyPpm!);
  });

  it('agentClocks: an end exchange that fails leaves the start estimate alone, without an end', async () => {
    const { driver } = await driverWith(new ClockedBackend());
    await driver.teardown();
    const [agent] = await driver.agentClocks();
    expect(agent?.start.kind).toBe('offset');
    expect(agent?.end).toBeUndefined();
    expect(agent?.driftPpm).toBeUndefined();
  });

  it("applies under the run's tag and returns the kernel work's timing on the coordinator's clock", async () => {
    const backend = new ClockedBackend();
    const { driver } = await driverWith(backend);
    expect(driver.tag).toBe('d0d0');
    expect(driver.netnsOf('fn0')).toBe('coldpath-d0d0-fn0');
    const before = nowMicros();
    const result = await driver.apply(PLAN);
    const after = nowMicros();
    expect(backend.calls).toEqual(['apply d0d0 one node']);
    const truth = backend.truth[0]!;
    // In-process, the estimate's bound is tens of µs; the window clamp keeps the span within the request.
    expect(Math.abs(result.startUs - truth.startUs)).toBeLessThan(5_000);
    expect(Math.abs(result.endUs - truth.endUs)).toBeLessThan(5_000);
    expect(result.startUs).toBeGreaterThanOrEqual(before);
    expect(result.endUs).toBeLessThanOrEqual(after);
    expect(result.endUs).toBeGreaterThanOrEqual(result.startUs);
    expect(result.steps).toBe(1);
    await driver.teardown();
  });

  it('sends session hints in order with the plans, and tears the tag down once, then closes the connection', async () => {
    const backend = new ClockedBackend();
    const { driver, closed, agentDone } = await driverWith(backend);
    driver.openRootSessions(2);
    driver.openSession('fn0');
    // Not awaited by the engine: the agent still runs it before the plan that follows.
    await driver.apply(PLAN);
    await driver.closeSession('fn0');
    await driver.closeAll();
    expect(backend.calls).toEqual(['session d0d0 fn0 open', 'apply d0d0 one node', 'session d0d0 fn0 close']);
    const [first, second] = await Promise.all([driver.teardown(), driver.teardown()]);
    expect(first).toEqual([]);
    expect(second).toEqual([]);
    expect(backend.calls.slice(3)).toEqual(['teardown d0d0', 'close']);
    expect(closed()).toBe(1);
    await expect(agentDone).resolves.toBeUndefined();
  });

  it('sends no session request to an agent that does not accept it (an older agent)', async () => {
    const backend = new ClockedBackend();
    const { driver } = await driverWith(backend, ['hello', 'clock', 'shutdown', 'apply', 'teardown']);
    driver.openSession('fn0');
    await driver.closeSession('fn0');
    await driver.closeAll();
    expect(backend.calls).toEqual([]);
    await driver.teardown();
  });

  it("a refused plan rejects with the agent's reason; a failed teardown is reported, never thrown, and the connection still closes", async () => {
    const backend = new ClockedBackend();
    const { driver, closed } = await driverWith(backend);
    backend.failWith = new ColdpathError('one node: RTNETLINK answers: File exists', { kind: 'command', hint: 'run `coldpath clean`' });
    const error = await failure(driver.apply(PLAN));
    expect(error.message).toMatch(/^local: apply request \d+ refused: one node: RTNETLINK answers: File exists/);
    expect(error.hint).toBe('run `coldpath clean`');
    backend.teardownFails = true;
    const errors = await driver.teardown();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the agent's teardown of run tag d0d0: .*Device or resource busy/);
    expect(closed()).toBe(1);
  });
});
