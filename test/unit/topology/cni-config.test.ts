/**
 * An instance's CNI network configuration as data (instances.network: cni): a
 * golden, the IPAM range that is the planned pod address alone, state in the
 * run's directory, and what each plugin reads on stdin.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { attachmentNetwork, CNI_IFNAME, CNI_VERSION, instanceNetworks, pluginStdin, podNetwork } from '../../../src/topology/cni-config.js';
import { instanceLayout } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';

const layout = buildLayout(parseScenario({ functionHosts: 2 }), 'abcd');
const instance = instanceLayout(layout, 7, 1, 3);
const DATA_DIR = '/run/coldpath/abcd/cni';

describe('the networks of an instance', () => {
  it('match the golden', async () => {
    await expect(`${JSON.stringify(instanceNetworks(instance, DATA_DIR), null, 2)}\n`).toMatchFileSnapshot('__golden__/cni-networks.json');
  });

  it('are loopback, then the pod network on eth0', () => {
    const [lo, pod] = instanceNetworks(instance, DATA_DIR);
    expect(lo).toEqual({ cniVersion: CNI_VERSION, name: 'coldpath-loopback', ifname: 'lo', plugins: [{ type: 'loopback' }] });
    expect(pod?.ifname).toBe(CNI_IFNAME);
    expect(pod?.plugins.map((plugin) => plugin.type)).toEqual(['bridge']);
  });

  it("use the function host's existing pod bridge, which is not the gateway, with no masquerade and no hairpin", () => {
    const bridge = podNetwork(instance, DATA_DIR).plugins[0];
    expect(bridge).toMatchObject({ type: 'bridge', bridge: instance.host.podBridge, isGateway: false, ipMasq: false, hairpinMode: false });
    expect(instance.host).toBe(layout.hosts[1]);
  });

  it('give host-local a range of exactly the planned pod address, the host’s gateway and a default route, its state in the run’s directory', () => {
    const ipam = podNetwork(instance, DATA_DIR).plugins[0]?.['ipam'];
    expect(ipam).toEqual({
      type: 'host-local',
      ranges: [[{ subnet: instance.host.podSubnet.text, rangeStart: instance.podAddress, rangeEnd: instance.podAddress, gateway: instance.host.podGateway }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: DATA_DIR,
    });
    expect(JSON.stringify(instanceNetworks(instance, DATA_DIR))).not.toMatch(/\/var\/lib\/cni/);
  });

  it('name the pod network after the host, so its instances share one host-local directory', () => {
    const other = instanceLayout(layout, 9, 1, 4);
    expect(podNetwork(other, DATA_DIR).name).toBe(podNetwork(instance, DATA_DIR).name);
    expect(podNetwork(instanceLayout(layout, 8, 0, 4), DATA_DIR).name).not.toBe(podNetwork(instance, DATA_DIR).name);
  });
});

describe("a strategy's attachment (an ENI on the user VPC's bridge)", () => {
  it('is the bridge plugin on that bridge, no gateway, masquerade or hairpin, host-local with the planned address alone and the plan’s routes, state in the run’s directory', () => {
    const attachment = {
      name: 'coldpath-eni-uvpc',
      node: 'uvpc',
      bridge: 'cpabcdub',
      ifname: 'eni0',
      address: '198.19.0.13',
      subnet: '198.19.0.0/24',
      routes: [{ dst: '198.19.0.0/16', gw: '198.19.0.1' }],
    };
    expect(attachmentNetwork(attachment, DATA_DIR)).toEqual({
      cniVersion: CNI_VERSION,
      name: 'coldpath-eni-uvpc',
      ifname: 'eni0',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cpabcdub',
          isGateway: false,
          ipMasq: false,
          hairpinMode: false,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '198.19.0.0/24', rangeStart: '198.19.0.13', rangeEnd: '198.19.0.13' }]],
            routes: [{ dst: '198.19.0.0/16', gw: '198.19.0.1' }],
            dataDir: DATA_DIR,
          },
        },
      ],
    });
  });
});

describe("a plugin's stdin", () => {
  it("is the list's version and name with the plugin's keys, and the previous result when there is one", () => {
    const pod = podNetwork(instance, DATA_DIR);
    const plugin = pod.plugins[0]!;
    const first = pluginStdin(pod, plugin);
    expect(first).toEqual({ cniVersion: CNI_VERSION, name: pod.name, ...plugin });
    expect(first).not.toHaveProperty('prevResult');
    expect(first).not.toHaveProperty('ifname');
    const prev = { cniVersion: CNI_VERSION, interfaces: [] };
    expect(pluginStdin(pod, plugin, prev)['prevResult']).toBe(prev);
  });
});
