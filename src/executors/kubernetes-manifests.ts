/**
 * Kubernetes manifests for the node agents of an inventory (issue 12): a
 * namespace and one Pod per machine, pinned to its node by `nodeName`, on the
 * node's own network stack (`hostNetwork`). The coordinator runs
 * `coldpath agent` in each Pod through the API's exec stream; the Pod itself
 * only waits. Plain data here; `coldpath plan --format kubernetes` prints it
 * as YAML, and tests validate it against the Kubernetes API schema.
 */
import type { Inventory, InventoryHost } from '../scenario/inventory.js';

/** Where coldpath keeps its ledger on a machine (kernel/ledger.ts `stateDir()`), shared with the host so `clean` finds leftovers after a Pod is gone. */
const STATE_DIR = '/run/coldpath';

const labelsOf = (host: InventoryHost): Record<string, string> => ({
  'app.kubernetes.io/name': 'coldpath-agent',
  'app.kubernetes.io/part-of': 'coldpath',
  'coldpath/host': host.name,
  'coldpath/role': host.role,
});

export const agentPodName = (host: InventoryHost): string => `coldpath-agent-${host.name}`;

/** The agent's container in its Pod: where the executor runs `coldpath agent`. */
export const AGENT_CONTAINER = 'agent';

/** The label selector that finds `host`'s agent Pod (the labels above), whatever made the Pod. */
export const agentPodSelector = (host: InventoryHost): string => `app.kubernetes.io/name=coldpath-agent,coldpath/host=${host.name}`;

function agentPod(host: InventoryHost, settings: NonNullable<Inventory['kubernetes']>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: agentPodName(host), namespace: settings.namespace, labels: labelsOf(host) },
    spec: {
      // Exactly the machine the inventory names: no scheduling decision to second-guess.
      nodeName: host.node,
      // The paths are built on the machine's own NICs and namespaces, not in a Pod network.
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 5,
      // The agent runs dedicated, tainted benchmark nodes too.
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: AGENT_CONTAINER,
          image: settings.image,
          imagePullPolicy: settings.imagePullPolicy,
          // The coordinator starts `coldpath agent` per session (exec); the Pod only keeps the place.
          command: ['sleep', 'infinity'],
          // Creating network namespaces, veths, tunnels and nft tables on the host's stack, and mounting
          // /run/netns, needs more than NET_ADMIN (SYS_ADMIN for setns/mount): a privileged container.
          securityContext: { privileged: true },
          env: [
            { name: 'COLDPATH_HOST', value: host.name },
            { name: 'COLDPATH_ROLE', value: host.role },
            ...(host.nics.platform === undefined ? [] : [{ name: 'COLDPATH_PLATFORM_NIC', value: host.nics.platform }]),
            ...(host.nics.user === undefined ? [] : [{ name: 'COLDPATH_USER_NIC', value: host.nics.user }]),
          ],
          volumeMounts: [
            // Namespaces made inside must exist on the host (and outlive the Pod for `clean`).
            { name: 'netns', mountPath: '/run/netns', mountPropagation: 'Bidirectional' },
            { name: 'state', mountPath: STATE_DIR },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
      volumes: [
        { name: 'netns', hostPath: { path: '/run/netns', type: 'DirectoryOrCreate' } },
        { name: 'state', hostPath: { path: STATE_DIR, type: 'DirectoryOrCreate' } },
      ],
    },
  };
}

/** The namespace, then one agent Pod per host, in inventory order. */
export function kubernetesManifests(inventory: Inventory): Array<Record<string, unknown>> {
  const settings = inventory.kubernetes;
  if (settings === undefined) throw new Error('kubernetesManifests: the inventory has no kubernetes section (the schema requires it for executor: kubernetes)');
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: settings.namespace, labels: { 'app.kubernetes.io/part-of': 'coldpath' } } },
    ...inventory.hosts.map((host) => agentPod(host, settings)),
  ];
}
