/**
 * The run's side of instances.network: cni without root: the order the
 * plugins run in (ADD forwards, DEL backwards, as a runtime does) and the
 * check of the pod network's result against the planned address.
 */
import { describe, expect, it } from 'vitest';
import { checkedHostLinks, cniSteps } from '../../../src/engine/cni-network.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseCniResult } from '../../../src/exec/cni.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { instanceNetworks } from '../../../src/topology/cni-config.js';
import { instanceLayout } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';

const layout = buildLayout(parseScenario({}), 'abcd');
const instance = instanceLayout(layout, 3, 0, 1);
const networks = instanceNetworks(instance, '/run/coldpath/abcd/cni');

const result = (address: string, sandboxIndex = 2): string =>
  JSON.stringify({
    cniVersion: '1.0.0',
    interfaces: [{ name: instance.host.podBridge }, { name: 'veth0a1b2c3d' }, { name: 'eth0', sandbox: '/run/netns/coldpath-abcd-fh0-c3' }],
    ips: [{ interface: sandboxIndex, address: `${address}/24`, gateway: instance.host.podGateway }],
  });

describe('the plugins’ order', () => {
  it('is loopback then bridge for ADD, bridge then loopback for DEL', () => {
    expect(cniSteps('ADD', networks).map((step) => `${step.list.ifname}:${step.plugin.type}`)).toEqual(['lo:loopback', 'eth0:bridge']);
    expect(cniSteps('DEL', networks).map((step) => `${step.list.ifname}:${step.plugin.type}`)).toEqual(['eth0:bridge', 'lo:loopback']);
  });
});

describe('the pod network’s result', () => {
  it('gives the veth’s host end when eth0 got the planned address', () => {
    expect(checkedHostLinks(instance, parseCniResult('bridge', result(instance.podAddress)))).toEqual(['veth0a1b2c3d']);
  });

  it('is an error naming both addresses when eth0 got another one, or none', () => {
    const wrong = (): string[] => checkedHostLinks(instance, parseCniResult('bridge', result('100.64.0.200')));
    expect(wrong).toThrow(ColdpathError);
    expect(wrong).toThrow(`CNI ADD gave instance 3 the address 100.64.0.200 on eth0, not the planned ${instance.podAddress}`);
    expect(() => checkedHostLinks(instance, parseCniResult('bridge', result(instance.podAddress, 1)))).toThrow(/the address \(none\) on eth0/);
    expect(() => checkedHostLinks(instance, undefined)).toThrow(/the address \(none\) on eth0/);
  });
});
