/**
 * A scenario across three machines, for real: each "machine" is a namespace of this test
 * (`cphp-<tag>-fn`, `-px`, `-svc`) whose NICs are veth ends on two "wires", bridges for the
 * platform and the user VPC in a fabric namespace of this test. Each machine runs its own agent
 * (`nsenter --net=/run/netns/MACHINE coldpath agent`, a state directory of its own, so the three claim the
 * same run tag without seeing each other). The scenario's plans are placed (placement.ts), split
 * per machine (host-plans.ts) and applied machine by machine; then traffic crosses machines:
 * a pod on the function host pings the user service through the peering route, and opens a TCP
 * connection to it through the gre-proxy tunnel (the proxy's path counters move). The machines'
 * own namespaces get nothing but their NICs' macvlan children, which live in the node namespaces;
 * the agents' teardown leaves nothing. Needs root and dist/ (global-setup.ts).
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/client.js';
import { stateDir } from '../../src/kernel/ledger.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { parseScenario } from '../../src/scenario/load.js';
import { parseInventory } from '../../src/scenario/load-inventory.js';
import { createStrategy } from '../../src/strategies/index.js';
import { basePlan, baseTeardownPlan } from '../../src/topology/base-plan.js';
import { splitPlan } from '../../src/topology/host-plans.js';
import { containerLinkPlan, instanceDeletePlan, instanceLayout, namespacePlan } from '../../src/topology/instance-plan.js';
import { buildLayout } from '../../src/topology/layout.js';
import { newRunTag } from '../../src/topology/naming.js';
import type { Plan } from '../../src/topology/ops.js';
import { placeNodes } from '../../src/topology/placement.js';
import { CLI, namespacesOf } from './helpers.js';

/** A tag no namespace, no ledger and no namespace of this test uses on this machine. */
function freshTag(): string {
  for (;;) {
    const tag = newRunTag();
    if (namespacesOf(tag).length === 0 && !existsSync(join(stateDir(), tag)) && !existsSync(`/run/netns/cphp-${tag}-fab`)) return tag;
  }
}

const TAG = freshTag();
const FABRIC = `cphp-${TAG}-fab`;
/** The machines: their namespace, their NICs (name in the machine → its wire), the fabric end's short name. */
const MACHINES = [
  { name: 'fn-1', role: 'function-host', ns: `cphp-${TAG}-fn`, nics: { platform: 'ens5' }, short: 'fn' },
  { name: 'proxy-1', role: 'proxy', ns: `cphp-${TAG}-px`, nics: { platform: 'ens5', user: 'ens6' }, short: 'px' },
  // No platform NIC: the baseline service goes to the platform router's machine.
  { name: 'svc-1', role: 'service-host', ns: `cphp-${TAG}-svc`, nics: { user: 'ens6' }, short: 'sv' },
] as const;
const WIRES = { platform: 'wirep', user: 'wireu' } as const;

interface Agent {
  child: ChildProcessWithoutNullStreams;
  client: AgentClient;
  exited: Promise<unknown>;
  stderr: () => string;
  stateDir: string;
}
const agents = new Map<string, Agent>();
const helpers: ChildProcess[] = [];

function sh(argv: string[]): string {
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
const linksOf = (ns: string): string[] =>
  sh(['ip', '-n', ns, '-o', 'link', 'show'])
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (line.split(': ')[1] ?? '').split('@')[0] as string)
    .sort();

function startAgent(machine: (typeof MACHINES)[number]): Agent {
  const dir = mkdtempSync(join(tmpdir(), 'cphp-state-'));
  // The machine's network namespace only: under `ip netns exec` (a mount namespace of its own, a
  // slave of ours) the agent's `ip netns add` mounts would not reach this test, nor outlive the agent.
  const child = spawn('nsenter', [`--net=/run/netns/${machine.ns}`, process.execPath, CLI, 'agent'], {
    cwd: PACKAGE_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, COLDPATH_STATE_DIR: dir },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, client: new AgentClient({ input: child.stdout, output: child.stdin, label: machine.name }), exited, stderr: () => stderr, stateDir: dir };
}

const scenario = parseScenario({ strategies: ['peering', 'gre-proxy'], tunnel: 'vxlan' });
const layout = buildLayout(scenario, TAG);
const inventory = parseInventory({ executor: 'local', hosts: MACHINES.map(({ name, role, nics }) => ({ name, role, nics })) });
const placement = placeNodes(layout, scenario.strategies, inventory);
const tunnel = { requested: 'vxlan', used: 'vxlan', reason: 'this kernel has no ip_gre' } as const;
const peering = createStrategy('peering', { scenario, layout, tunnel });
const greProxy = createStrategy('gre-proxy', { scenario, layout, tunnel });
const instance = instanceLayout(layout, 0, 0, 0);
const service = layout.userServices[0] as NonNullable<(typeof layout.userServices)[0]>;
const nsOf = (node: string): string => `coldpath-${TAG}-${node}`;

/** Applies `plan` split per machine, machine by machine; returns which machines got a part. */
async function applySplit(plan: Plan): Promise<string[]> {
  const parts = splitPlan(plan, placement);
  for (const part of parts) await (agents.get(part.host) as Agent).client.apply(TAG, part.plan);
  return parts.map((p) => p.host);
}

function prewarmOf(strategy: typeof peering): Plan {
  const prewarm = strategy.prewarm();
  if (!prewarm.ok) throw new Error(prewarm.message);
  return prewarm.plan;
}

/** `ping` from a node, a few tries (the first ARP exchange across the wire may take a moment). */
function ping(node: string, address: string): { ok: boolean; output: string } {
  let output = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = spawnSync('ip', ['netns', 'exec', nsOf(node), 'ping', '-c', '1', '-W', '1', address], { encoding: 'utf8' });
    output += result.stdout + result.stderr;
    if (result.status === 0) return { ok: true, output };
  }
  return { ok: false, output };
}

const counter = (node: string, name: string): number => {
  const text = sh(['ip', 'netns', 'exec', nsOf(node), 'nft', 'list', 'counter', 'ip', 'coldpath_proxy', name]);
  return Number(/packets (\d+)/.exec(text)?.[1] ?? '0');
};

beforeAll(async () => {
  sh(['ip', 'netns', 'add', FABRIC]);
  for (const wire of Object.values(WIRES)) {
    sh(['ip', '-n', FABRIC, 'link', 'add', 'name', wire, 'type', 'bridge']);
    sh(['ip', '-n', FABRIC, 'link', 'set', 'dev', wire, 'up']);
  }
  for (const machine of MACHINES) {
    sh(['ip', 'netns', 'add', machine.ns]);
    sh(['ip', '-n', machine.ns, 'link', 'set', 'dev', 'lo', 'up']);
    for (const [vpc, nic] of Object.entries(machine.nics) as Array<[keyof typeof WIRES, string]>) {
      const end = `${machine.short}${vpc === 'platform' ? 'p' : 'u'}`;
      sh(['ip', '-n', FABRIC, 'link', 'add', 'name', end, 'type', 'veth', 'peer', 'name', nic, 'netns', machine.ns]);
      sh(['ip', '-n', FABRIC, 'link', 'set', 'dev', end, 'master', WIRES[vpc], 'up']);
      sh(['ip', '-n', machine.ns, 'link', 'set', 'dev', nic, 'up']);
    }
    const agent = startAgent(machine);
    agents.set(machine.name, agent);
    await agent.client.hello();
  }
});

afterAll(async () => {
  for (const child of helpers) child.kill('SIGKILL');
  for (const agent of agents.values()) {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
    rmSync(agent.stateDir, { recursive: true, force: true });
  }
  // Whatever a failure left: the run's node namespaces (a fresh tag: only this test's), then the machines and the fabric.
  for (const name of [...namespacesOf(TAG), ...MACHINES.map((m) => m.ns), FABRIC]) spawnSync('ip', ['netns', 'del', name]);
});

describe('a scenario split over three machines', () => {
  it('builds per machine, pings through peering, connects through gre-proxy, and tears down to nothing', async () => {
    const machineLinks = new Map(MACHINES.map((m) => [m.ns, linksOf(m.ns)]));

    expect(await applySplit(basePlan(layout))).toEqual(['fn-1', 'proxy-1', 'svc-1']);
    expect(await applySplit(prewarmOf(peering))).toEqual(['proxy-1']);
    await applySplit(namespacePlan(instance));
    await applySplit(containerLinkPlan(instance));
    // The function host's uplink is a macvlan child of its machine's NIC, born in the node.
    expect(sh(['ip', '-n', nsOf('fh0'), '-d', 'link', 'show', 'dev', 'eth0'])).toMatch(/macvlan mode bridge/);
    // Nothing was added to any machine's own namespace.
    for (const m of MACHINES) expect(linksOf(m.ns), m.ns).toEqual(machineLinks.get(m.ns));

    // Peering: the pod (fn-1) → platform router (proxy-1) → peering → user router → the service (svc-1), and back.
    const viaPeering = ping(instance.node, service.address);
    expect(viaPeering.ok, viaPeering.output).toBe(true);
    expect(ping('fh0', service.address).ok).toBe(true);

    // gre-proxy: the pod's traffic for the user VPC goes through the VXLAN tunnel to px0, masqueraded onto eth1.
    await applySplit(peering.teardown());
    expect(ping(instance.node, service.address).ok, 'no route without peering or the proxy').toBe(false);
    expect(await applySplit(prewarmOf(greProxy))).toEqual(['fn-1', 'proxy-1']);
    const server = spawn(
      'ip',
      ['netns', 'exec', nsOf(service.node), process.execPath, '-e', "require('net').createServer((s) => s.end(s.remoteAddress)).listen(7777, '0.0.0.0', () => console.log('listening'))"],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    helpers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const outBefore = counter('px0', 'path_out');
    const client = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        nsOf(instance.node),
        process.execPath,
        '-e',
        `const s = require('net').connect(7777, '${service.address}'); let d = ''; s.on('data', (c) => (d += c)); s.on('end', () => { console.log(d); process.exit(0); }); s.on('error', (e) => { console.error(e.message); process.exit(1); }); setTimeout(() => process.exit(2), 5000);`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(client.status, client.stderr).toBe(0);
    // The service saw the proxy's user-VPC address: the connection went through px0 on proxy-1.
    expect(client.stdout.trim()).toBe(layout.proxies[0]?.userAddress);
    expect(counter('px0', 'path_out')).toBeGreaterThan(outBefore);
    expect(counter('px0', 'path_back')).toBeGreaterThan(0);
    server.kill('SIGKILL');
    await new Promise((resolve) => (server.exitCode === null && server.signalCode === null ? server.once('exit', resolve) : resolve(undefined)));

    // Teardown as a run does it: plans first, then each agent's ledger.
    await applySplit(greProxy.teardown());
    await applySplit(instanceDeletePlan([instance]));
    await applySplit(baseTeardownPlan(layout));
    for (const [name, agent] of agents) {
      await agent.client.teardown(TAG);
      await agent.client.shutdown();
      expect(agent.stderr(), name).toBe('');
      expect(readdirSync(agent.stateDir), name).toEqual([]);
    }
    expect(namespacesOf(TAG)).toEqual([]);
    for (const m of MACHINES) expect(linksOf(m.ns), m.ns).toEqual(machineLinks.get(m.ns));
  });
});
