/**
 * Hosts as namespaces over SSH (issue 12): a "server" namespace runs Debian's
 * sshd (started here, in the foreground, with its own config, throwaway host
 * and user keys in a temp dir), a "client" namespace reaches it over a veth
 * (TEST-NET-1, inside the two namespaces only), and the ssh executor, its ssh
 * run inside the client namespace (the connection's wrapper prefix), drives
 * this checkout's built agent as the remote command. Needs root, dist/ and
 * Debian's openssh-server and openssh-client; everything it creates is removed
 * in afterAll, failed or not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../src/executors/agent-connection.js';
import { connectSsh } from '../../src/executors/ssh.js';
import { Ledger, stateDir } from '../../src/kernel/ledger.js';
import { isAlive } from '../../src/kernel/processes.js';
import { undo } from '../../src/kernel/teardown.js';
import type { InventoryHost } from '../../src/scenario/inventory.js';
import { newRunTag } from '../../src/topology/naming.js';
import { coldpathErrorOf } from '../coldpath-error.js';
import { CLI, namespacesOf, rootNamespaceState, runCli, sshdConfig } from './helpers.js';

const SSHD = '/usr/sbin/sshd';
/** The sshd's address and port, inside the server namespace only. */
const SERVER_IP = '192.0.2.1';
const CLIENT_IP = '192.0.2.2';
const PORT = 22_022;

/** Our own namespaces (not `coldpath-…`: `coldpath clean` must never take them for a run's). */
const suffix = Math.random().toString(16).slice(2, 8);
const SERVER_NS = `cpssh-${suffix}-srv`;
const CLIENT_NS = `cpssh-${suffix}-cli`;
const WRAPPER = ['ip', 'netns', 'exec', CLIENT_NS];

let dir = '';
let sshd: ChildProcess | undefined;
let sshdLog = '';
let rootBefore = '';
const connections: AgentConnection[] = [];
/** Remote agents' pids (from hello): killed in afterAll if a failed test left one. */
const agentPids: number[] = [];
const tags: string[] = [];

const run = (argv: string[]): void => {
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
};

/** A tag no namespace and no ledger on this machine uses. */
function freshTag(): string {
  for (;;) {
    const tag = newRunTag();
    if (namespacesOf(tag).length === 0 && !existsSync(join(stateDir(), tag))) {
      tags.push(tag);
      return tag;
    }
  }
}

/** The inventory host the tests connect to: root on the namespace's sshd, this checkout's agent as the remote command. */
function host(overrides: Partial<NonNullable<InventoryHost['ssh']>> = {}): InventoryHost {
  return {
    name: 'svc-1',
    role: 'service-host',
    address: SERVER_IP,
    nics: { user: 'eth0' },
    ssh: {
      user: 'root',
      port: PORT,
      identityFile: join(dir, 'id_ed25519'),
      knownHostsFile: join(dir, 'known_hosts'),
      // sshd's session PATH may not have node: the running Node.js and the worktree's CLI by absolute path.
      command: `${process.execPath} ${CLI} agent`,
      ...overrides,
    },
  };
}

async function connect(overrides: Partial<NonNullable<InventoryHost['ssh']>> = {}): Promise<AgentConnection> {
  const connection = await connectSsh(host(overrides), { wrapper: WRAPPER, requestTimeoutMs: 15_000 });
  connections.push(connection);
  agentPids.push(connection.hello.pid);
  return connection;
}

/** Starts sshd in the foreground in the server namespace and resolves once it listens. */
async function startSshd(config: string): Promise<void> {
  // Privilege separation needs /run/sshd; Debian's service unit creates it, a foreground sshd does not.
  if (!existsSync('/run/sshd')) {
    console.info('agent-ssh: creating /run/sshd (sshd’s privilege separation directory, normally made by its systemd unit)');
    mkdirSync('/run/sshd', { mode: 0o755 });
  }
  const child = spawn('ip', ['netns', 'exec', SERVER_NS, SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd = child;
  child.stderr?.on('data', (chunk: Buffer) => (sshdLog += chunk.toString('utf8')));
  const deadline = Date.now() + 10_000;
  while (!sshdLog.includes(`Server listening on ${SERVER_IP} port ${PORT}`)) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}):\n${sshdLog}`);
    if (Date.now() > deadline) throw new Error(`sshd did not listen within 10 s:\n${sshdLog}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  if (!existsSync(SSHD) || spawnSync('which', ['ssh-keygen', 'ssh']).status !== 0)
    throw new Error('this test needs Debian’s sshd, ssh and ssh-keygen: apt-get install -y openssh-server openssh-client');
  rootBefore = rootNamespaceState();
  dir = mkdtempSync(join(tmpdir(), 'coldpath-ssh-'));
  // Throwaway keys: the server's host key, the user's key, and one the server does not know.
  for (const name of ['host_ed25519', 'id_ed25519', 'wrong_ed25519']) run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `coldpath-test-${name}`, '-f', join(dir, name)]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')), { mode: 0o600 });
  const hostKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[${SERVER_IP}]:${PORT} ${hostKey}\n`);
  // A known_hosts that claims another key for the same host: what a reinstalled (or impersonated) host looks like.
  const otherKey = readFileSync(join(dir, 'wrong_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts.changed'), `[${SERVER_IP}]:${PORT} ${otherKey}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(config, sshdConfig({ listen: `${SERVER_IP}:${PORT}`, hostKey: join(dir, 'host_ed25519'), authorizedKeys: join(dir, 'authorized_keys'), pidFile: join(dir, 'sshd.pid') }));

  // Two namespaces and a veth between them, created inside them: the root namespace never sees either end.
  run(['ip', 'netns', 'add', SERVER_NS]);
  run(['ip', 'netns', 'add', CLIENT_NS]);
  run(['ip', '-n', SERVER_NS, 'link', 'add', 'ssh0', 'type', 'veth', 'peer', 'name', 'ssh0', 'netns', CLIENT_NS]);
  for (const [ns, ip] of [
    [SERVER_NS, SERVER_IP],
    [CLIENT_NS, CLIENT_IP],
  ] as const) {
    run(['ip', '-n', ns, 'addr', 'add', `${ip}/30`, 'dev', 'ssh0']);
    run(['ip', '-n', ns, 'link', 'set', 'ssh0', 'up']);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  await startSshd(config);
});

afterAll(async () => {
  for (const connection of connections.splice(0)) await connection.close();
  for (const pid of agentPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (sshd?.exitCode === null) {
    sshd.kill('SIGTERM');
    await new Promise((resolve) => sshd?.once('exit', resolve));
  }
  // Whatever a failed test left of its tags (the agents are dead, so their ledgers are safe to replay).
  for (const tag of tags.splice(0)) {
    if (!existsSync(join(stateDir(), tag))) continue;
    const ledger = Ledger.open(tag);
    if ((await undo(ledger.read())).errors.length === 0) ledger.remove();
  }
  for (const ns of [SERVER_NS, CLIENT_NS]) spawnSync('ip', ['netns', 'del', ns]);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  if (rootBefore !== '') expect(rootNamespaceState()).toBe(rootBefore);
});

describe('hosts as namespaces over SSH', () => {
  it('connects through sshd, checks the protocol, syncs the clock, applies a plan and tears it down', async () => {
    const tag = freshTag();
    const connection = await connect();
    expect(connection.argv).toEqual([
      ...WRAPPER,
      'ssh',
      '-T',
      '-o',
      'BatchMode=yes',
      '-l',
      'root',
      '-p',
      String(PORT),
      '-i',
      join(dir, 'id_ed25519'),
      '-o',
      `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      '-o',
      'StrictHostKeyChecking=yes',
      SERVER_IP,
      `${process.execPath} ${CLI} agent`,
    ]);
    expect(connection.hello).toMatchObject({ protocol: 1, clock: 'CLOCK_MONOTONIC' });
    // The agent is sshd's grandchild, not ours.
    expect(connection.hello.pid).not.toBe(connection.pid);
    // One kernel, one CLOCK_MONOTONIC: the true offset is 0, and must lie within the estimate's own bound.
    expect(Math.abs(connection.clock.offsetUs), `offset ${connection.clock.offsetUs} ± ${connection.clock.uncertaintyUs} µs`).toBeLessThanOrEqual(connection.clock.uncertaintyUs);

    const applied = await connection.client.apply(tag, { title: 'one node over ssh', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] });
    expect(applied.steps).toBeGreaterThan(0);
    expect(namespacesOf(tag)).toEqual([`coldpath-${tag}-a`]);
    expect(await connection.client.teardown(tag)).toEqual({ netnsRemoved: 1, processesKilled: 0 });
    expect(namespacesOf(tag)).toEqual([]);

    await connection.close();
    expect(await connection.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(connection.hello.pid)).toBe(false);
  });

  it('killing the ssh client mid-session ends the remote agent (end of input); `coldpath clean` removes what its tag left', async () => {
    const tag = freshTag();
    const connection = await connect();
    await connection.client.apply(tag, { title: 'one node, then the connection drops', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] });
    expect(namespacesOf(tag)).toHaveLength(1);
    process.kill(connection.pid as number, 'SIGKILL');
    expect(await connection.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // sshd sees the connection close and closes the session's stdin: the agent exits by itself.
    const deadline = Date.now() + 15_000;
    while (isAlive(connection.hello.pid) && Date.now() < deadline) await sleep(50);
    expect(isAlive(connection.hello.pid), 'the remote agent outlived its ssh connection').toBe(false);
    // Ending the agent tears nothing down: the namespace waits for clean.
    expect(namespacesOf(tag)).toHaveLength(1);
    const clean = await runCli(['clean']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(namespacesOf(tag)).toEqual([]);
    expect(existsSync(join(stateDir(), tag))).toBe(false);
    await connection.close();
  });

  it('a key the server does not accept, or a host key known_hosts does not have: a clear error naming the host', async () => {
    const denied = await coldpathErrorOf(connect({ identityFile: join(dir, 'wrong_ed25519') }));
    expect(denied.message).toMatch(/^svc-1: ssh to 192\.0\.2\.1 failed before the agent answered \(exited with code 255\): .*Permission denied \(publickey\)/);
    expect(denied.hint).toContain('authorized_keys');
    expect(denied.exitCode).toBe(255);

    const changed = await coldpathErrorOf(connect({ knownHostsFile: join(dir, 'known_hosts.changed') }));
    expect(changed.message).toMatch(/^svc-1: ssh to 192\.0\.2\.1 failed before the agent answered \(exited with code 255\): .*REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(changed.hint).toContain('ssh-keygen -R');

    const refused = await coldpathErrorOf(connect({ port: PORT + 1 }));
    expect(refused.message).toMatch(/^svc-1: .*Connection refused$/);
  });
});
