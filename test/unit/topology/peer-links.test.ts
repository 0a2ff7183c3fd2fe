import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { containerLinkPlan, instanceLayout, namespacePlan } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';
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
