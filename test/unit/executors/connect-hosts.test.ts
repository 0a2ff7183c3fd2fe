/** Connecting to every host: in parallel, all or none (a failure closes the others), and the executors that exist. */
import { describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../../src/executors/agent-connection.js';
import { closeAll, connectHosts, connectorOf } from '../../../src/executors/connect-hosts.js';
import { connectLocal } from '../../../src/executors/local.js';
import { connectSsh } from '../../../src/executors/ssh.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import { coldpathErrorOf } from '../../coldpath-error.js';

const inventory = parseInventory({
  executor: 'ssh',
  hosts: [
    { name: 'fn-1', role: 'function-host', address: '192.0.2.1', nics: { platform: 'eth0' } },
    { name: 'proxy-1', role: 'proxy', address: '192.0.2.2', nics: { platform: 'eth0', user: 'eth1' } },
    { name: 'svc-1', role: 'service-host', address: '192.0.2.3', nics: { user: 'eth0' } },
  ],
});

/** A stand-in connection that records its closing. */
function fake(host: string, closed: string[]): AgentConnection {
  return { host, argv: [], stderr: () => '', close: async () => void closed.push(host) } as unknown as AgentConnection;
}

describe('connectHosts', () => {
  it('connects every host in parallel, in the inventory’s order', async () => {
    const started: string[] = [];
    const closed: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending = connectHosts(inventory, {}, async (host) => {
      started.push(host.name);
      await gate;
      return fake(host.name, closed);
    });
    // All three started before any finished: parallel, not one after another.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    release();
    const connections = await pending;
    expect(connections.map((c) => c.host)).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    await closeAll(connections);
    expect(closed.sort()).toEqual(['fn-1', 'proxy-1', 'svc-1']);
  });

  it('one host fails: the others are closed and its error is thrown as is', async () => {
    const closed: string[] = [];
    const refused = new ColdpathError('proxy-1: ssh to 192.0.2.2 failed before the agent answered (exited with code 255): Connection refused', { kind: 'runtime', hint: 'is sshd running?' });
    const error = await coldpathErrorOf(connectHosts(inventory, {}, async (host) => (host.name === 'proxy-1' ? Promise.reject(refused) : fake(host.name, closed))));
    expect(error).toBe(refused);
    expect(closed.sort()).toEqual(['fn-1', 'svc-1']);
  });

  it('several fail: every failed host is named, the first hint kept', async () => {
    const closed: string[] = [];
    const error = await coldpathErrorOf(
      connectHosts(inventory, {}, async (host) => {
        if (host.name === 'fn-1') return fake(host.name, closed);
        throw new ColdpathError(`${host.name}: unreachable`, { kind: 'runtime', hint: `check ${host.name}` });
      }),
    );
    expect(error.message).toBe('2 of 3 hosts could not be reached:\n  proxy-1: unreachable\n  svc-1: unreachable');
    expect(error.hint).toBe('check proxy-1');
    expect(closed).toEqual(['fn-1']);
  });

  it('the transport of each executor; kubernetes needs its section', () => {
    expect(connectorOf(inventory)).toBe(connectSsh);
    expect(connectorOf({ ...inventory, executor: 'local' })).toBe(connectLocal);
  });

  it('kubernetes: the kubeconfig is read once for every host, so a bad one is one error naming its field', async () => {
    const missing = { namespace: 'coldpath', image: 'x', imagePullPolicy: 'Never' as const, kubeconfig: '/nonexistent/kubeconfig' };
    const error = await coldpathErrorOf(connectHosts({ ...inventory, executor: 'kubernetes', kubernetes: missing }));
    expect(error.field).toBe('kubernetes.kubeconfig');
    expect(error.message).toMatch(/^kubernetes\.kubeconfig: cannot read \/nonexistent\/kubeconfig/);
    expect(() => connectorOf({ ...inventory, executor: 'kubernetes' })).toThrow(/executor: kubernetes needs a kubernetes section/);
  });
});
