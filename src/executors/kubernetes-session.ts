/**
 * One agent session over the Kubernetes API's exec stream: client-node's
 * `Exec` runs the agent command in the agent Pod's container, stdin open, no
 * TTY; channel 1 (stdout) and channel 0 (stdin) become the agent client's
 * streams, channel 2 (stderr) is kept for messages, channel 3 (status) says
 * how the command ended. Once the session is open, a stream that ends without
 * the coordinator asking (the pod deleted, the container killed, the
 * connection dropped) fails every request with one ColdpathError naming the
 * host, the pod and what the API said.
 */
import { PassThrough, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { AgentClient, type Answer, type RequestBody } from '../agent/client.js';
import { ColdpathError } from '../errors.js';
import { DEFAULT_CLOSE_GRACE_MS } from './agent-connection.js';
import { ExecRefused, ExecSocket, type SocketEnd } from './kubernetes-exec-socket.js';
import { type ApiStatus, describeExitStatus, describeHttpFailure, exitCodeOf, hintForHttp, networkCodeOf } from './kubernetes-failures.js';
import { AGENT_CONTAINER } from './kubernetes-manifests.js';
import type { AgentPod } from './kubernetes-placement.js';

/** How much of the agent's stderr is kept (bytes), as for a local or ssh agent. */
const STDERR_KEEP = 64 * 1024;

/** An agent client whose requests, once the exec stream has failed, reject with the stream's reason rather than "closed its output". */
export class ExecAgentClient extends AgentClient {
  /** Why the stream ended unasked; set before the client's input ends, so every waiting request sees it. */
  transportFailure: ColdpathError | undefined;

  override request<B extends RequestBody>(body: B, timeoutMs?: number): Promise<Answer<B['type']>> {
    return super.request(body, timeoutMs).catch((error: unknown) => {
      throw this.transportFailure ?? error;
    });
  }
}

export interface ExecSessionOptions {
  /** The inventory host's name, for messages. */
  host: string;
  pod: AgentPod;
  /** What runs in the container; `['coldpath', 'agent']` for the manifests' image. */
  command: readonly string[];
  /** Bounds the upgrade and each request (ms). */
  timeoutMs: number;
}

/** An exec stream with the agent client on it; nothing checked yet (kubernetes.ts says hello). */
export interface ExecSession {
  readonly client: ExecAgentClient;
  /** Everything the agent wrote on stderr so far (the last 64 KiB). */
  stderr(): string;
  /** Whether the agent wrote anything on stdout yet. */
  agentSpoke(): boolean;
  /** Resolves when the stream has closed: the exit code from the status channel, when it sent one. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Shutdown, end of stdin, then the websocket closed (terminated if it lingers). Idempotent; never throws. */
  close(): Promise<void>;
  /** For a session that never became one (connect failed): no shutdown, the websocket terminated. Never throws. */
  abort(): Promise<void>;
}

const podRef = (pod: AgentPod): string => `pod ${pod.namespace}/${pod.name}`;

/** Opens the exec stream; rejects with a ColdpathError naming the host and pod when the API refuses it or cannot be reached. */
export async function openExecSession(config: KubeConfig, options: ExecSessionOptions): Promise<ExecSession> {
  const { host, pod } = options;
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  let stderrText = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      stderrText = (stderrText + chunk.toString('utf8')).slice(-STDERR_KEEP);
      callback();
    },
  });
  let spoke = false;
  stdout.once('data', () => {
    spoke = true;
  });
  const socket = new ExecSocket(config, {
    timeoutMs: options.timeoutMs,
    onChannelClosed: (channel) => {
      if (channel === 1) stdout.end();
    },
  });
  let status: ApiStatus | undefined;
  let closing = false;
  // Made before the exec opens: frames that arrive with the upgrade (a status at once) must find it listening.
  const client = new ExecAgentClient({ input: stdout, output: stdin, label: host, timeoutMs: options.timeoutMs });
  const failed = (error: ColdpathError): void => {
    if (!closing) client.transportFailure ??= error;
  };
  const onStatus = (received: V1Status): void => {
    status = received as ApiStatus;
    // Before client-node's stdout.end() reaches the client (that is asynchronous), so waiting requests get this reason.
    failed(statusError(options, status, stderrText));
  };

  let ws: Awaited<ReturnType<ExecSocket['connect']>>;
  try {
    ws = await new Exec(config, socket).exec(pod.namespace, pod.name, AGENT_CONTAINER, [...options.command], stdout, stderr, stdin, false, onStatus);
  } catch (error) {
    client.close();
    throw refusalError(options, config, error);
  }
  void socket.ended.then((end) => {
    if (status === undefined) failed(droppedError(options, end, stderrText));
    // A dropped stream sends no status frame, so nothing else ends the client's input.
    if (!stdout.writableEnded) stdout.end();
  });
  const exited = socket.ended.then(() => ({ code: status === undefined ? null : (exitCodeOf(status) ?? null), signal: null }));
  let closed: Promise<void> | undefined;
  const waitEnd = (ms: number): Promise<boolean> => Promise.race([socket.ended.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      if (ws.readyState === ws.OPEN && status === undefined) await client.shutdown(DEFAULT_CLOSE_GRACE_MS).catch(() => undefined);
      client.close();
      // End of stdin ends the agent (v5: a close frame for channel 0; v4: client-node closes the socket).
      stdin.end();
      if (await waitEnd(DEFAULT_CLOSE_GRACE_MS)) return;
      ws.close();
      if (await waitEnd(DEFAULT_CLOSE_GRACE_MS)) return;
      ws.terminate();
      await socket.ended;
    })();
    return closed;
  };
  const abort = async (): Promise<void> => {
    closing = true;
    client.close();
    // The kubelet ends the command when its stream goes: a hung or refusing agent gets no polite shutdown.
    ws.terminate();
    await socket.ended;
  };
  return { client, stderr: () => stderrText, agentSpoke: () => spoke, exited, close, abort };
}

/** The status channel reported the end of the agent's command while the session was open. */
function statusError(options: ExecSessionOptions, status: ApiStatus, stderr: string): ColdpathError {
  const code = exitCodeOf(status);
  return new ColdpathError(`${options.host}: the agent's exec stream in ${podRef(options.pod)} ended: ${describeExitStatus(status)}`, {
    kind: 'runtime',
    ...(code === undefined ? {} : { exitCode: code }),
    stderr,
    hint:
      code === 127 || code === 126
        ? 'the image must have coldpath on its PATH (docs/kubernetes.md builds one); `kubectl exec` into the pod and run `coldpath agent` by hand'
        : `\`kubectl -n ${options.pod.namespace} get pod ${options.pod.name} -o wide\` shows whether the pod is still there; \`kubectl -n ${options.pod.namespace} describe pod ${options.pod.name}\` why it restarted`,
  });
}

/** The websocket closed without a status frame: the API server, the kubelet or the network dropped the stream. */
function droppedError(options: ExecSessionOptions, end: SocketEnd, stderr: string): ColdpathError {
  const how = `websocket close ${end.code}${end.reason === '' ? '' : `: ${end.reason}`}`;
  return new ColdpathError(`${options.host}: the exec stream to ${podRef(options.pod)} closed without an exit status (${how}): the API server, the node or the network dropped it`, {
    kind: 'runtime',
    stderr,
    hint: `\`kubectl -n ${options.pod.namespace} get pod ${options.pod.name} -o wide\` shows whether the pod and its node are still there; \`kubectl cluster-info\` whether the API server is`,
  });
}

/** The exec never opened: the API answered the upgrade with an error, or could not be reached. */
function refusalError(options: ExecSessionOptions, config: KubeConfig, error: unknown): ColdpathError {
  const { host, pod } = options;
  if (error instanceof ExecRefused) {
    return new ColdpathError(`${host}: the API refused the exec into ${podRef(pod)}: ${describeHttpFailure(error.statusCode, error.body)}`, {
      kind: 'runtime',
      hint: hintForHttp(error.statusCode, pod.namespace),
      cause: error,
    });
  }
  const server = config.getCurrentCluster()?.server ?? 'the API server';
  const reason = error instanceof Error ? error.message : String(error);
  return new ColdpathError(`${host}: cannot open the exec stream into ${podRef(pod)} at ${server}: ${networkCodeOf(error) ?? reason}`, {
    kind: 'runtime',
    hint: '`kubectl cluster-info` shows whether the API server is reachable; a proxy or load balancer in front of it must pass websocket upgrades',
    cause: error,
  });
}
