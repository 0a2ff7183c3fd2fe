/** The pool's plans: multipoint host tunnels, flow pinning by conntrack mark and policy routing, add and remove. */
import { describe, expect, it } from 'vitest';
import { renderOp } from '../../../src/kernel/render.js';
import { toShellLine } from '../../../src/kernel/shell.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { addProxyPlan, pinPlan, poolHostsPlan, poolHostsTeardown, poolShape, removeProxyPlan } from '../../../src/experiments/scaling/proxy-pool.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { netnsName } from '../../../src/topology/naming.js';
import type { Plan } from '../../../src/topology/ops.js';

const TAG = 'abcd';
const shell = (p: Plan): string[] => p.ops.flatMap((op) => renderOp(op, (node) => netnsName(TAG, node)).map(toShellLine));
const scenario = parseScenario({ functionHosts: 2 });
const layout = buildLayout(scenario, TAG);
const ctx = { scenario, layout, tunnel: { requested: 'vxlan', used: 'vxlan', reason: 'test' } as const };
const shape = poolShape(ctx);
const [px0, px1] = layout.proxies;

describe('proxy pool plans', () => {
  it('hosts: one multipoint tunnel, ip-masq-agent, an empty pinning table', () => {
    const lines = shell(poolHostsPlan(ctx, shape));
    expect(lines).toContain('ip -n coldpath-abcd-fh0 link add name cpabcdtun mtu 1450 type vxlan id 1001 local 198.18.0.16 dstport 4789 dev eth0 ttl 64');
    expect(lines.join('\n')).toContain('jump ip_masq_agent');
    expect(lines.join('\n')).toContain('iifname "cpabcdcbr" ct mark != 0 meta mark set ct mark');
    expect(lines.join('\n')).not.toContain('numgen');
  });

  it('adding a proxy: node with a fixed MAC and a new-flow counter; hosts get neighbour, FDB, table and rule', () => {
    const lines = shell(addProxyPlan(ctx, shape, px1!));
    expect(lines).toContain('ip -n coldpath-abcd-px1 link add name cpabcdtun mtu 1450 address 02:c0:1d:00:01:01 type vxlan id 1001 local 198.18.0.65 dstport 4789 dev eth0 ttl 64');
    expect(lines).toContain('bridge -n coldpath-abcd-fh1 fdb append 02:c0:1d:00:01:01 dev cpabcdtun dst 198.18.0.65');
    expect(lines).toContain('ip -n coldpath-abcd-fh1 neigh replace 100.127.0.2 lladdr 02:c0:1d:00:01:01 dev cpabcdtun');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 route add 198.19.0.0/16 via 100.127.0.2 dev cpabcdtun table 101');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 rule add fwmark 0x101 table 101 priority 1001');
    expect(lines.join('\n')).toContain('iifname "cpabcdtun" ct state new counter name "new_flows"');
    // Only the first proxy is the main table's fallback.
    expect(lines.some((line) => /route add 198\.19\.0\.0\/16 via 100\.127\.0\.2 dev cpabcdtun$/.test(line))).toBe(false);
    expect(shell(addProxyPlan(ctx, shape, px0!))).toContain('ip -n coldpath-abcd-fh0 route add 198.19.0.0/16 via 100.127.0.1 dev cpabcdtun');
  });

  it('pinning: new flows round-robin over the serving proxies by conntrack mark', () => {
    const text = shell(pinPlan(layout, [px0!, px1!])).join('\n');
    expect(text).toContain('iifname "cpabcdcbr" ip daddr 198.19.0.0/16 ct state new ct mark set numgen inc mod 2 map { 0 : 0x100, 1 : 0x101 }');
  });

  it('removing a proxy: rule, table route and neighbour go first, bridge ports before the node', () => {
    const lines = shell(removeProxyPlan(ctx, shape, px1!));
    expect(lines[0]).toBe('ip -n coldpath-abcd-fh0 rule del fwmark 0x101 table 101 priority 1001');
    expect(lines).toContain('ip -n coldpath-abcd-fh0 route del 198.19.0.0/16 table 101');
    expect(lines).toContain('bridge -n coldpath-abcd-fh0 fdb del 02:c0:1d:00:01:01 dev cpabcdtun dst 198.18.0.65');
    expect(lines.indexOf('ip -n coldpath-abcd-pvpc link del dev cpabcdp1')).toBeLessThan(lines.indexOf('ip netns del coldpath-abcd-px1'));
    expect(shell(poolHostsTeardown(ctx))).toContain('ip -n coldpath-abcd-fh1 link del dev cpabcdtun');
  });

  it('GRE: hosts reach each proxy through a neighbour entry on a keyed multipoint device', () => {
    const gre = { ...ctx, tunnel: { requested: 'gre', used: 'gre', reason: 'test' } as const };
    const lines = shell(addProxyPlan(gre, poolShape(gre), px1!));
    expect(lines).toContain('ip -n coldpath-abcd-fh0 neigh replace 100.127.0.2 lladdr 198.18.0.65 dev cpabcdtun');
    expect(lines.join('\n')).not.toContain('address 02:');
  });
});
