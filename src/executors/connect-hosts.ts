/**
 * Every host's agent of an inventory at once: connected in parallel (a run
 * waits for the slowest host, not the sum), all or none — when one host fails,
 * the connections already made are closed before the error is thrown, so a
 * failed start leaves no agent session behind.
 */
import { ColdpathError, inputError, isColdpathError } from '../errors.js';
import type { Inventory, InventoryHost } from '../scenario/inventory.js';
import type { AgentConnection } from './agent-connection.js';
import { connectLocal } from './local.js';
import { type ConnectOptions, connectSsh } from './ssh.js';

/** Reaches one host's agent; the executor's transport by default, replaceable in tests. */
export type ConnectHost = (host: InventoryHost, options: ConnectOptions) => Promise<AgentConnection>;

/**
 * The transport of the inventory's executor: ssh, a local child, or the Kubernetes API (which also
 * needs the inventory's `kubernetes` section, and each host's place in it for messages).
 */
export function connectorOf(inventory: Pick<Inventory, 'executor' | 'kubernetes' | 'hosts'>): ConnectHost {
  switch (inventory.executor) {
    case 'ssh':
      return connectSsh;
    case 'local':
      return connectLocal;
    case 'kubernetes':
      return kubernetesConnector(inventory);
  }
}

function kubernetesConnector(inventory: Pick<Inventory, 'kubernetes' | 'hosts'>): ConnectHost {
  const settings = inventory.kubernetes;
  // The schema requires the section with executor: kubernetes; an inventory built by hand may lack it.
  if (settings === undefined) throw inputError('kubernetes', 'executor: kubernetes needs a kubernetes section (at least its image)');
  // @kubernetes/client-node takes ~0.7 s to import: only an inventory that uses it pays for it. Loaded once for
  // every host, with the kubeconfig: a bad one is the same error for each (reported once).
  let loading: Promise<ConnectHost> | undefined;
  return async (host, options) => {
    loading ??= import('./kubernetes.js').then((kubernetes) => kubernetes.kubernetesConnector(settings, inventory.hosts));
    return (await loading)(host, options);
  };
}

/** Connects to every host of `inventory` in parallel, in the inventory's order; if any fails, closes the others and throws (every failed host named). */
export async function connectHosts(inventory: Inventory, options: ConnectOptions = {}, connect: ConnectHost = connectorOf(inventory)): Promise<AgentConnection[]> {
  const settled = await Promise.allSettled(inventory.hosts.map((host) => connect(host, options)));
  // One error shared by several hosts (the kubernetes executor's kubeconfig) is reported once.
  const failures = [...new Set(settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])))];
  const connections = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (failures.length === 0) return connections;
  await closeAll(connections);
  throw combined(failures, settled.length);
}

/** Closes every connection in parallel; `close` never throws, so one stuck host does not keep the others open. */
export async function closeAll(connections: readonly AgentConnection[]): Promise<void> {
  await Promise.all(connections.map((connection) => connection.close()));
}

function combined(failures: readonly unknown[], total: number): unknown {
  const [first] = failures;
  if (failures.length === 1) return first;
  const messages = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
  const firstKind = isColdpathError(first) ? first : undefined;
  return new ColdpathError(`${failures.length} of ${total} hosts could not be reached:\n${messages.map((m) => `  ${m}`).join('\n')}`, {
    kind: failures.every((failure) => isColdpathError(failure) && failure.kind === 'environment') ? 'environment' : 'runtime',
    ...(firstKind?.hint === undefined ? {} : { hint: firstKind.hint }),
    cause: first,
  });
}
