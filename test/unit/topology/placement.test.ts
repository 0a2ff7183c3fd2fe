/**
 * Placement of a layout's nodes on an inventory's machines (src/topology/placement.ts): each
 * rule, and each refusal with the inventory field it names.
 */
import { describe, expect, it } from 'vitest';
import { isColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import type { StrategyName } from '../../../src/scenario/schema.js';
import { buildLayout } from '../../../src/topology/layout.js';
import { machineOf, nicOf, placeNodes } from '../../../src/topology/placement.js';
import { inventoryWith, threeMachines } from './three-machines.js';

const ALL: StrategyName[] = ['baseline', 'eni', 'peering', 'gre-proxy'];

/** The input error `work` throws: field, message, hint. */
function refusal(work: () => unknown): { field: string; message: string; hint: string } {
  try {
    work();
  } catch (error) {
    if (isColdpathError(error) && error.kind === 'input') return { field: error.field ?? '', message: error.message, hint: error.hint ?? '' };
    throw error;
  }
  throw new Error('expected an input error');
}

describe('placeNodes', () => {
  it('spreads function hosts, proxies and user services round-robin; instances follow their host; routers go to the first proxy', () => {
    const scenario = parseScenario({
      functionHosts: 3,
      services: [
        { name: 'a', httpPort: 8080, echoPort: 9000 },
        { name: 'b', httpPort: 8081, echoPort: 9001 },
      ],
    });
    const inventory = parseInventory({
      executor: 'local',
      hosts: [
        { name: 'fn-a', role: 'function-host', nics: { platform: 'eth0', user: 'eth1' } },
        { name: 'px-a', role: 'proxy', nics: { platform: 'eth0', user: 'eth1' } },
        { name: 'fn-b', role: 'function-host', nics: { platform: 'eth0', user: 'eth1' } },
        { name: 'px-b', role: 'proxy', nics: { platform: 'eth0', user: 'eth1' } },
        { name: 'svc-a', role: 'service-host', nics: { user: 'eth0' } },
        { name: 'svc-b', role: 'service-host', nics: { user: 'eth0', platform: 'eth1' } },
      ],
    });
    const placement = placeNodes(buildLayout(scenario, 'abcd'), ALL, inventory);
    const on = (node: string): string => machineOf(placement, node).name;
    expect(['fh0', 'fh1', 'fh2'].map(on)).toEqual(['fn-a', 'fn-b', 'fn-a']);
    expect(['fh1-c0', 'fh2-c17'].map(on)).toEqual(['fn-b', 'fn-a']);
    expect(['px0', 'px1', 'px2'].map(on)).toEqual(['px-a', 'px-b', 'px-a']);
    expect(['us-a', 'us-b'].map(on)).toEqual(['svc-a', 'svc-b']);
    // Baseline services: the service hosts with a platform NIC only.
    expect(['ps-a', 'ps-b'].map(on)).toEqual(['svc-b', 'svc-b']);
    expect(['pvpc', 'uvpc'].map(on)).toEqual(['px-a', 'px-a']);
    expect(nicOf(placement, 'svc-b', 'platform', 'ps-a')).toBe('eth1');
    expect(placement.routers.get('pvpc')).toEqual({ vpc: 'platform', bridge: 'cpabcdbr', mac: '02:ab:cd:00:00:01', peeringDev: 'cpabcdpeer' });
    expect(placement.ports.get('uvpc/cpabcdp1')).toEqual({ node: 'px1', dev: 'eth1' });
    expect(placement.ports.get('pvpc/cpabcdh2')).toEqual({ node: 'fh2', dev: 'eth0' });
  });

  it('baseline services without a service host on the platform VPC go with the platform router', () => {
    const placement = placeNodes(buildLayout(parseScenario({}), 'abcd'), ALL, inventoryWith({ 2: { nics: { user: 'ens6' } } }));
    expect(machineOf(placement, 'ps-svc').name).toBe('proxy-1');
  });

  it('without peering and without a machine on both VPCs, each router goes where its VPC is', () => {
    const inventory = inventoryWith({ 0: { nics: { platform: 'ens5' } }, 1: undefined, 2: { nics: { user: 'ens6' } } });
    const placement = placeNodes(buildLayout(parseScenario({}), 'abcd'), ['baseline'], inventory);
    expect(['pvpc', 'uvpc', 'ps-svc', 'us-svc'].map((node) => machineOf(placement, node).name)).toEqual(['fn-1', 'svc-1', 'fn-1', 'svc-1']);
  });

  it('refuses what the machines cannot hold, naming the field', () => {
    const layout = buildLayout(parseScenario({}), 'abcd');
    const noProxy = inventoryWith({ 1: undefined });
    expect(refusal(() => placeNodes(layout, ['gre-proxy'], noProxy))).toMatchObject({ field: 'hosts', message: expect.stringContaining('gre-proxy strategy needs a machine with role proxy') });
    const split = inventoryWith({ 0: { nics: { platform: 'ens5' } }, 1: undefined, 2: { nics: { user: 'ens6' } } });
    const peering = refusal(() => placeNodes(layout, ['peering'], split));
    expect(peering.field).toBe('hosts');
    expect(peering.message).toContain('peering strategy links the two VPC routers (pvpc, uvpc)');
    expect(peering.hint).toContain('both nics.platform and nics.user');
    const eni = refusal(() => placeNodes(layout, ['eni'], inventoryWith({ 0: { nics: { platform: 'ens5' } } })));
    expect(eni).toMatchObject({ field: 'hosts.0.nics.user', message: expect.stringContaining('function host fn-1 needs its user-VPC NIC') });
    expect(eni.hint).toContain('drop eni');
  });

  it('an unknown node, a proxy without proxy machines and a missing NIC are errors', () => {
    const layout = buildLayout(parseScenario({}), 'abcd');
    const placement = placeNodes(layout, ['baseline'], inventoryWith({ 1: undefined }));
    expect(refusal(() => machineOf(placement, 'nope'))).toMatchObject({ field: 'hosts', message: expect.stringContaining('node "nope" has no machine') });
    expect(refusal(() => machineOf(placement, 'fh9-c0')).message).toContain('"fh9-c0"');
    expect(refusal(() => machineOf(placement, 'px0')).message).toContain('the inventory has no proxy machine');
    const fnOnlyPlatform = placeNodes(layout, ['baseline'], inventoryWith({ 0: { nics: { platform: 'ens5' } } }));
    expect(refusal(() => nicOf(fnOnlyPlatform, 'fn-1', 'user', 'fh0-c0'))).toMatchObject({ field: 'hosts.0.nics.user', hint: 'set nics.user on fn-1' });
  });

  it('the three-machine inventory of the host-plans tests', () => {
    const placement = placeNodes(buildLayout(parseScenario({}), 'abcd'), ALL, threeMachines());
    expect(Object.fromEntries(['fh0', 'pvpc', 'uvpc', 'px0', 'ps-svc', 'us-svc'].map((node) => [node, machineOf(placement, node).name]))).toEqual({
      fh0: 'fn-1',
      pvpc: 'proxy-1',
      uvpc: 'proxy-1',
      px0: 'proxy-1',
      'ps-svc': 'svc-1',
      'us-svc': 'svc-1',
    });
  });
});
