/**
 * The kubernetes executor's transport (issue 12): one inventory host's agent
 * through the Kubernetes API. The agent Pod (kubernetes-manifests.ts) is
 * found by its labels and checked to be Running, Ready and on the node the
 * inventory names; `coldpath agent` is then exec'd in it over a websocket
 * (kubernetes-session.ts), and the connection is checked as ssh's is: hello
 * (protocol version), then a clock sync. The result is an AgentConnection
 * like ssh's and the local one, so nothing above can tell the transports
 * apart. The cluster is kubectl's own unless the inventory's `kubernetes`
 * section names a kubeconfig or a context (docs/kubernetes.md).
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../agent/client.js';
import { AGENT_PROTOCOL_VERSION } from '../agent/protocol.js';
import { ColdpathError, isColdpathError } from '../errors.js';
import type { InventoryHost } from '../scenario/inventory.js';
import type { AgentConnection } from './agent-connection.js';
import { type KubernetesSettings, loadKubeConfig } from './kubernetes-config.js';
import { describeHttpFailure, hintForHttp, networkCodeOf } from './kubernetes-failures.js';
import { agentPodSelector, AGENT_CONTAINER } from './kubernetes-manifests.js';
import { type AgentPod, placeAgent } from './kubernetes-placement.js';
import { openExecSession } from './kubernetes-session.js';
import type { ConnectOptions } from './ssh.js';

/** What runs in the agent's container: the image of docs/kubernetes.md has coldpath on its PATH. */
export const AGENT_COMMAND: readonly string[] = ['coldpath', 'agent'];

/** Where a host's agent lives: the inventory's `kubernetes` section and the host's own place in it. */
export interface KubernetesTarget {
  settings: KubernetesSettings;
  /** The inventory field of the host's node, e.g. `hosts.0.node`: named by placement errors. */
  field: string;
  /** An already-loaded kubeconfig; default loaded from `settings` (`kubeconfig`, `context`, else kubectl's default). */
  config?: KubeConfig;
}

/**
 * Connects to `host`'s agent through the API: placement checked, exec opened, hello (protocol
 * checked) and a clock sync. `options.wrapper` has no meaning here (nothing is spawned) and is
 * ignored; `requestTimeoutMs` (default 10 s) bounds the pod lookup, the exec upgrade and each
 * request. Rejects with a ColdpathError naming the host (and the pod, once found); the exec
 * stream is closed by then.
 */
export async function connectKubernetes(host: InventoryHost, target: KubernetesTarget, options: ConnectOptions = {}): Promise<AgentConnection> {
  const config = target.config ?? loadKubeConfig(target.settings);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const namespace = target.settings.namespace;
  const pods = await listAgentPods(config, host, namespace, timeoutMs);
  const pod = placeAgent(pods, host, { namespace, field: target.field });
  const session = await openExecSession(config, { host: host.name, pod, command: AGENT_COMMAND, timeoutMs });
  const { client } = session;
  const argv = kubectlArgv(pod);
  try {
    const hello = await client.hello();
    if (hello.protocol !== AGENT_PROTOCOL_VERSION)
      throw new ColdpathError(`${host.name}: the agent in pod ${namespace}/${pod.name} speaks protocol ${hello.protocol}, this coordinator ${AGENT_PROTOCOL_VERSION}`, {
        kind: 'runtime',
        hint: 'build the agents’ image from the same coldpath version as the coordinator',
      });
    const clock = await client.syncClock(options.clockSamples);
    return { host: host.name, client, hello, clock, pid: undefined, argv, stderr: session.stderr, exited: session.exited, close: session.close };
  } catch (error) {
    await session.abort();
    throw connectError(host, pod, argv, error, session.agentSpoke(), session.stderr());
  }
}

/**
 * Connects every host of an inventory with one kubeconfig, loaded now (from `settings`); each host's
 * errors name its `hosts.N.node`, N its index in `hosts`.
 */
export function kubernetesConnector(settings: KubernetesSettings, hosts: readonly InventoryHost[]): (host: InventoryHost, options: ConnectOptions) => Promise<AgentConnection> {
  const config = loadKubeConfig(settings);
  return (host, options) => connectKubernetes(host, { settings, field: `hosts.${hosts.findIndex((h) => h.name === host.name)}.node`, config }, options);
}

/** The kubectl command that does what the session does, for messages and logs (nothing is spawned). */
export function kubectlArgv(pod: AgentPod): string[] {
  return ['kubectl', '-n', pod.namespace, 'exec', '-i', pod.name, '-c', AGENT_CONTAINER, '--', ...AGENT_COMMAND];
}

/** The Pods the host's labels select in the namespace; the API's refusal or silence becomes a ColdpathError naming the server. */
async function listAgentPods(config: KubeConfig, host: InventoryHost, namespace: string, timeoutMs: number): Promise<V1Pod[]> {
  const server = config.getCurrentCluster()?.server ?? 'the API server';
  const api = config.makeApiClient(CoreV1Api);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    const list = await Promise.race([api.listNamespacedPod({ namespace, labelSelector: agentPodSelector(host) }), timeout]);
    return list.items;
  } catch (error) {
    if (error instanceof ApiException) {
      const code = (error as ApiException<unknown>).code;
      throw new ColdpathError(`${host.name}: the API at ${server} refused to list the agent pods in namespace ${namespace}: ${describeHttpFailure(code, (error as ApiException<unknown>).body)}`, {
        kind: 'runtime',
        hint: hintForHttp(code, namespace),
        cause: error,
      });
    }
    const reason = networkCodeOf(error) ?? (error instanceof Error ? error.message : String(error));
    throw new ColdpathError(`${host.name}: cannot reach the Kubernetes API at ${server}: ${reason}`, {
      kind: 'environment',
      hint: '`kubectl cluster-info` shows whether the API server is reachable with the same kubeconfig; kubernetes.kubeconfig and kubernetes.context choose another',
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

function connectError(host: InventoryHost, pod: AgentPod, argv: readonly string[], error: unknown, agentSpoke: boolean, stderr: string): ColdpathError {
  // The stream's own account (an exit status, a dropped socket) already names the host and pod; so does an agent's refusal.
  if (isColdpathError(error) && (agentSpoke || error.message.includes(`pod ${pod.namespace}/${pod.name}`))) return error;
  const reason = isColdpathError(error) ? error.message.replace(`${host.name}: `, '') : String(error);
  const lastLine = stderr
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .at(-1);
  return new ColdpathError(`${host.name}: exec into pod ${pod.namespace}/${pod.name} failed before the agent answered (${reason})${lastLine === undefined ? '' : `: ${lastLine}`}`, {
    kind: 'runtime',
    command: argv,
    stderr,
    hint: `run it by hand: \`${argv.join(' ')}\` and type {"id":1,"type":"hello","protocol":${AGENT_PROTOCOL_VERSION}}`,
    cause: error,
  });
}
