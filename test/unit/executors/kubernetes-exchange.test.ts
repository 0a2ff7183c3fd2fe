/**
 * The kubernetes executor against a recorded exchange with the API
 * (test/fixtures/kubernetes/exchange.yaml, written from the API reference —
 * no cluster is reachable here): the REST lookups of the agent pods, and the
 * exec stream on the channel.k8s.io subprotocols with a real agent behind it.
 * Pod placement, a refused exec, a pod deleted or a stream dropped mid-run,
 * and an API server that is not there each end in a ColdpathError that names
 * the host, the pod and what the API said.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION } from '../../../src/agent/protocol.js';
import { closeAll, connectHosts } from '../../../src/executors/connect-hosts.js';
import { connectKubernetes } from '../../../src/executors/kubernetes.js';
import type { Inventory, InventoryHost } from '../../../src/scenario/inventory.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import type { Plan } from '../../../src/topology/ops.js';
import { coldpathErrorOf } from '../../coldpath-error.js';
import { type FakeApiServer, kubeconfigFor, startFakeApi } from './kubernetes-api-server.js';

const PLAN: Plan = { title: 'tiny', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] };
const OFFSET_US = 5_000_000;

let dir: string;
let server: FakeApiServer | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldpath-k8s-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The inventory of fn-1 (on w1) and svc-1 (on w3), its kubeconfig pointing at `url`. */
function inventoryFor(url: string, extra: Record<string, unknown> = {}): Inventory {
  const kubeconfig = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(kubeconfig, kubeconfigFor(url));
  return parseInventory({
    executor: 'kubernetes',
    kubernetes: { image: 'localhost/coldpath:dev', imagePullPolicy: 'Never', kubeconfig, ...extra },
    hosts: [
      { name: 'fn-1', role: 'function-host', node: 'w1', nics: { platform: 'eth0' } },
      { name: 'svc-1', role: 'service-host', node: 'w3', nics: { user: 'eth0' } },
    ],
  });
}

const fn1 = (inventory: Inventory): InventoryHost => inventory.hosts[0] as InventoryHost;

/** Connects fn-1 alone (hosts.0) through the API of the `name` case. */
async function startCase(name: string): Promise<{ inventory: Inventory; connect: () => ReturnType<typeof connectKubernetes> }> {
  server = await startFakeApi(name, OFFSET_US);
  const inventory = inventoryFor(server.url);
  const settings = inventory.kubernetes;
  if (settings === undefined) throw new Error('no kubernetes section');
  return { inventory, connect: () => connectKubernetes(fn1(inventory), { settings, field: 'hosts.0.node' }, { clockSamples: 4 }) };
}

describe('kubernetes executor, recorded exchange', () => {
  it('connects every host through the API: pods found by label, exec on v5, hello, clock, a plan applied, closed', async () => {
    server = await startFakeApi('happy', OFFSET_US);
    const inventory = inventoryFor(server.url);
    const connections = await connectHosts(inventory, { clockSamples: 4 });
    expect(connections.map((c) => c.host)).toEqual(['fn-1', 'svc-1']);
    const [fn, svc] = connections as [(typeof connections)[0], (typeof connections)[0]];
    expect(fn.hello.protocol).toBe(AGENT_PROTOCOL_VERSION);
    expect(fn.hello.pid).toBe(process.pid); // the in-process agent behind the stream
    // The agent's clock runs 5 s ahead: the estimate finds it within the bound it states.
    for (const connection of connections) expect(Math.abs(connection.clock.offsetUs - OFFSET_US)).toBeLessThanOrEqual(connection.clock.uncertaintyUs);
    expect(fn.pid).toBeUndefined();
    expect(fn.argv).toEqual(['kubectl', '-n', 'coldpath', 'exec', '-i', 'coldpath-agent-fn-1', '-c', 'agent', '--', 'coldpath', 'agent']);
    expect(await fn.client.apply('ab12', PLAN)).toEqual({ steps: 1, startUs: 100, endUs: 250, queuedUs: 5 });
    expect(server.backends['coldpath-agent-fn-1']?.calls).toEqual(['apply ab12 tiny']);

    await closeAll(connections);
    expect(await fn.exited).toEqual({ code: 0, signal: null });
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    await server.agentsDone();
    // Closing: shutdown over the protocol; the agent returned and the API reported exit code 0 (above).
    expect(server.seen.stdin['coldpath-agent-fn-1']?.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['hello', 'clock', 'clock', 'clock', 'clock', 'apply', 'shutdown']);
    expect(server.backends['coldpath-agent-fn-1']?.calls.at(-1)).toBe('close');
    // Every transcript request was made, nothing else, each with the kubeconfig's token; v5 offered first.
    expect(server.seen.unexpected).toEqual([]);
    expect(server.seen.requests).toHaveLength(4);
    expect(new Set(server.seen.authorization)).toEqual(new Set(['Bearer recorded-token']));
    expect(server.seen.offered[0]).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    // close is idempotent and never throws.
    await expect(fn.close()).resolves.toBeUndefined();
  });

  it('an API behind a proxy’s path prefix: REST and exec both keep it', async () => {
    server = await startFakeApi('happy', 0, '/k8s/clusters/c-7x2k9');
    const connections = await connectHosts(inventoryFor(server.url), { clockSamples: 2 });
    await closeAll(connections);
    expect(server.seen.unexpected).toEqual([]);
    expect(server.seen.requests.filter((r) => r.includes('/exec'))).toHaveLength(2);
  });

  it('wrong node: the pod runs on w2, the inventory says w1 — hosts.0.node named, no exec tried', async () => {
    const { connect } = await startCase('wrong-node');
    const error = await coldpathErrorOf(connect());
    expect(error.field).toBe('hosts.0.node');
    expect(error.message).toBe('fn-1: hosts.0.node: the inventory says node w1, but the agent pod runs elsewhere: coldpath-agent-fn-1 on node w2');
    expect(error.hint).toContain('kubectl -n coldpath describe pod coldpath-agent-fn-1');
    expect(server?.seen.requests.some((r) => r.includes('/exec'))).toBe(false);
  });

  it('pod not Running: its phase and the container’s waiting reason, with the describe hint', async () => {
    const { connect } = await startCase('not-running');
    const error = await coldpathErrorOf(connect());
    expect(error.field).toBe('hosts.0.node');
    expect(error.kind).toBe('environment');
    expect(error.message).toContain('fn-1: agent pod coldpath/coldpath-agent-fn-1 on node w1 is not ready for a session: phase Pending');
    expect(error.message).toContain('container agent waiting: ErrImageNeverPull (Container image "localhost/coldpath:dev" is not present with pull policy of Never)');
    expect(error.hint).toContain('kubectl -n coldpath describe pod coldpath-agent-fn-1');
  });

  it('no agent pod: the manifests were not applied', async () => {
    const { connect } = await startCase('no-pod');
    const error = await coldpathErrorOf(connect());
    expect(error.message).toContain('fn-1: no agent pod in namespace coldpath (expected coldpath-agent-fn-1');
    expect(error.hint).toContain('coldpath plan --format kubernetes --hosts FILE | kubectl apply -f -');
  });

  it('exec refused (403): the Status message is kept, with the RBAC check to run', async () => {
    const { connect } = await startCase('exec-refused');
    const error = await coldpathErrorOf(connect());
    expect(error.message).toBe(
      'fn-1: the API refused the exec into pod coldpath/coldpath-agent-fn-1: HTTP 403 Forbidden: pods "coldpath-agent-fn-1" is forbidden: User "system:serviceaccount:ci:runner" cannot create resource "pods/exec" in API group "" in the namespace "coldpath"',
    );
    expect(error.hint).toContain('kubectl auth can-i create pods/exec -n coldpath');
  });

  it('agent missing from the image: exit code 127 on the status channel before hello, stderr kept', async () => {
    const { connect } = await startCase('agent-missing');
    const error = await coldpathErrorOf(connect());
    expect(error.message).toContain("fn-1: the agent's exec stream in pod coldpath/coldpath-agent-fn-1 ended: command terminated with non-zero exit code");
    expect(error.message).toContain('exit code 127: the agent command was not found in the container');
    expect(error.exitCode).toBe(127);
    expect(error.stderr).toContain('executable file not found in $PATH');
    expect(error.hint).toContain('PATH');
  });

  it('an agent that never answers hello: the request timeout, the kubectl command to try by hand, and no shutdown wait', async () => {
    server = await startFakeApi('agent-silent');
    const inventory = inventoryFor(server.url);
    const settings = inventory.kubernetes;
    if (settings === undefined) throw new Error('no kubernetes section');
    const started = performance.now();
    const error = await coldpathErrorOf(connectKubernetes(fn1(inventory), { settings, field: 'hosts.0.node' }, { requestTimeoutMs: 300 }));
    // Well under the 5 s a polite shutdown would wait: a session that never started is terminated.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error.message).toBe('fn-1: exec into pod coldpath/coldpath-agent-fn-1 failed before the agent answered (no answer to hello request 1 within 300 ms)');
    expect(error.command).toEqual(['kubectl', '-n', 'coldpath', 'exec', '-i', 'coldpath-agent-fn-1', '-c', 'agent', '--', 'coldpath', 'agent']);
    expect(error.hint).toContain('run it by hand: `kubectl -n coldpath exec -i coldpath-agent-fn-1 -c agent -- coldpath agent`');
    expect(server.seen.stdin['coldpath-agent-fn-1']?.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['hello']);
  });

  it('pod deleted mid-run (v4): the apply fails with the host, the pod and the exit status the API sent', async () => {
    const { connect } = await startCase('pod-deleted');
    const connection = await connect();
    const error = await coldpathErrorOf(connection.client.apply('ab12', PLAN));
    expect(error.message).toBe(
      "fn-1: the agent's exec stream in pod coldpath/coldpath-agent-fn-1 ended: command terminated with non-zero exit code: error executing command [coldpath agent], exit code 137; exit code 137: the process was killed (SIGKILL): the container was stopped or the pod deleted",
    );
    expect(error.exitCode).toBe(137);
    expect(await connection.exited).toEqual({ code: 137, signal: null });
    // Later requests fail the same way, and closing a dead session neither hangs nor throws.
    expect((await coldpathErrorOf(connection.client.teardown('ab12'))).message).toBe(error.message);
    await expect(connection.close()).resolves.toBeUndefined();
    expect(server?.seen.offered[0]).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(server?.backends['coldpath-agent-fn-1']?.calls).not.toContain('apply ab12 tiny');
  });

  it('stream dropped mid-run (no status, no close frame): the apply fails naming the host, the pod and the socket’s end', async () => {
    const { connect } = await startCase('dropped');
    const connection = await connect();
    const error = await coldpathErrorOf(connection.client.apply('ab12', PLAN));
    expect(error.message).toBe('fn-1: the exec stream to pod coldpath/coldpath-agent-fn-1 closed without an exit status (websocket close 1006): the API server, the node or the network dropped it');
    expect(error.hint).toContain('kubectl -n coldpath get pod coldpath-agent-fn-1 -o wide');
    expect(await connection.exited).toEqual({ code: null, signal: null });
    await expect(connection.close()).resolves.toBeUndefined();
  });

  it('API server not reachable: the server and the network error named', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const inventory = inventoryFor(`http://127.0.0.1:${port}`);
    const error = await coldpathErrorOf(connectHosts(inventory, { clockSamples: 4 }));
    expect(error.message).toContain(`fn-1: cannot reach the Kubernetes API at http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(error.message).toContain(`svc-1: cannot reach the Kubernetes API at http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(error.kind).toBe('environment');
    expect(error.hint).toContain('kubectl cluster-info');
  });

  it('API server that never answers: the pod lookup is bounded by the request timeout', async () => {
    server = await startFakeApi('api-hangs');
    const inventory = inventoryFor(server.url);
    const settings = inventory.kubernetes;
    if (settings === undefined) throw new Error('no kubernetes section');
    const started = performance.now();
    const error = await coldpathErrorOf(connectKubernetes(fn1(inventory), { settings, field: 'hosts.0.node' }, { requestTimeoutMs: 300 }));
    expect(error.message).toBe(`fn-1: cannot reach the Kubernetes API at ${server.url}: no answer within 300 ms`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a context the kubeconfig does not have: kubernetes.context named, with the known ones', async () => {
    const inventory = inventoryFor('http://127.0.0.1:9', { context: 'prod' });
    const error = await coldpathErrorOf(connectHosts(inventory));
    expect(error.field).toBe('kubernetes.context');
    expect(error.message).toContain('no context "prod"');
    expect(error.hint).toContain('known contexts: recorded');
  });
});
