/** Inventory validation and the agents' Kubernetes manifests, checked against the Kubernetes API schema (kubernetes-models). */
import { join } from 'node:path';
import { Namespace, Pod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { kubernetesPlan } from '../../../src/commands/plan.js';
import { isColdpathError } from '../../../src/errors.js';
import { kubernetesManifests } from '../../../src/executors/kubernetes-manifests.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { loadInventory, parseInventory } from '../../../src/scenario/load-inventory.js';

const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'hosts', 'kubernetes.yaml');

const valid = {
  executor: 'kubernetes',
  kubernetes: { image: 'coldpath:dev' },
  hosts: [
    { name: 'fn-1', role: 'function-host', node: 'w1', nics: { platform: 'eth0' } },
    { name: 'proxy-1', role: 'proxy', node: 'w2', nics: { platform: 'eth0', user: 'eth1' } },
    { name: 'svc-1', role: 'service-host', node: 'w3', nics: { user: 'eth0' } },
  ],
};

/** The input error an inventory raises: its field and message. */
function problem(raw: unknown): { field: string; message: string } {
  try {
    parseInventory(raw, 'inv.yaml');
  } catch (error) {
    if (isColdpathError(error)) return { field: error.field ?? '', message: error.message };
    throw error;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory', () => {
  it('reads the example, with defaults filled in', () => {
    const inventory = loadInventory(EXAMPLE);
    expect(inventory.hosts.map((h) => h.role)).toEqual(['function-host', 'proxy', 'service-host']);
    expect(parseInventory(valid).kubernetes?.namespace).toBe('coldpath');
  });

  it('names the field at fault', () => {
    const proxyWithoutUserNic = { ...valid, hosts: valid.hosts.map((h) => (h.role === 'proxy' ? { ...h, nics: { platform: 'eth0' } } : h)) };
    expect(problem(proxyWithoutUserNic)).toMatchObject({ field: 'hosts.1.nics.user' });
    expect(problem(proxyWithoutUserNic).message).toContain('a proxy needs its user-VPC NIC');
    const longNic = { ...valid, hosts: valid.hosts.map((h, i) => (i === 0 ? { ...h, nics: { platform: 'enp0s31f6-longer' } } : h)) };
    expect(problem(longNic)).toMatchObject({ field: 'hosts.0.nics.platform' });
    expect(problem(longNic).message).toContain('"enp0s31f6-longer"');
    expect(problem({ ...valid, hosts: [...valid.hosts, valid.hosts[0]] }).message).toContain('host name "fn-1" is used twice');
    expect(problem({ ...valid, hosts: valid.hosts.slice(1) }).message).toContain('no host has role function-host');
    expect(problem({ ...valid, kubernetes: undefined })).toMatchObject({ field: 'kubernetes' });
    expect(problem({ ...valid, hosts: valid.hosts.map(({ node: _node, ...h }) => h) })).toMatchObject({ field: 'hosts.0.node' });
    expect(problem({ ...valid, executor: 'ssh', kubernetes: undefined })).toMatchObject({ field: 'hosts.0.address' });
    expect(problem({ ...valid, hosts: valid.hosts.map((h, i) => (i === 2 ? { ...h, name: 'Svc_1' } : h)) })).toMatchObject({ field: 'hosts.2.name' });
    expect(problem({ ...valid, extra: 1 }).message).toContain('unknown field "extra"');
  });
});

describe('inventory: how the coordinator reaches the cluster', () => {
  it('kubeconfig and context are optional (kubectl’s own by default), refused empty by name', () => {
    expect(parseInventory(valid).kubernetes).not.toHaveProperty('kubeconfig');
    const chosen = parseInventory({ ...valid, kubernetes: { ...valid.kubernetes, kubeconfig: '/etc/coldpath/kubeconfig', context: 'kind-kind' } }).kubernetes;
    expect(chosen).toMatchObject({ kubeconfig: '/etc/coldpath/kubeconfig', context: 'kind-kind' });
    expect(problem({ ...valid, kubernetes: { ...valid.kubernetes, context: '' } })).toMatchObject({ field: 'kubernetes.context' });
    expect(problem({ ...valid, kubernetes: { ...valid.kubernetes, kubeconfig: '' } })).toMatchObject({ field: 'kubernetes.kubeconfig' });
  });
});

describe('kubernetes manifests', () => {
  it('validate against the Kubernetes API schema', () => {
    const manifests = kubernetesManifests(parseInventory(valid));
    expect(manifests.map((m) => m['kind'])).toEqual(['Namespace', 'Pod', 'Pod', 'Pod']);
    const [namespace, ...pods] = manifests;
    expect(() => new Namespace(namespace as ConstructorParameters<typeof Namespace>[0]).validate()).not.toThrow();
    for (const pod of pods) expect(() => new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate()).not.toThrow();
  });

  it('would catch a malformed Pod (the validator is not a formality)', () => {
    const pod = kubernetesManifests(parseInventory(valid))[1] as { spec: { hostNetwork: unknown } };
    pod.spec.hostNetwork = 'yes';
    expect(() => new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate()).toThrow(/hostNetwork/);
  });

  it('pin each agent to its node, on the host network, with its NICs named', () => {
    const pods = kubernetesManifests(parseInventory(valid)).slice(1) as Array<{ metadata: { name: string }; spec: Record<string, unknown> & { containers: Array<{ env: unknown[] }> } }>;
    expect(pods.map((p) => [p.metadata.name, p.spec['nodeName'], p.spec['hostNetwork']])).toEqual([
      ['coldpath-agent-fn-1', 'w1', true],
      ['coldpath-agent-proxy-1', 'w2', true],
      ['coldpath-agent-svc-1', 'w3', true],
    ]);
    expect(pods[1]?.spec.containers[0]?.env).toContainEqual({ name: 'COLDPATH_USER_NIC', value: 'eth1' });
  });

  it('print as the golden file (coldpath plan --format kubernetes --hosts examples/hosts/kubernetes.yaml)', async () => {
    await expect(kubernetesPlan(EXAMPLE)).toMatchFileSnapshot('__golden__/kubernetes.yaml');
  });

  it('need an inventory for executor: kubernetes', () => {
    expect(() => kubernetesPlan(undefined)).toThrow(/--format kubernetes needs the inventory/);
  });
});
