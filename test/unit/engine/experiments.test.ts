/**
 * The engine's side of experiments, with stand-in plug-ins and a recording
 * kernel driver: what every experiment gets without writing it — outcome,
 * timing, the failure recorded or the run stopped, and teardown of what it
 * registered (last first, evaluated at the end), whatever happened.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import type { Experiment, ExperimentContext } from '../../../src/experiments/index.js';
import type { ExperimentResult } from '../../../src/experiments/types.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { PodSlots } from '../../../src/engine/context.js';
import { RunEvents } from '../../../src/engine/events.js';
import type { KernelDriver } from '../../../src/kernel/driver.js';
import { ControlPlaneModel } from '../../../src/model/control-plane.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { plan, type Plan } from '../../../src/topology/ops.js';

/** What each stand-in experiment does when run, by spec name. */
const behaviours = new Map<string, (ctx: ExperimentContext, result: ExperimentResult) => Promise<void>>();

vi.mock('../../../src/experiments/index.js', () => {
  const standIn: Experiment = {
    kind: 'mtu',
    preflight: () => {},
    describe: (_ctx, spec) => ({ kind: spec.kind, name: spec.name ?? spec.kind, outcome: 'completed', durationMs: 0, notes: [] }) as ExperimentResult,
    run: async (ctx, spec, result) => behaviours.get(spec.name ?? '')?.(ctx, result),
    report: () => ({ blocks: [], charts: [] }),
  };
  return { experimentOf: () => standIn, preflightExperiments: () => {} };
});

const { runExperiments } = await import('../../../src/engine/experiments.js');

const scenario = parseScenario({
  experiments: [
    { kind: 'mtu', name: 'first' },
    { kind: 'mtu', name: 'second' },
  ],
});
const layout = buildLayout(scenario, 'e0e0');
const strategy = { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } } as const;

/** A driver that records each op it applies; an op on node `broken` fails, one on node `gone` is already gone. */
function recordingDriver(applied: string[]): KernelDriver {
  const driver = {
    netnsOf: (node: string) => `cp-e0e0-${node}`,
    apply: async (p: Plan) => {
      for (const op of p.ops) {
        const node = 'node' in op ? op.node : '?';
        if (node === 'broken') throw new ColdpathError('ip failed', { kind: 'command', stderr: 'RTNETLINK answers: Operation not permitted' });
        if (node === 'gone') throw new ColdpathError('ip failed', { kind: 'command', stderr: 'Cannot find device "x"' });
        applied.push(`${p.title}: ${op.kind} ${node}`);
      }
      return { startUs: 0, endUs: 0 };
    },
  };
  return driver as unknown as KernelDriver;
}

function engineContext(applied: string[], signal = new AbortController().signal): EngineContext {
  return {
    scenario,
    layout,
    driver: recordingDriver(applied),
    model: new ControlPlaneModel(scenario),
    placement: { placement: 'none', probes: [], services: [], burstProbes: [] },
    events: new RunEvents(),
    signal,
    pods: new PodSlots(1, 4),
  };
}

const linkDel = (title: string, node: string): Plan => plan(title, [{ kind: 'link.del', node, dev: 'x' }]);

describe('runExperiments', () => {
  beforeEach(() => behaviours.clear());

  it('runs each experiment, times it, and removes what it registered, last first, the deferred step evaluated at the end', async () => {
    const applied: string[] = [];
    let grown = 'px1';
    behaviours.set('first', async (ctx, result) => {
      ctx.removeAtEnd({ plan: linkDel('hosts', 'fh0') });
      ctx.removeAtEnd(() => ({ plan: linkDel('pool', grown) }));
      grown = 'px2';
      result.notes.push('measured');
    });
    const results = await runExperiments(engineContext(applied), new Map(), strategy);
    expect(results.map((r) => [r.name, r.outcome])).toEqual([
      ['first', 'completed'],
      ['second', 'completed'],
    ]);
    expect(results[0]?.notes).toEqual(['measured']);
    expect(results[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(applied).toEqual(['pool: link.del px2', 'hosts: link.del fh0']);
  });

  it('records an expected failure with its hint, still tears down, and goes on with the next experiment', async () => {
    const applied: string[] = [];
    behaviours.set('first', async (ctx, result) => {
      ctx.removeAtEnd({ plan: linkDel('proxy', 'px0') });
      result.notes.push('half measured');
      throw new ColdpathError('the VIP never moved', { kind: 'runtime', hint: 'see keepalived' });
    });
    const results = await runExperiments(engineContext(applied), new Map(), strategy);
    expect(results[0]).toMatchObject({ outcome: 'failed', message: 'the VIP never moved', hint: 'see keepalived', notes: ['half measured'] });
    expect(results[1]?.outcome).toBe('completed');
    expect(applied).toEqual(['proxy: link.del px0']);
  });

  it.each([
    ['an environment error', new ColdpathError('keepalived not found', { kind: 'environment' })],
    ['an input error', new ColdpathError('bad field', { kind: 'input', field: 'experiments.0' })],
    ['a bug', new TypeError('undefined is not a function')],
  ])('stops the run on %s, after tearing down', async (_label, error) => {
    const applied: string[] = [];
    behaviours.set('first', async (ctx) => {
      ctx.removeAtEnd({ plan: linkDel('proxy', 'px0') });
      throw error;
    });
    await expect(runExperiments(engineContext(applied), new Map(), strategy)).rejects.toBe(error);
    expect(applied).toEqual(['proxy: link.del px0']);
  });

  it('an interruption marks the running experiment and every later one aborted', async () => {
    const applied: string[] = [];
    const controller = new AbortController();
    behaviours.set('first', async () => controller.abort());
    const results = await runExperiments(engineContext(applied, controller.signal), new Map(), strategy);
    expect(results.map((r) => [r.outcome, r.message])).toEqual([
      ['aborted', undefined],
      ['aborted', 'run interrupted before this experiment'],
    ]);
  });

  it('teardown ignores objects already gone and notes any other error, without stopping the rest', async () => {
    const applied: string[] = [];
    behaviours.set('first', async (ctx) => {
      ctx.removeAtEnd({
        plan: plan('mixed', [
          { kind: 'link.del', node: 'broken', dev: 'x' },
          { kind: 'link.del', node: 'gone', dev: 'x' },
          { kind: 'link.del', node: 'fh0', dev: 'x' },
        ]),
      });
    });
    const [first] = await runExperiments(engineContext(applied), new Map(), strategy);
    expect(first?.outcome).toBe('completed');
    expect(first?.notes).toEqual(['teardown: ip failed: RTNETLINK answers: Operation not permitted']);
    expect(applied).toEqual(['mixed: link.del fh0']);
  });
});
