/**
 * Plans are data: these snapshots are the exact commands each path runs, in
 * order. A change here is a change to what coldpath does to the kernel.
 */
import { describe, expect, it } from 'vitest';
import { renderPlans, scenarioPlans } from '../../../src/commands/plan.js';
import { renderOp } from '../../../src/kernel/render.js';
import { toShellLine } from '../../../src/kernel/shell.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { createStrategy } from '../../../src/strategies/index.js';
import type { TunnelChoice } from '../../../src/strategies/types.js';
import { basePlan } from '../../../src/topology/base-plan.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { netnsName } from '../../../src/topology/naming.js';
import type { Plan } from '../../../src/topology/ops.js';

const TAG = 'abcd';
const shell = (p: Plan): string[] => p.ops.flatMap((op) => renderOp(op, (node) => netnsName(TAG, node)).map(toShellLine));
const tunnel = (used: 'gre' | 'ipip' | 'vxlan'): TunnelChoice => ({ requested: used, used, reason: 'test' });

describe('plans', () => {
  const scenario = parseScenario({ functionHosts: 2 });
  const layout = buildLayout(scenario, TAG);

  it('base topology', () => {
    expect(shell(basePlan(layout))).toMatchSnapshot();
  });

  it('an instance: namespace, then its veth on the pod bridge', () => {
    const instance = instanceLayout(layout, 7, 1, 3);
    expect(instance.podAddress).toBe('100.64.1.5');
    expect(shell(namespacePlan(instance))).toEqual(['ip netns add coldpath-abcd-fh1-c7']);
    expect(shell(containerLinkPlan(instance))).toMatchSnapshot();
  });

  for (const used of ['gre', 'vxlan', 'ipip'] as const) {
    it(`gre-proxy prewarm over ${used}`, () => {
      const strategy = createStrategy('gre-proxy', { scenario, layout, tunnel: tunnel(used) });
      const prewarm = strategy.prewarm();
      if (!prewarm.ok) throw new Error(prewarm.message);
      expect(prewarm.longLivedNodes).toEqual(['px0']);
      expect(shell(prewarm.plan)).toMatchSnapshot();
    });
  }

  it('gre-proxy uses a keyed multipoint GRE device on the proxy and p2p on hosts', () => {
    const strategy = createStrategy('gre-proxy', { scenario, layout, tunnel: tunnel('gre') });
    const prewarm = strategy.prewarm();
    if (!prewarm.ok) throw new Error(prewarm.message);
    const lines = shell(prewarm.plan);
    expect(lines).toContain('ip -n coldpath-abcd-px0 link add name cpabcdtun mtu 1472 type gre local 198.18.0.64 key 1001 ttl 64 dev eth0');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 link add name cpabcdtun mtu 1472 type gre local 198.18.0.16 remote 198.18.0.64 key 1001 ttl 64 dev eth0');
    expect(lines).toContain('ip -n coldpath-abcd-px0 neigh replace 100.127.0.129 lladdr 198.18.0.17 dev cpabcdtun');
  });

  it("gre-proxy teardown removes the proxies' bridge ports before their namespaces", () => {
    const strategy = createStrategy('gre-proxy', { scenario, layout, tunnel: tunnel('vxlan') });
    expect(shell(strategy.teardown()).slice(-3)).toEqual(['ip -n coldpath-abcd-pvpc link del dev cpabcdp0', 'ip -n coldpath-abcd-uvpc link del dev cpabcdp0', 'ip netns del coldpath-abcd-px0']);
  });

  it('peering prewarm and teardown', () => {
    const strategy = createStrategy('peering', { scenario, layout, tunnel: tunnel('gre') });
    const prewarm = strategy.prewarm();
    if (!prewarm.ok) throw new Error(prewarm.message);
    expect(shell(prewarm.plan)).toMatchSnapshot();
    expect(shell(strategy.teardown())).toEqual(['ip -n coldpath-abcd-pvpc link del dev cpabcdpeer']);
  });

  it('eni attach', () => {
    const strategy = createStrategy('eni', { scenario, layout, tunnel: tunnel('gre') });
    const attach = strategy.attach(instanceLayout(layout, 0, 0, 0));
    if (!attach.ok) throw new Error(attach.message);
    expect(attach.expectedSource).toBe('198.19.0.13');
    expect(shell(attach.plan)).toMatchSnapshot();
  });

  it('eni attach as data for the CNI bridge plugin: the same interface, address, bridge and routes as its plan', () => {
    const strategy = createStrategy('eni', { scenario, layout, tunnel: tunnel('gre') });
    const attach = strategy.attach(instanceLayout(layout, 0, 0, 0));
    if (!attach.ok) throw new Error(attach.message);
    const lines = shell(attach.plan);
    const attachment = attach.bridgeAttachment!;
    expect(attachment).toMatchObject({ node: layout.user.node, bridge: layout.user.bridge, address: attach.expectedSource, subnet: layout.user.subnet.text });
    expect(lines.some((line) => line.includes(`addr add ${attachment.address}/${layout.user.subnet.prefix} dev ${attachment.ifname}`))).toBe(true);
    expect(lines.some((line) => line.includes(`master ${attachment.bridge}`))).toBe(true);
    // The plan's route to the rest of the user VPC, if any, is the attachment's too.
    const planned = lines.filter((line) => line.includes('route add'));
    expect(attachment.routes).toHaveLength(planned.length);
    for (const route of attachment.routes) expect(planned.some((line) => line.includes(`${route.dst} via ${route.gw}`))).toBe(true);
  });

  it('prints a whole scenario as a runnable script, and per node for real hosts', () => {
    const script = renderPlans(scenarioPlans(parseScenario({ strategies: ['gre-proxy'] })), 'shell');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toMatch(/# ── gre-proxy: prewarm/);
    expect(script).toMatch(/ip netns del coldpath-0000-pvpc/);
    const hosts = renderPlans(scenarioPlans(parseScenario({ strategies: ['gre-proxy'] })), 'hosts');
    expect(hosts).toMatch(/\[ "\$NODE" = px0 \] && ip link add name cp0000tun mtu 1472 type gre local 198\.18\.0\.64 key 1001/);
    expect(hosts).not.toMatch(/netns add/);
  });
});
