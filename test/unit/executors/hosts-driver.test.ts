/**
 * The KernelDriver across machines, without root or agents: fake host
 * connections, each with its own clock offset. A plan must reach each host as
 * that host's part only, commands and processes must go to the node's host,
 * a node's clock must be its host's, and teardown must reach every host even
 * when one fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OffsetEstimate } from '../../../src/agent/clock-offset.js';
import { nowMicros } from '../../../src/clock.js';
import { ColdpathError } from '../../../src/errors.js';
import { LineChannel } from '../../../src/exec/line-channel.js';
import { type AgentDriverConnection, AgentKernelDriver } from '../../../src/executors/agent-driver.js';
import { type HostPlacement, HostsKernelDriver } from '../../../src/executors/hosts-driver.js';
import { Ledger } from '../../../src/kernel/ledger.js';
import type { Plan } from '../../../src/topology/ops.js';

const HOSTS = { fn: 'fh0', px: 'px0' } as const;
const OFFSETS: Record<string, number> = { fn: 1_000_000, px: -250_000 };

const clockOf = (host: string): OffsetEstimate => ({ kind: 'offset', offsetUs: OFFSETS[host] ?? 0, uncertaintyUs: 40, delayUs: 80, atUs: 0, samples: 8 });

function fakeConnection(host: string, calls: string[], options: { teardownFails?: boolean } = {}): AgentDriverConnection {
  return {
    host,
    hello: { accepts: ['hello', 'clock', 'apply', 'teardown', 'session', 'exec', 'spawn'], pid: 100, protocol: 1, hostname: `${host}.example`, kernel: '6.1.0-56-amd64', coldpath: '0.0.0' },
    clock: clockOf(host),
    close: async () => {
      calls.push(`${host} close`);
    },
    client: {
      // Stamps on the host's clock: the driver must map them back (coordinator = agent − offset).
      apply: async (tag: string, plan: Plan) => {
        calls.push(`${host} apply ${tag} ${plan.title} ${plan.ops.map((op) => op.node).join(',')}`);
        const offset = OFFSETS[host] ?? 0;
        const now = nowMicros();
        return { steps: plan.ops.length, startUs: now + offset, endUs: now + offset, queuedUs: 0 };
      },
      teardown: async (tag: string) => {
        calls.push(`${host} teardown ${tag}`);
        if (options.teardownFails === true) throw new ColdpathError('RTNETLINK answers: Device or resource busy', { kind: 'command' });
        return { netnsRemoved: 1, processesKilled: 0 };
      },
      session: async () => undefined,
      syncClock: async () => clockOf(host),
      exec: async (_tag: string, node: string, argv: readonly string[]) => {
        calls.push(`${host} exec ${node} ${argv.join(' ')}`);
        // Ran for 200 µs, stamped on the host's clock.
        const start = nowMicros() + (OFFSETS[host] ?? 0);
        return { code: 0, signal: null, stdout: `${host}\n`, stderr: '', startUs: start, endUs: start + 200 };
      },
      spawn: async (_tag: string, node: string, argv: readonly string[]) => {
        calls.push(`${host} spawn ${node} ${argv.join(' ')}`);
        const output = new PassThrough();
        const channel = new LineChannel({ label: 'fake', argv: [...argv], input: new PassThrough(), output, stderr: new PassThrough(), spawnedAt: 0 });
        output.write('{"event":"ready","at":5}\n');
        return Object.assign(channel, { pid: 4242, stop: async () => undefined });
      },
    },
  };
}

/** fh* nodes on fn, everything else on px; the split keeps each op on its node's host. */
const placement: HostPlacement = {
  hostOf: (node) => (node.startsWith('fh') ? 'fn' : 'px'),
  split: (plan) => {
    const parts = new Map<string, Plan>();
    for (const op of plan.ops) {
      const host = op.node.startsWith('fh') ? 'fn' : 'px';
      const part = parts.get(host) ?? { title: plan.title, ops: [] };
      part.ops.push(op);
      parts.set(host, part);
    }
    return [...parts.entries()].map(([host, part]) => ({ host, plan: part }));
  },
};

describe('HostsKernelDriver', () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env['COLDPATH_STATE_DIR'];
    process.env['COLDPATH_STATE_DIR'] = mkdtempSync(join(tmpdir(), 'hosts-driver-'));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env['COLDPATH_STATE_DIR'];
    else process.env['COLDPATH_STATE_DIR'] = previous;
  });

  function build(options: { pxTeardownFails?: boolean } = {}): { driver: HostsKernelDriver; calls: string[]; ledger: Ledger } {
    const ledger = Ledger.create('a1b2');
    if (ledger === undefined) throw new Error('could not claim the tag');
    const calls: string[] = [];
    const drivers = new Map([
      ['fn', new AgentKernelDriver(fakeConnection('fn', calls), ledger)],
      ['px', new AgentKernelDriver(fakeConnection('px', calls, { teardownFails: options.pxTeardownFails ?? false }), ledger)],
    ]);
    return { driver: new HostsKernelDriver(drivers, placement, ledger), calls, ledger };
  }

  it("sends each host its part of a plan, under the run's tag, and maps both hosts' stamps onto the coordinator's clock", async () => {
    const { driver, calls, ledger } = build();
    const before = nowMicros();
    const result = await driver.apply({
      title: 'base',
      ops: [
        { kind: 'node.add', node: HOSTS.fn, role: 'function-host' },
        { kind: 'node.add', node: HOSTS.px, role: 'proxy' },
      ],
    });
    const after = nowMicros();
    expect(calls.sort()).toEqual(['fn apply a1b2 base fh0', 'px apply a1b2 base px0']);
    expect(result.steps).toBe(2);
    // Within the request's window once mapped: neither host's offset (+1 s, −0.25 s) leaks into the timing.
    expect(result.startUs).toBeGreaterThanOrEqual(before - 1);
    expect(result.endUs).toBeLessThanOrEqual(after + 1);
    expect((await driver.liveNodes()).sort()).toEqual(['fh0', 'px0']);
    ledger.remove();
  });

  it("runs a node's commands and processes on its host, and gives the node its host's clock", async () => {
    const { driver, calls, ledger } = build();
    const before = nowMicros();
    const result = await driver.inNode('px0')(['nft', '-j', 'list', 'counters']);
    const after = nowMicros();
    expect(result.stdout).toBe('px\n');
    expect(result.exitCode).toBe(0);
    // When the command ran on the host, its stamps mapped back (−0.25 s) and kept within the request's window.
    const ran = result.ranUs;
    if (ran === undefined) throw new Error('no ranUs');
    expect(ran.startUs).toBeGreaterThanOrEqual(before);
    expect(ran.endUs).toBeLessThanOrEqual(after);
    expect(ran.endUs - ran.startUs).toBeLessThanOrEqual(200);
    const probe = await driver.spawnIn<{ event: string; at: number }>('fh0', ['node', 'probe.js'], { label: 'probe' });
    expect(probe.pid).toBe(4242);
    expect(await probe.channel.next((e) => e.event === 'ready', 1000)).toEqual({ event: 'ready', at: 5 });
    expect(calls).toEqual(['px exec px0 nft -j list counters', 'fn spawn fh0 node probe.js']);
    expect(driver.clockOf('fh0').fromCoordinator(10)).toBe(1_000_010);
    expect(driver.clockOf('px0').fromCoordinator(10)).toBe(-249_990);
    expect(driver.clockOf('px0').uncertaintyUs).toBe(40);
    ledger.remove();
  });

  it('tears every host down even when one fails, and names the host in the error', async () => {
    const { driver, calls, ledger } = build({ pxTeardownFails: true });
    const errors = await driver.teardown();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^px: the agent's teardown of run tag a1b2: .*Device or resource busy/);
    expect(calls.filter((c) => c.includes('teardown') || c.includes('close')).sort()).toEqual(['fn close', 'fn teardown a1b2', 'px close', 'px teardown a1b2']);
    expect(await driver.teardown()).toBe(errors);
    ledger.remove();
  });

  it('names every host whose part of a plan failed', async () => {
    const { driver, ledger } = build();
    const failing = new HostsKernelDriver(
      new Map([
        ['fn', new AgentKernelDriver({ ...fakeConnection('fn', []), client: { ...fakeConnection('fn', []).client, apply: async () => Promise.reject(new Error('File exists')) } }, ledger)],
        ['px', new AgentKernelDriver({ ...fakeConnection('px', []), client: { ...fakeConnection('px', []).client, apply: async () => Promise.reject(new Error('No such device')) } }, ledger)],
      ]),
      placement,
      ledger,
    );
    const plan: Plan = {
      title: 'base',
      ops: [
        { kind: 'node.add', node: 'fh0', role: 'function-host' },
        { kind: 'node.add', node: 'px0', role: 'proxy' },
      ],
    };
    await expect(failing.apply(plan)).rejects.toThrow(/^base: failed on 2 hosts: fn: File exists; px: No such device$/);
    await driver.teardown();
    ledger.remove();
  });
});
