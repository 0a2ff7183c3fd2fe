/**
 * The tenants experiment's order of work against a fake context: the proxy's namespace first, the
 * spec's tunnel checked in every node that will hold one through the driver (`inNode`: across
 * machines, each node's own kernel), and a refusal there an environment error naming the field and
 * the node — nothing of the coordinator's kernel involved.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentContext, TeardownStep } from '../../../src/experiments/context.js';
import { tenants } from '../../../src/experiments/tenants/experiment.js';
import type { TenantsResult } from '../../../src/experiments/types.js';
import type { CommandResult } from '../../../src/exec/run-command.js';
import type { KernelDriver } from '../../../src/kernel/driver.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { experimentSchema, type TenantsSpec } from '../../../src/scenario/experiments.js';
import { buildLayout } from '../../../src/topology/layout.js';
import type { Plan } from '../../../src/topology/ops.js';

const scenario = parseScenario({ tunnel: 'vxlan' });
const layout = buildLayout(scenario, 'abcd');

/** Records plans and commands; `refuse` answers `ip link add` in those nodes as a kernel without the module. */
function fakeContext(refuse: readonly string[] = []) {
  const applied: Plan[] = [];
  const commands: Array<[string, string]> = [];
  const steps: TeardownStep[] = [];
  const driver = {
    apply: async (plan: Plan) => {
      applied.push(plan);
      return { steps: plan.ops.length, startUs: 0, endUs: 0, queuedUs: 0 };
    },
    inNode:
      (node: string) =>
      async (argv: readonly string[]): Promise<CommandResult> => {
        commands.push([node, argv.join(' ')]);
        const refused = refuse.includes(node) && argv[1] === 'link' && argv[2] === 'add';
        return { argv, exitCode: refused ? 2 : 0, stdout: '', stderr: refused ? 'Error: Unknown device type.\n' : '', durationMs: 1 };
      },
  } as unknown as KernelDriver;
  const ctx = {
    scenario,
    layout,
    strategy: { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } },
    driver,
    signal: new AbortController().signal,
    say: () => {},
    addInstances: async () => {
      throw new Error('stop here: instances');
    },
    removeAtEnd: (step: TeardownStep | (() => TeardownStep)) => steps.push(typeof step === 'function' ? step() : step),
  } as unknown as ExperimentContext;
  return { ctx, applied, commands, steps };
}

const spec = (over: Record<string, unknown>): TenantsSpec => experimentSchema.parse({ kind: 'tenants', ...over }) as TenantsSpec;
const result = (s: TenantsSpec): TenantsResult => tenants.describe({} as ExperimentContext, s);

describe('tenants experiment run', () => {
  it("creates the proxy's namespace first, checks the spec's tunnel in each tunnel node through the driver, then the proxy without a second node.add", async () => {
    const { ctx, applied, commands, steps } = fakeContext();
    const s = spec({ tunnel: 'ipip' });
    await expect(tenants.run(ctx, s, result(s), 'experiments.0')).rejects.toThrow('stop here: instances');
    expect(commands).toEqual([
      ['fh0', 'ip link add cpipip0 type ipip local 192.0.2.1 remote 192.0.2.2'],
      ['fh0', 'ip link del cpipip0'],
      ['px0', 'ip link add cpipip0 type ipip local 192.0.2.1 remote 192.0.2.2'],
      ['px0', 'ip link del cpipip0'],
    ]);
    expect(applied[0]?.ops).toEqual([{ kind: 'node.add', node: 'px0', role: 'proxy' }]);
    const proxyOps = applied[1]?.ops ?? [];
    expect(proxyOps.some((op) => op.kind === 'node.add')).toBe(false);
    expect(proxyOps.filter((op) => op.kind === 'tunnel.add').map((op) => (op.kind === 'tunnel.add' ? [op.node, op.type] : []))).toEqual([
      ['px0', 'ipip'],
      ['fh0', 'ipip'],
    ]);
    // Registered before anything exists: the proxy's namespace goes whatever happens next.
    expect(steps[0]?.plan.ops).toContainEqual({ kind: 'node.del', node: 'px0' });
  });

  it("a node whose kernel cannot make the tunnel is an environment error naming the field and the node; only the proxy's namespace was made", async () => {
    const { ctx, applied, steps } = fakeContext(['px0']);
    const s = spec({ tunnel: 'gre' });
    const error = await tenants.run(ctx, s, result(s), 'experiments.2').catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'environment',
      field: 'experiments.2.tunnel',
      message: 'experiments.2.tunnel: the kernel under px0 cannot create gre links (Error: Unknown device type.)',
    });
    expect(applied.map((p) => p.ops.map((op) => op.kind))).toEqual([['node.add']]);
    expect(steps).toHaveLength(1);
  });

  it("checks nothing when the spec's tunnel is the run's", async () => {
    const { ctx, commands } = fakeContext();
    const s = spec({});
    await expect(tenants.run(ctx, s, result(s), 'experiments.0')).rejects.toThrow('stop here: instances');
    expect(commands).toEqual([]);
  });
});
