/**
 * Three emulated machines (bench/emulated-machines.ts) reached over SSH (issue 12): a
 * function host, a proxy and a service host, each with its own namespaces,
 * sshd, hostname, /run/netns, /run/coldpath and CLOCK_MONOTONIC offset; the
 * ssh executor connects to all three in parallel from a coordinator
 * namespace. Checks that each agent is its machine's (hostname, clock offset
 * recovered), that what an agent builds is visible inside its machine only,
 * that losing one machine's connection or agent leaves the others serving and
 * `coldpath clean` inside it removes its leftovers, and that nothing is left
 * anywhere at the end. Needs root, dist/, Debian's openssh-server and
 * openssh-client and a kernel with time namespaces.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../src/executors/agent-connection.js';
import { closeAll, connectHosts } from '../../src/executors/connect-hosts.js';
import { isAlive } from '../../src/kernel/processes.js';
import { loadInventory } from '../../src/scenario/load-inventory.js';
import { newRunTag } from '../../src/topology/naming.js';
import { CLI, ledgerDirs, namespacesOf, rootNamespaceState } from './helpers.js';
import { type Machine, type Machines, monotonicSeconds, startMachines, stopAllMachines } from '../../bench/emulated-machines.js';

/** A negative offset must leave the machine's clock positive: −1000 s once the host has been up long enough, else +1000 s. */
const SERVICE_OFFSET_S = monotonicSeconds() > 1_100 ? -1_000 : 1_000;
const OFFSETS = { 'fn-1': 0, 'proxy-1': 250, 'svc-1': SERVICE_OFFSET_S } as const;
/** The estimate's own bound must be tight on one kernel: a few ms even with two busy CPUs. */
const MAX_UNCERTAINTY_US = 5_000;

let harness: Machines | undefined;
let connections: AgentConnection[] = [];
let rootBefore = '';
/** A tag the host itself does not use (no namespace, no ledger): what the machines build under it must not appear there. */
function hostFreeTag(): string {
  for (;;) {
    const candidate = newRunTag();
    if (namespacesOf(candidate).length === 0 && !ledgerDirs().includes(candidate)) return candidate;
  }
}
const tag = hostFreeTag();
const timings: Record<string, number> = {};

const node = (machine: Machine): string => `n-${machine.name}`;

async function netnsIn(machine: Machine): Promise<string[]> {
  const result = await machine.exec(['ip', 'netns', 'list']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

async function ledgersIn(machine: Machine): Promise<string[]> {
  const result = await machine.exec(['ls', '-A', '/run/coldpath']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((name) => name !== '');
}

function connectionOf(name: string): AgentConnection {
  const connection = connections.find((c) => c.host === name);
  if (connection === undefined) throw new Error(`no connection to ${name}`);
  return connection;
}

/** Pids of a harness's machines by their argv: the holder's unshare (`… cpm-init NAME`) or the machine's sshd (its config). */
function processesOf(names: readonly string[]): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        return names.some((name) => argv.includes(`cpm-init\0${name}\0`) || argv.includes(`/${name}/sshd_config`));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitDead(pid: number, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  expect(isAlive(pid), what).toBe(false);
}

beforeAll(async () => {
  rootBefore = rootNamespaceState();
  const started = performance.now();
  harness = await startMachines({
    machines: [
      { name: 'fn-1', role: 'function-host', monotonicOffsetS: OFFSETS['fn-1'], addresses: { platform: '198.18.0.10/20' } },
      { name: 'proxy-1', role: 'proxy', monotonicOffsetS: OFFSETS['proxy-1'], addresses: { platform: '198.18.0.11/20', user: '198.19.0.11/24' } },
      { name: 'svc-1', role: 'service-host', monotonicOffsetS: OFFSETS['svc-1'], extraNic: true, addresses: { user: '198.19.0.20/24', platform: '198.18.0.20/20' } },
    ],
  });
  timings['start (3 machines)'] = Math.round(performance.now() - started);
  for (const [name, ms] of Object.entries(harness.timings.machineMs)) timings[`start ${name}`] = ms;
});

afterAll(async () => {
  await closeAll(connections.splice(0));
  const before = rootBefore;
  try {
    await stopAllMachines();
  } finally {
    console.info(`agent-machines timings (ms): ${JSON.stringify(timings)}`);
    if (before !== '') expect(rootNamespaceState()).toBe(before);
  }
});

describe('emulated machines over SSH', () => {
  it('each machine has its own NICs, hostname, state and clock; nothing of them is in the host', async () => {
    const machines = harness!;
    expect(loadInventory(machines.inventoryFile)).toEqual(machines.inventory);
    expect(machines.inventory.hosts.map((h) => [h.name, h.role, h.address, h.nics])).toEqual([
      ['fn-1', 'function-host', '192.0.2.10', { platform: 'eth0' }],
      ['proxy-1', 'proxy', '192.0.2.11', { platform: 'eth0', user: 'eth1' }],
      ['svc-1', 'service-host', '192.0.2.12', { user: 'eth0', platform: 'eth1' }],
    ]);
    for (const machine of machines.machines) {
      const links = await machine.exec(['ip', '-br', 'link']);
      const names = links.stdout
        .split('\n')
        .map((line) => line.split(/[\s@]/)[0] ?? '')
        .filter((name) => name !== '');
      expect(names.sort()).toEqual(['lo', 'mgmt0', ...Object.values(machine.nics)].sort());
      expect((await machine.exec(['hostname'])).stdout.trim()).toBe(machine.name);
      expect(await netnsIn(machine)).toEqual([]);
      expect(await ledgersIn(machine)).toEqual([]);
      // The time namespace: its uptime (CLOCK_BOOTTIME, offset with the monotonic clock) is the host's plus the offset.
      const inside = Number((await machine.exec(['cat', '/proc/uptime'])).stdout.split(' ')[0]);
      const outside = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      expect(Math.abs(inside - outside - machine.monotonicOffsetS)).toBeLessThan(1);
      expect(machine.processes()).toContain(machine.sshdPid);
      // The argv match the start-failure tests rely on finds a live machine's unshare and sshd (of this harness: another
      // session's machines of the same name, a concurrent run of this file or of run-across-machines, match the argv too).
      const own = new Set(machine.processes());
      expect(processesOf([machine.name]).filter((pid) => own.has(pid))).toHaveLength(2);
    }
    // The wires: management (192.0.2.0/24) between all, platform (198.18.0.0/20) and user (198.19.0.0/24) between their NICs only.
    const ping = async (from: string, to: string): Promise<number | null> => (await machines.machine(from).exec(['ping', '-c', '1', '-W', '1', to])).code;
    expect(await ping('fn-1', '192.0.2.12')).toBe(0);
    expect(await ping('fn-1', '198.18.0.11')).toBe(0);
    expect(await ping('fn-1', '198.18.0.20')).toBe(0);
    expect(await ping('proxy-1', '198.19.0.20')).toBe(0);
    // fn-1 has no user NIC and no route there: the VPCs meet only where a machine has both NICs.
    expect(await ping('fn-1', '198.19.0.20')).not.toBe(0);
  });

  it('connects to every agent in parallel over the real ssh executor: hostnames and injected clock offsets recovered', async () => {
    const machines = harness!;
    const started = performance.now();
    connections = await connectHosts(machines.inventory, { wrapper: machines.wrapper, requestTimeoutMs: 20_000 });
    timings['connect (3 hosts, parallel)'] = Math.round(performance.now() - started);
    expect(connections.map((c) => c.host)).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    for (const connection of connections) {
      const machine = machines.machine(connection.host);
      expect(connection.argv.slice(0, machines.wrapper.length)).toEqual([...machines.wrapper]);
      expect(connection.hello.hostname).toBe(machine.name);
      // The agent is a process of that machine (sshd's grandchild), not of the coordinator.
      expect(machine.processes()).toContain(connection.hello.pid);
      for (const other of machines.machines) if (other !== machine) expect(other.processes()).not.toContain(connection.hello.pid);
      const { offsetUs, uncertaintyUs } = connection.clock;
      const injectedUs = machine.monotonicOffsetS * 1_000_000;
      timings[`clock ${machine.name} error µs`] = offsetUs - injectedUs;
      timings[`clock ${machine.name} ± µs`] = uncertaintyUs;
      expect(Math.abs(offsetUs - injectedUs), `${machine.name}: injected ${injectedUs} µs, estimated ${offsetUs} ± ${uncertaintyUs} µs`).toBeLessThanOrEqual(uncertaintyUs);
      expect(uncertaintyUs).toBeLessThan(MAX_UNCERTAINTY_US);
    }
  });

  it('what an agent builds is visible inside its machine only', async () => {
    const machines = harness!;
    await Promise.all(
      connections.map((connection) =>
        connection.client.apply(tag, { title: `one node on ${connection.host}`, ops: [{ kind: 'node.add', node: node(machines.machine(connection.host)), role: 'scratch' }] }),
      ),
    );
    for (const machine of machines.machines) {
      expect(await netnsIn(machine)).toEqual([`coldpath-${tag}-${node(machine)}`]);
      expect(await ledgersIn(machine)).toEqual([tag]);
    }
    // Not in the host's /run/netns nor in its state directory.
    expect(namespacesOf(tag)).toEqual([]);
    expect(ledgerDirs()).not.toContain(tag);
  });

  it('a dropped ssh connection and a killed agent leave the other machine serving; `coldpath clean` inside each removes its leftovers', async () => {
    const machines = harness!;
    const proxy = connectionOf('proxy-1');
    const service = connectionOf('svc-1');
    // The proxy's connection drops (the coordinator's ssh dies); the service host's agent is killed on its machine.
    process.kill(proxy.pid as number, 'SIGKILL');
    process.kill(service.hello.pid, 'SIGKILL');
    expect(await proxy.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await waitDead(proxy.hello.pid, 'the proxy’s agent outlived its ssh connection');
    await service.exited;

    // The function host keeps serving: another plan, then its teardown.
    const fn = connectionOf('fn-1');
    const second = newRunTag();
    const applied = await fn.client.apply(second, { title: 'still serving', ops: [{ kind: 'node.add', node: 'again', role: 'scratch' }] });
    expect(applied.steps).toBeGreaterThan(0);
    expect((await netnsIn(machines.machine('fn-1'))).sort()).toEqual([`coldpath-${tag}-n-fn-1`, `coldpath-${second}-again`].sort());
    expect(await fn.client.teardown(second)).toEqual({ netnsRemoved: 1, processesKilled: 0 });

    // Ending an agent tears nothing down: the leftovers wait for clean, run inside each machine.
    for (const name of ['proxy-1', 'svc-1']) {
      const machine = machines.machine(name);
      expect(await netnsIn(machine)).toEqual([`coldpath-${tag}-${node(machine)}`]);
      const started = performance.now();
      const clean = await machine.exec([process.execPath, CLI, 'clean']);
      timings[`clean ${name}`] = Math.round(performance.now() - started);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(await netnsIn(machine)).toEqual([]);
      expect(await ledgersIn(machine)).toEqual([]);
    }
    // The function host's node is untouched by the others' clean.
    expect(await netnsIn(machines.machine('fn-1'))).toEqual([`coldpath-${tag}-n-fn-1`]);
    expect(await fn.client.teardown(tag)).toEqual({ netnsRemoved: 1, processesKilled: 0 });
  });

  it('shutdown leaves nothing in any machine; stop leaves no process and no namespace', async () => {
    const machines = harness!;
    const agentPids = connections.map((c) => c.hello.pid);
    await closeAll(connections.splice(0));
    for (const pid of agentPids) await waitDead(pid, `agent ${pid} outlived its connection`);
    for (const machine of machines.machines) {
      expect(await netnsIn(machine)).toEqual([]);
      expect(await ledgersIn(machine)).toEqual([]);
      // Only the holder, its unshare and sshd remain, once the session's own sshd child has followed its agent out.
      const deadline = Date.now() + 5_000;
      while (machine.processes().length > 3 && Date.now() < deadline) await sleep(20);
      expect(machine.processes()).toHaveLength(3);
    }
    // Pulling one machine's plug kills its holder, unshare and sshd; it then refuses to run anything.
    const service = machines.machine('svc-1');
    expect(await service.kill()).toBe(3);
    expect(service.alive).toBe(false);
    await expect(service.exec(['true'])).rejects.toThrow('svc-1: the machine is not running');
    expect(await service.kill()).toBe(0);
    const all = machines.machines.map((machine) => machine);
    const started = performance.now();
    await machines.stop();
    timings.stop = Math.round(performance.now() - started);
    for (const machine of all) {
      expect(machine.alive).toBe(false);
      expect(isAlive(machine.pid)).toBe(false);
      expect(isAlive(machine.sshdPid)).toBe(false);
    }
    expect(readdirSync('/run/netns').filter((name) => name === machines.fabricNamespace || name === machines.coordinatorNamespace)).toEqual([]);
    // Idempotent.
    await machines.stop();
  });

  it('a missing tool is an error naming its Debian package, never a skip', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await expect(startMachines({ machines: [{ name: 'x-1', role: 'function-host' }] })).rejects.toThrow(
        /^emulated machines need: .*ssh \(apt-get install -y openssh-client\).*nsenter \(apt-get install -y util-linux\).*ip \(apt-get install -y iproute2\)/,
      );
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('a start that fails half-way removes what it made (namespaces, processes) and says why', async () => {
    const prefix = `cpm-${Math.random().toString(16).slice(2, 8)}`;
    const failed = startMachines({
      prefix,
      machines: [
        { name: 'ok-1', role: 'function-host' },
        { name: 'bad-1', role: 'service-host', addresses: { user: 'not-an-address' } },
      ],
    });
    await expect(failed).rejects.toThrow(/ip -batch - failed .*not-an-address/s);
    expect(readdirSync('/run/netns').filter((name) => name.startsWith(prefix))).toEqual([]);
    expect(processesOf(['ok-1', 'bad-1'])).toEqual([]);
  });

  it('stopAllMachines during a start (an afterAll after a hook timeout), at any step, leaves nothing', async () => {
    for (const delayMs of [0, 10, 25, 50, 80, 120]) {
      const prefix = `cpm-${Math.random().toString(16).slice(2, 8)}`;
      const starting = startMachines({
        prefix,
        machines: [
          { name: 'early-1', role: 'function-host' },
          { name: 'early-2', role: 'proxy' },
        ],
      });
      await sleep(delayMs);
      await stopAllMachines();
      const [outcome] = await Promise.allSettled([starting]);
      // Stopped while starting, or (on a fast machine) started just before the stop and then stopped.
      if (outcome?.status === 'rejected') expect(String(outcome.reason)).toContain('the machines were stopped while starting');
      else expect(outcome?.value.machines.every((machine) => !machine.alive)).toBe(true);
      expect(
        readdirSync('/run/netns').filter((name) => name.startsWith(prefix)),
        `stopped after ${delayMs} ms`,
      ).toEqual([]);
      expect(processesOf(['early-1', 'early-2']), `stopped after ${delayMs} ms`).toEqual([]);
    }
  });
});
