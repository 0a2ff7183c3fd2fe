/**
 * Pod placement: which Pod carries a host's agent, and whether it can. The
 * agent Pods are the manifests' (kubernetes-manifests.ts), found by their
 * labels; the one to exec into must be on exactly the node the inventory
 * names (`spec.nodeName`), `Running`, Ready and not being deleted. Anything
 * else is an error naming `hosts.N.node` with the Pod's actual state and the
 * kubectl command that shows more.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { ColdpathError } from '../errors.js';
import type { InventoryHost } from '../scenario/inventory.js';
import { agentPodName, agentPodSelector } from './kubernetes-manifests.js';

/** The Pod an agent session is exec'd into. */
export interface AgentPod {
  namespace: string;
  name: string;
  /** `spec.nodeName`: the node it runs on (the inventory's). */
  node: string;
}

/** Where the host sits in the inventory: its namespace and its field, `hosts.N.node`, for messages. */
export interface PlacementContext {
  namespace: string;
  /** The inventory field of the host's node, e.g. `hosts.0.node`. */
  field: string;
}

const isReady = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const usable = (pod: V1Pod): boolean => pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === 'Running' && isReady(pod);

/** The Pod's state in a few words: phase, a container's waiting or termination reason, readiness, deletion. */
export function podState(pod: V1Pod): string {
  const parts = [`phase ${pod.status?.phase ?? 'unknown'}`];
  if (pod.metadata?.deletionTimestamp !== undefined) parts.push('being deleted');
  for (const container of pod.status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    const terminated = container.state?.terminated;
    if (waiting !== undefined) parts.push(`container ${container.name} waiting: ${waiting.reason ?? 'unknown'}${waiting.message === undefined ? '' : ` (${waiting.message})`}`);
    else if (terminated !== undefined) parts.push(`container ${container.name} terminated: ${terminated.reason ?? `exit code ${terminated.exitCode}`}`);
  }
  const unready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
  if (pod.status?.phase === 'Running' && unready !== undefined) parts.push(`not Ready${unready.reason === undefined ? '' : ` (${unready.reason})`}`);
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  if (unscheduled?.message !== undefined) parts.push(`not scheduled: ${unscheduled.message}`);
  return parts.join(', ');
}

/**
 * Picks `host`'s agent Pod among `pods` (those its labels select): the usable one on the
 * inventory's node; throws a ColdpathError (field `hosts.N.node`) when there is none, saying why.
 */
export function placeAgent(pods: readonly V1Pod[], host: InventoryHost, where: PlacementContext): AgentPod {
  const expected = agentPodName(host);
  const node = host.node ?? '';
  const describe = (pod: V1Pod): string => `kubectl -n ${where.namespace} describe pod ${pod.metadata?.name ?? expected}`;
  if (pods.length === 0) {
    throw new ColdpathError(`${host.name}: no agent pod in namespace ${where.namespace} (expected ${expected}, labels ${agentPodSelector(host)})`, {
      kind: 'environment',
      field: where.field,
      hint: `create the agents: \`coldpath plan --format kubernetes --hosts FILE | kubectl apply -f -\`; \`kubectl -n ${where.namespace} get pods -l coldpath/host=${host.name}\` lists what is there`,
    });
  }
  const onNode = pods.filter((pod) => pod.spec?.nodeName === node);
  const chosen = onNode.find(usable);
  if (chosen !== undefined) return { namespace: where.namespace, name: chosen.metadata?.name ?? expected, node };
  if (onNode.length === 0) {
    const elsewhere = pods.map((pod) => `${pod.metadata?.name ?? '?'} on ${pod.spec?.nodeName === undefined ? 'no node (not scheduled)' : `node ${pod.spec.nodeName}`}`);
    const [first] = pods as [V1Pod];
    throw new ColdpathError(`${host.name}: ${where.field}: the inventory says node ${node}, but the agent pod runs elsewhere: ${elsewhere.join('; ')}`, {
      kind: 'environment',
      field: where.field,
      hint: `the manifests pin each pod with spec.nodeName: correct ${where.field} (\`kubectl get nodes\`), or re-create the pod (\`kubectl -n ${where.namespace} delete pod ${first.metadata?.name ?? expected}\`, then apply the manifests again); ${describe(first)}`,
    });
  }
  // On the right node but not usable (yet): say what state it is in.
  const [pod] = onNode as [V1Pod];
  throw new ColdpathError(`${host.name}: agent pod ${where.namespace}/${pod.metadata?.name ?? expected} on node ${node} is not ready for a session: ${podState(pod)}`, {
    kind: 'environment',
    field: where.field,
    hint: `${describe(pod)} shows why; \`kubectl -n ${where.namespace} wait --for=condition=Ready pod/${pod.metadata?.name ?? expected}\` waits for it`,
  });
}
