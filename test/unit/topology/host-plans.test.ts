/**
 * Per-machine plans (src/topology/host-plans.ts): the default scenario and every example placed
 * on three machines print as their golden files (`coldpath plan --format hosts --hosts FILE`),
 * and for every plan coldpath builds the split keeps the invariants a machine's agent relies on:
 * no veth crosses machines, every op runs on the machine of its node, nothing of a VPC router's
 * bridge ports is left, each macvlan hangs off its own machine's NIC facing the right VPC.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { planCommand, renderHostPlans, renderPlans, scenarioPlans } from '../../../src/commands/plan.js';
import { isColdpathError } from '../../../src/errors.js';
import { macvlanTemporaryName, namesOtherNetns, renderOp } from '../../../src/kernel/render.js';
import { toShellLine } from '../../../src/kernel/shell.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { loadScenario, parseScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import type { Inventory } from '../../../src/scenario/inventory.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import { haPrewarmPlan, haTeardownPlan } from '../../../src/experiments/failover/proxy-ha.js';
import { addProxyPlan, pinPlan, poolHostsPlan, poolHostsTeardown, poolShape, removeProxyPlan } from '../../../src/experiments/scaling/proxy-pool.js';
import type { ProxyLayout } from '../../../src/topology/layout.js';
import { createStrategy } from '../../../src/strategies/index.js';
import { splitPlan } from '../../../src/topology/host-plans.js';
import { instanceLayout } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';
import type { Op, Plan } from '../../../src/topology/ops.js';
import { machineOf, type Placement, placeNodes } from '../../../src/topology/placement.js';
import { THREE_MACHINES_RAW, threeMachines } from './three-machines.js';

const EXAMPLES = join(PACKAGE_ROOT, 'examples');
const examples = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.yaml') && !name.includes('configmap'))
  .sort();

/** The default scenario, every example, and the default scenario with each tunnel. */
function scenarios(): Array<{ name: string; scenario: Scenario }> {
  return [
    { name: 'default', scenario: parseScenario({}) },
    ...examples.map((name) => ({ name: name.replace(/\.yaml$/, ''), scenario: loadScenario(join(EXAMPLES, name)).scenario })),
    ...(['ipip', 'vxlan'] as const).map((tunnel) => ({ name: `default-${tunnel}`, scenario: parseScenario({ tunnel, functionHosts: 2 }) })),
  ];
}

const TAG = '0000';
const placed = (scenario: Scenario): Placement => placeNodes(buildLayout(scenario, TAG), scenario.strategies, threeMachines());
const nodesOf = (op: Op): string[] => (op.kind === 'veth.add' ? [op.node, op.peerNode] : [op.node]);

/**
 * Golden files for the shapes that differ: every strategy (default), other CIDRs and a second
 * function host (enterprise-vpc), gre-proxy alone (ci-gate). The other examples split into one of
 * these shapes (their services differ, not their plans' structure); the invariants below check them all.
 */
const GOLDEN = new Set(['default', 'enterprise-vpc', 'ci-gate']);

describe('splitPlan: golden per-machine plans on three machines', () => {
  for (const { name, scenario } of scenarios().filter((s) => GOLDEN.has(s.name))) {
    it(`${name}`, async () => {
      await expect(renderHostPlans(scenario, threeMachines())).toMatchFileSnapshot(`__golden__/hosts-${name}.sh`);
    });
  }
});

/** The invariants a machine's agent relies on, checked on one plan's split. */
function checkSplit(plan: Plan, placement: Placement, inventory: Inventory): void {
  const nicsOf = (host: string): Record<string, string | undefined> => inventory.hosts.find((h) => h.name === host)?.nics ?? {};
  const parts = splitPlan(plan, placement);
  expect(new Set(parts.map((p) => p.host)).size, plan.title).toBe(parts.length);
  for (const { host, plan: part } of parts) {
    expect(part.title).toBe(plan.title);
    expect(part.ops.length, `${plan.title} on ${host}: an empty plan is omitted`).toBeGreaterThan(0);
    for (const op of part.ops) {
      for (const node of nodesOf(op)) expect(machineOf(placement, node).name, `${plan.title}: ${JSON.stringify(op)}`).toBe(host);
      const router = placement.routers.get(op.node);
      expect(op.kind === 'bridge.add' && router?.bridge === op.dev, 'a router bridge is a macvlan').toBe(false);
      expect(op.kind === 'link.set' && op.master !== undefined && router !== undefined, 'no port is enslaved to a router bridge').toBe(false);
      if (op.kind === 'veth.add') expect(placement.routers.has(op.node) !== placement.routers.has(op.peerNode), 'no veth is a bridge port').toBe(false);
      if (op.kind === 'macvlan.add') {
        const vpc = router?.vpc ?? (op.dev === 'eth1' || op.dev === 'eni0' || op.node.startsWith('us-') ? 'user' : 'platform');
        expect(op.parent, `${JSON.stringify(op)} on ${host}`).toBe(nicsOf(host)[vpc]);
      }
    }
  }
  // Nothing is lost but the ports: every node made and deleted still is, once.
  const kinds = (ops: readonly Op[], kind: Op['kind']): string[] =>
    ops
      .filter((op) => op.kind === kind)
      .map((op) => op.node)
      .sort();
  const all = parts.flatMap((p) => p.plan.ops);
  for (const kind of ['node.add', 'node.del', 'nft.table', 'tunnel.add'] as const) expect(kinds(all, kind), `${plan.title}: ${kind}`).toEqual(kinds(plan.ops, kind));
}

describe('splitPlan invariants, for every plan coldpath builds', () => {
  for (const { name, scenario } of scenarios()) {
    it(`${name}: no veth crosses machines, every op is on its node's machine, no bridge port is left`, () => {
      const placement = placed(scenario);
      for (const plan of scenarioPlans(scenario)) checkSplit(plan, placement, threeMachines());
    });
  }

  it("the proxy-operations experiments' plans (HA pair, scaling pool) split too, with two proxy machines", () => {
    const scenario = parseScenario({ functionHosts: 2 });
    const layout = buildLayout(scenario, TAG);
    const inventory = parseInventory({
      ...structuredClone(THREE_MACHINES_RAW),
      hosts: [...structuredClone(THREE_MACHINES_RAW.hosts), { name: 'proxy-2', role: 'proxy', nics: { platform: 'ens5', user: 'ens6' } }],
    });
    const placement = placeNodes(layout, scenario.strategies, inventory);
    const ctx = { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } as const };
    const shape = poolShape(ctx);
    const [p0, p1] = layout.proxies as [ProxyLayout, ProxyLayout];
    const plans = [
      haPrewarmPlan(ctx),
      haTeardownPlan(ctx),
      poolHostsPlan(ctx, shape),
      addProxyPlan(ctx, shape, p0),
      addProxyPlan(ctx, shape, p1),
      pinPlan(layout, [p0, p1]),
      removeProxyPlan(ctx, shape, p1),
      poolHostsTeardown(ctx),
    ];
    for (const plan of plans) checkSplit(plan, placement, inventory);
    expect(splitPlan(removeProxyPlan(ctx, shape, p1), placement).find((p) => p.host === 'proxy-2')?.plan.ops).toEqual([
      { kind: 'link.del', node: 'px1', dev: 'eth0' },
      { kind: 'link.del', node: 'px1', dev: 'eth1' },
      { kind: 'node.del', node: 'px1' },
    ]);
  });
});

describe('splitPlan rewrites', () => {
  const scenario = parseScenario({});
  const layout = buildLayout(scenario, TAG);
  const placement = placed(scenario);
  const onHost = (plan: Plan, host: string): Op[] => splitPlan(plan, placement).find((p) => p.host === host)?.plan.ops ?? [];
  const strategy = (name: 'eni' | 'gre-proxy' | 'peering') => createStrategy(name, { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } });

  it("a router's bridge becomes a macvlan child of its machine's NIC with the bridge's name and MAC", () => {
    const base = scenarioPlans(scenario)[0] as Plan;
    expect(onHost(base, 'proxy-1')).toContainEqual({ kind: 'macvlan.add', node: 'pvpc', dev: 'cp0000br', parent: 'ens5', mode: 'bridge', mac: layout.platform.bridgeMac });
    expect(onHost(base, 'proxy-1')).toContainEqual({ kind: 'macvlan.add', node: 'uvpc', dev: 'cp0000br', parent: 'ens6', mode: 'bridge', mac: layout.user.bridgeMac });
    expect(onHost(base, 'fn-1')).toContainEqual({ kind: 'macvlan.add', node: 'fh0', dev: 'eth0', parent: 'ens5', mode: 'bridge' });
    expect(onHost(base, 'svc-1').slice(0, 4)).toEqual([
      { kind: 'node.add', node: 'ps-svc', role: 'service-host' },
      { kind: 'node.add', node: 'us-svc', role: 'service-host' },
      { kind: 'macvlan.add', node: 'ps-svc', dev: 'eth0', parent: 'ens5', mode: 'bridge' },
      { kind: 'macvlan.add', node: 'us-svc', dev: 'eth0', parent: 'ens6', mode: 'bridge' },
    ]);
  });

  it("an ENI is a macvlan of the function host machine's user NIC, inside the instance", () => {
    const attach = strategy('eni').attach(instanceLayout(layout, 3, 0, 0));
    if (!attach.ok) throw new Error(attach.message);
    const parts = splitPlan(attach.plan, placement);
    expect(parts.map((p) => p.host)).toEqual(['fn-1']);
    expect(parts[0]?.plan.ops[0]).toEqual({ kind: 'macvlan.add', node: 'fh0-c3', dev: 'eni0', parent: 'ens6', mode: 'bridge' });
    expect(parts[0]?.plan.ops.some((op) => op.node === 'uvpc')).toBe(false);
  });

  it("gre-proxy's teardown deletes the proxy's macvlan children before its namespace; peering's link stays a veth", () => {
    expect(onHost(strategy('gre-proxy').teardown(), 'proxy-1')).toEqual([
      { kind: 'link.del', node: 'px0', dev: 'eth0' },
      { kind: 'link.del', node: 'px0', dev: 'eth1' },
      { kind: 'node.del', node: 'px0' },
    ]);
    const prewarm = strategy('peering').prewarm();
    if (!prewarm.ok) throw new Error(prewarm.message);
    expect(splitPlan(prewarm.plan, placement).map((p) => p.host)).toEqual(['proxy-1']);
    expect(onHost(prewarm.plan, 'proxy-1')[0]).toEqual(prewarm.plan.ops[0]);
    expect(splitPlan(strategy('peering').teardown(), placement)).toEqual([{ host: 'proxy-1', plan: strategy('peering').teardown() }]);
  });

  it("ops naming a port move to the router's bridge device; an unknown port's deletion goes", () => {
    const plan: Plan = {
      title: 'port ops',
      ops: [
        { kind: 'route.add', node: 'pvpc', dst: '10.9.0.0/16', dev: 'cp0000h0' },
        { kind: 'neigh.replace', node: 'uvpc', dev: 'cp0000s0', address: '198.19.0.4', lladdr: '02:00:00:00:00:09' },
        { kind: 'link.del', node: 'uvpc', dev: 'cp0000e7' },
        { kind: 'link.set', node: 'uvpc', dev: 'cp0000e7', master: 'cp0000br', up: true },
        { kind: 'link.del', node: 'pvpc', dev: 'cp0000peer' },
      ],
    };
    expect(splitPlan(plan, placement)).toEqual([
      {
        host: 'proxy-1',
        plan: {
          title: 'port ops',
          ops: [
            { kind: 'route.add', node: 'pvpc', dst: '10.9.0.0/16', dev: 'cp0000br' },
            { kind: 'neigh.replace', node: 'uvpc', dev: 'cp0000br', address: '198.19.0.4', lladdr: '02:00:00:00:00:09' },
            { kind: 'link.del', node: 'pvpc', dev: 'cp0000peer' },
          ],
        },
      },
    ]);
  });

  it('a veth between nodes on two machines is an error naming both', () => {
    const plan: Plan = { title: 'bad', ops: [{ kind: 'veth.add', node: 'fh0', dev: 'x0', peerNode: 'us-svc', peerDev: 'x1' }] };
    let error: unknown;
    try {
      splitPlan(plan, placement);
    } catch (caught) {
      error = caught;
    }
    expect(isColdpathError(error)).toBe(true);
    expect((error as Error).message).toBe('bad: the veth between fh0 (on fn-1) and us-svc (on svc-1) would cross machines');
  });
});

describe('coldpath plan --format hosts --hosts FILE', () => {
  it("prints each machine's plans; without --hosts the per-node output is unchanged", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cphp-plan-'));
    const file = join(dir, 'hosts.yaml');
    writeFileSync(file, stringifyYaml(THREE_MACHINES_RAW));
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(planCommand(undefined, { format: 'hosts', hosts: file })).toBe(0);
      expect(planCommand(undefined, { format: 'hosts' })).toBe(0);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(written[0]).toBe(renderHostPlans(parseScenario({}), threeMachines()));
    expect(written[1]).toBe(renderPlans(scenarioPlans(parseScenario({})), 'hosts'));
  });
});

describe('macvlan.add renders in the machine’s own context', () => {
  it('`ip link add … netns NS … type macvlan mode bridge` under a temporary name, never batched into a long-lived session, then renamed in the node', () => {
    const commands = renderOp({ kind: 'macvlan.add', node: 'fh0', dev: 'eth0', parent: 'ens5', mode: 'bridge', mac: '02:00:00:00:00:05', mtu: 9001 }, (node) => `coldpath-${TAG}-${node}`);
    const temporary = macvlanTemporaryName('coldpath-0000-fh0', 'eth0');
    expect(temporary).toMatch(/^cpmv[0-9a-f]{8}$/);
    expect(commands.map(toShellLine)).toEqual([
      `ip link add link ens5 name ${temporary} netns coldpath-0000-fh0 address 02:00:00:00:00:05 mtu 9001 type macvlan mode bridge`,
      `ip -n coldpath-0000-fh0 link set dev ${temporary} name eth0`,
    ]);
    expect(commands.slice(0, 1).every(namesOtherNetns)).toBe(true);
  });

  it('a temporary name per node and device, the same every time (Linux before 6.13 refuses `name eth0` where the machine has an eth0)', () => {
    const names = ['fh0/eth0', 'fh1/eth0', 'fh0/eni0', 'px0/eth1'].map((x) => macvlanTemporaryName(`coldpath-0000-${x.split('/')[0]}`, x.split('/')[1] as string));
    expect(new Set(names).size).toBe(4);
    expect(macvlanTemporaryName('coldpath-0000-fh0', 'eth0')).toBe(names[0]);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(15);
  });
});
