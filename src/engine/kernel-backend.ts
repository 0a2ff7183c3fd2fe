/**
 * Which `KernelDriver` a run builds through: in-process (the default, no
 * inventory); with `--hosts` and `executor: local`, one agent started here as
 * a child (`node bin/coldpath.js agent`: hello, clock sync) that applies every
 * node's plans under the run's tag and starts the probes, built-in services
 * and commands in nodes (sockperf, real servers, OCI and CNI still start
 * in-process: the same machine); with `executor: ssh` or `kubernetes`, every
 * inventory host's agent (over OpenSSH, or exec'd in its Pod through the
 * API), the scenario's nodes placed on the hosts, each node's plans, commands
 * and processes sent to its host's agent.
 */
import type { OffsetEstimate } from '../agent/clock-offset.js';
import { ColdpathError } from '../errors.js';
import { AgentKernelDriver } from '../executors/agent-driver.js';
import type { AgentConnection } from '../executors/agent-connection.js';
import { closeAll, connectHosts } from '../executors/connect-hosts.js';
import { HostsKernelDriver } from '../executors/hosts-driver.js';
import { connectLocal } from '../executors/local.js';
import { acrossMachines, type RunInventory } from '../executors/run-inventory.js';
import { LocalKernelDriver } from '../kernel/driver.js';
import type { KernelDriver } from '../kernel/kernel-driver.js';
import type { Ledger } from '../kernel/ledger.js';
import { chooseTunnelOnHosts } from '../env/kernel-features.js';
import type { TunnelChoice } from '../results/types.js';
import type { Scenario } from '../scenario/schema.js';
import type { EniSlots } from '../strategies/types.js';
import { EniNics } from '../topology/eni-nics.js';
import { splitPlan } from '../topology/host-plans.js';
import type { Layout } from '../topology/layout.js';
import type { Plan } from '../topology/ops.js';
import { machineOf, placeNodes } from '../topology/placement.js';

/** What the run note calls the local agent's connection. */
const LOCAL_AGENT = 'local';

const clockText = (clock: { offsetUs: number; uncertaintyUs: number; samples: number }): string =>
  `${clock.offsetUs.toFixed(1)} ± ${clock.uncertaintyUs.toFixed(1)} µs from ${clock.samples} exchanges`;

/** What a run builds through: the driver, run.json's notes about it and, across machines, the tunnel the hosts' kernels chose and each function host's ENI quota. */
export interface KernelBackend {
  driver: KernelDriver;
  notes: string[];
  /** Across machines: the tunnel chosen from the kernels of the machines that hold its ends (on one machine preflight chose it from this kernel). */
  tunnel?: TunnelChoice;
  /** Across machines, a function host node's ENI quota when its machine lends spare NICs (`eni.attach: nic`). */
  eniSlotsOf?: (hostNode: string) => EniSlots | undefined;
}

/** What the run needs of the driver: its scenario and layout, and whether it makes a proxy tunnel (gre-proxy, experiments). */
export interface DriverRun {
  scenario: Scenario;
  layout: Layout;
  needsTunnel: boolean;
}

/** The run's driver and what comes with it. `ledger` is the run's, claimed already (a local agent joins its tag). */
export async function openKernelDriver(ledger: Ledger, hosts: RunInventory | undefined, run: DriverRun): Promise<KernelBackend> {
  if (hosts === undefined) return { driver: new LocalKernelDriver(ledger), notes: [] };
  if (acrossMachines(hosts)) return openHostsDriver(ledger, hosts, run);
  const connection = await connectLocal({ name: LOCAL_AGENT });
  const { clock, hello } = connection;
  const note =
    `kernel plans applied through the local agent (coldpath agent, pid ${hello.pid}, protocol ${hello.protocol}); ` +
    `its clock offset ${clockText(clock)}, spans mapped through it; ` +
    'probes and built-in services started by the agent too; sockperf, real servers, OCI containers and CNI plugins by the coordinator (the same machine)';
  return { driver: new AgentKernelDriver(connection, ledger), notes: [note] };
}

/** One agent per inventory host (connected in parallel, all or none) and the scenario's nodes placed on them. */
async function openHostsDriver(ledger: Ledger, hosts: RunInventory, run: DriverRun): Promise<KernelBackend> {
  // Placement first: an inventory that cannot hold the scenario fails before any host is reached.
  const placement = placeNodes(run.layout, run.scenario.strategies, hosts);
  const nodesOn = (host: string): string[] => [...placement.nodes].flatMap(([node, on]) => (on === host ? [node] : []));
  const connections = await connectHosts(hosts, hosts.agentTimeoutMs === undefined ? {} : { requestTimeoutMs: hosts.agentTimeoutMs });
  try {
    const clocks = await Promise.all(connections.map((connection) => boundedClock(connection, hosts.clockBoundUs)));
    const drivers = new Map(connections.map((connection, i) => [connection.host, new AgentKernelDriver(connection, ledger, { clock: clocks[i] ?? connection.clock })]));
    const notes = connections.map(
      (c, i) =>
        `host ${c.host} (${nodesOn(c.host).join(', ')}): agent pid ${c.hello.pid} on ${c.hello.hostname} (kernel ${c.hello.kernel}, coldpath ${c.hello.coldpath}), clock offset ${clockText(clocks[i] ?? c.clock)}; an instance's timeline there is placed through it (bound ${hosts.clockBoundUs} µs)`,
    );
    // One lender for the run: an instance's deletion returns the NIC its attach took.
    const nics = new EniNics();
    const placed = { hostOf: (node: string) => machineOf(placement, node).name, split: (plan: Plan) => splitPlan(plan, placement, nics) };
    if (run.scenario.strategies.includes('eni')) notes.push(...eniNotes(hosts));
    const eniSlotsOf = (hostNode: string): EniSlots | undefined => {
      const machine = machineOf(placement, hostNode);
      const index = placement.hosts.get(machine.name)?.index;
      return machine.eni?.attach === 'nic' ? { quota: machine.eni.nics?.length ?? 0, field: `hosts.${index}.eni.nics` } : undefined;
    };
    const driver = new HostsKernelDriver(drivers, placed, ledger);
    if (!run.needsTunnel) return { driver, notes, eniSlotsOf };
    // The tunnel's ends are the function hosts and the proxies: their kernels decide, not the coordinator's.
    const roleOf = (host: string): string | undefined => placement.hosts.get(host)?.host.role;
    const ends = connections.filter((c) => roleOf(c.host) !== 'service-host' && nodesOn(c.host).length > 0);
    const tunnel = await tunnelOnHosts(run.scenario.tunnel, ends, (host) => roleOf(host) === 'proxy');
    return { driver, notes, tunnel, eniSlotsOf };
  } catch (error) {
    await closeAll(connections);
    throw error;
  }
}

/** Asks each host's agent what its kernel can do and chooses the tunnel all of them can make (proxies: with nftables NAT); refuses before anything is built. */
async function tunnelOnHosts(requested: Scenario['tunnel'], ends: readonly AgentConnection[], isProxy: (host: string) => boolean): Promise<TunnelChoice> {
  const features = await Promise.all(
    ends.map(async (connection) => {
      if (!connection.hello.accepts.includes('features'))
        throw new ColdpathError(`host ${connection.host}: its agent cannot report its kernel's features (an older coldpath)`, {
          kind: 'environment',
          hint: "install the coordinator's coldpath version on the host (`npm ci` in the same checkout)",
        });
      return { host: connection.host, features: await connection.client.features() };
    }),
  );
  // A proxy masquerades with nftables: without NAT in its kernel it cannot carry a path.
  const noNat = features.filter((f) => isProxy(f.host) && !f.features.nftNat);
  if (noNat.length > 0)
    throw new ColdpathError(`nftables NAT is missing on ${noNat.map((f) => `${f.host} (${f.features.errors['nftNat'] ?? 'unsupported'})`).join(', ')}: the proxy masquerades with it`, {
      kind: 'environment',
      hint: 'apt-get install -y nftables on the proxy hosts; `coldpath doctor` there says what else is missing',
    });
  const choice = chooseTunnelOnHosts(requested, features);
  if ('error' in choice)
    throw new ColdpathError(choice.error, { kind: 'environment', field: 'tunnel', hint: 'choose a tunnel every function host and proxy can make (`coldpath doctor` on each host lists them)' });
  return { requested, ...choice };
}

/** What run.json says about each function host's ENI attach (the run echoes its inputs). */
function eniNotes(hosts: RunInventory): string[] {
  return hosts.hosts.flatMap((h) => {
    if (h.role !== 'function-host') return [];
    const eni = h.eni ?? { attach: 'macvlan' as const };
    const how =
      eni.attach === 'nic'
        ? `a spare NIC lent to each instance (${(eni.nics ?? []).join(', ')}: quota ${eni.nics?.length ?? 0}), moved into its namespace and back`
        : eni.attach === 'macvlan'
          ? `a macvlan child (mode bridge, a MAC of its own) of ${h.nics.user ?? '?'}`
          : `an ipvlan child (mode l2, the NIC’s MAC) of ${h.nics.user ?? '?'}`;
    return [`ENI attach on function host ${h.name}: ${eni.attach} — ${how}; the control-plane calls (eni.create, eni.attach) are modeled`];
  });
}

/** Exchanges made again, more of them, when the connect estimate is too wide; still too wide → the run cannot place spans there. */
const RESYNC_SAMPLES = 32;

/**
 * The host's clock estimate within `boundUs`, or an error before anything is measured: every
 * instance's timeline starts on the coordinator (the burst's t0) and ends on its host, so a wider
 * estimate would put figures in run.json that the run cannot support.
 */
async function boundedClock(connection: AgentConnection, boundUs: number): Promise<OffsetEstimate> {
  if (connection.clock.uncertaintyUs <= boundUs) return connection.clock;
  const again = await connection.client.syncClock(RESYNC_SAMPLES);
  if (again.uncertaintyUs <= boundUs) return again;
  throw new ColdpathError(
    `host ${connection.host}: its clock is known only to ± ${Math.round(again.uncertaintyUs)} µs (best of ${RESYNC_SAMPLES} exchanges), over clockBoundUs ${boundUs}: spans that cross to it cannot be placed on the run's timeline`,
    {
      kind: 'environment',
      field: 'clockBoundUs',
      hint: 'a faster path to the host (the round trip bounds the estimate), or a larger clockBoundUs in the inventory (every cold-start figure then carries that uncertainty)',
    },
  );
}
