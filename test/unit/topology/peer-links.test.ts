import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../../../src/topology/instance-plan.js';
import { bridgeMac, buildLayout } from '../../../src/topology/layout.js';
import { peerLinksOutside } from '../../../src/topology/ops.js';

describe('peerLinksOutside', () => {
  const layout = buildLayout(parseScenario({}), 'abcd');
  const instance = instanceLayout(layout, 0, 0, 0);
  const links = containerLinkPlan(instance);

  it("a container's link plan leaves exactly the host-side port on the function host", () => {
    expect(instance.node).toBe('fh0-c0');
    expect(peerLinksOutside(links, instance.node)).toEqual([{ node: 'fh0', dev: instance.hostPort }]);
    expect(instance.hostPort).toBe('cpabcdc0');
  });

  it('seen from the function host, the container end lies outside', () => {
    expect(peerLinksOutside(links, 'fh0')).toEqual([{ node: 'fh0-c0', dev: 'eth0' }]);
  });

  it('nodes the plan does not link, and plans without veth pairs, have none', () => {
    expect(peerLinksOutside(links, 'fh1')).toEqual([]);
    expect(peerLinksOutside(namespacePlan(instance), instance.node)).toEqual([]);
  });

  it('each instance its own port', () => {
    const other = instanceLayout(layout, 3, 0, 1);
    expect(peerLinksOutside(containerLinkPlan(other), other.node)).toEqual([{ node: 'fh0', dev: 'cpabcdc3' }]);
  });
});

describe('bridge addresses', () => {
  // A bridge without a fixed address takes the lowest MAC of its ports: ports of a burst would
  // change the gateway's address under neighbours that cached the old one.
  it('every bridge of the base topology has a fixed, locally administered address, unique in the run', async () => {
    const { basePlan } = await import('../../../src/topology/base-plan.js');
    const layout = buildLayout(parseScenario({ functionHosts: 3 }), '1a2b');
    const bridges = basePlan(layout).ops.filter((op) => op.kind === 'bridge.add');
    expect(bridges).toHaveLength(5);
    const macs = bridges.map((op) => (op.kind === 'bridge.add' ? op.mac : undefined));
    for (const mac of macs) expect(mac).toMatch(/^02:1a:2b:00:00:[0-9a-f]{2}$/);
    expect(new Set(macs).size).toBe(5);
    expect(bridgeMac('1a2b', 16)).toBe('02:1a:2b:00:00:10');
  });
});
