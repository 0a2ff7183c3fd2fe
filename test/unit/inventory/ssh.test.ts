/** The inventory's ssh block: its fields, and errors that name them. */
import { describe, expect, it } from 'vitest';
import { isColdpathError } from '../../../src/errors.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';

const hosts = [
  { name: 'fn-1', role: 'function-host', address: 'fn1.example.net', nics: { platform: 'eth0' } },
  { name: 'svc-1', role: 'service-host', address: '192.0.2.3', nics: { user: 'eth0' } },
];

/** The inventory with `ssh` set on its first host. */
const withSsh = (ssh: unknown, address = 'fn1.example.net'): unknown => ({ executor: 'ssh', hosts: [{ ...hosts[0], address, ssh }, hosts[1]] });

function problem(raw: unknown): { field: string; message: string } {
  try {
    parseInventory(raw, 'inv.yaml');
  } catch (error) {
    if (isColdpathError(error)) return { field: error.field ?? '', message: error.message };
    throw error;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory: the ssh block', () => {
  it('is optional; every field is kept as written (no defaults: what is unset is ssh’s own)', () => {
    expect(parseInventory({ executor: 'ssh', hosts }).hosts[0]?.ssh).toBeUndefined();
    const ssh = { user: 'bench', port: 2222, identityFile: '~/.ssh/bench', knownHostsFile: '/etc/coldpath/known_hosts', command: '/opt/coldpath/bin/coldpath agent' };
    expect(parseInventory(withSsh(ssh)).hosts[0]?.ssh).toEqual(ssh);
  });

  it('names the field at fault', () => {
    expect(problem(withSsh({ port: 0 }))).toMatchObject({ field: 'hosts.0.ssh.port' });
    expect(problem(withSsh({ port: 70000 }))).toMatchObject({ field: 'hosts.0.ssh.port' });
    expect(problem(withSsh({ port: '22' }))).toMatchObject({ field: 'hosts.0.ssh.port' });
    expect(problem(withSsh({ user: '-oProxyCommand=x' }))).toMatchObject({ field: 'hosts.0.ssh.user' });
    expect(problem(withSsh({ identityFile: '' }))).toMatchObject({ field: 'hosts.0.ssh.identityFile' });
    expect(problem(withSsh({ knownHostsFile: '' }))).toMatchObject({ field: 'hosts.0.ssh.knownHostsFile' });
    expect(problem(withSsh({ command: '   ' }))).toMatchObject({ field: 'hosts.0.ssh.command' });
    expect(problem(withSsh({ identity: '~/.ssh/id' })).message).toContain('unknown field "identity"');
    // ssh would read a leading "-" as an option; whitespace would split the destination.
    expect(problem(withSsh(undefined, '-oProxyCommand=touch /tmp/x'))).toMatchObject({ field: 'hosts.0.address' });
    expect(problem(withSsh(undefined, 'two words'))).toMatchObject({ field: 'hosts.0.address' });
  });
});

describe('inventory: agentTimeoutMs', () => {
  it('is optional (the client’s 10 s by default) and kept as written', () => {
    expect(parseInventory({ executor: 'ssh', hosts }).agentTimeoutMs).toBeUndefined();
    expect(parseInventory({ executor: 'ssh', hosts, agentTimeoutMs: 180_000 }).agentTimeoutMs).toBe(180_000);
  });

  it('names the field when it is not a positive whole number of ms', () => {
    expect(problem({ executor: 'ssh', hosts, agentTimeoutMs: 0 })).toMatchObject({ field: 'agentTimeoutMs' });
    expect(problem({ executor: 'ssh', hosts, agentTimeoutMs: 1.5 })).toMatchObject({ field: 'agentTimeoutMs' });
    expect(problem({ executor: 'ssh', hosts, agentTimeoutMs: '60s' })).toMatchObject({ field: 'agentTimeoutMs' });
  });
});
