/**
 * Which `KernelDriver` a run builds through: in-process (the default, no
 * inventory); with `--hosts` and `executor: local`, one agent started here as
 * a child (`node bin/coldpath.js agent`: hello, clock sync) that applies every
 * node's plans under the run's tag and starts the probes, built-in services
 * and commands in nodes (sockperf, real servers, OCI and CNI still start
 * in-process: the same machine); with `executor: ssh`, every inventory host's
 * agent over OpenSSH, the scenario's nodes placed on the hosts, each node's
 * plans, commands and processes sent to its host's agent.
 */
import type { OffsetEstimate } from '../agent/clock-offset.js';
import { ColdpathError } from '../errors.js';
import { AgentKernelDriver } from '../executors/agent-driver.js';
import type { AgentConnection } from '../executors/agent-connection.js';
import { closeAll, connectHosts } from '../executors/connect-hosts.js';
import { HostsKernelDriver } from '../executors/hosts-driver.js';
import { connectLocal } from '../executors/local.js';
import type { RunInventory } from '../executors/run-inventory.js';
import { LocalKernelDriver } from '../kernel/driver.js';
import type { KernelDriver } from '../kernel/kernel-driver.js';
import type { Ledger } from '../kernel/ledger.js';
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

/** What a run builds through: the driver, run.json's notes about it, and (across machines) each function host's ENI quota. */
export interface KernelBackend {
  driver: KernelDriver;
  notes: string[];
  /** Across machines, a function host node's ENI quota when its machine lends spare NICs (`eni.attach: nic`). */
  eniSlotsOf?: (hostNode: string) => EniSlots | undefined;
}

/** The run's driver and what run.json's notes say about it. `ledger` is the run's, claimed already (a local agent joins its tag). */
export async function openKernelDriver(ledger: Ledger, hosts: RunInventory | undefined, run: { scenario: Scenario; layout: Layout }): Promise<KernelBackend> {
  if (hosts === undefined) return { driver: new LocalKernelDriver(ledger), notes: [] };
  if (hosts.executor === 'ssh') return openHostsDriver(ledger, hosts, run);
  const connection = await connectLocal({ name: LOCAL_AGENT });
  const { clock, hello } = connection;
  const note =
    `kernel plans applied through the local agent (coldpath agent, pid ${hello.pid}, protocol ${hello.protocol}); ` +
    `its clock offset ${clockText(clock)}, spans mapped through it; ` +
    'probes and built-in services started by the agent too; sockperf, real servers, OCI containers and CNI plugins by the coordinator (the same machine)';
  return { driver: new AgentKernelDriver(connection, ledger), notes: [note] };
}

/** One agent per inventory host (connected in parallel, all or none) and the scenario's nodes placed on them. */
async function openHostsDriver(ledger: Ledger, hosts: RunInventory, run: { scenario: Scenario; layout: Layout }): Promise<KernelBackend> {
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
      const index = hosts.hosts.indexOf(machine);
      return machine.eni?.attach === 'nic' ? { quota: machine.eni.nics?.length ?? 0, field: `hosts.${index}.eni.nics` } : undefined;
    };
    return { driver: new HostsKernelDriver(drivers, placed, ledger), notes, eniSlotsOf };
  } catch (error) {
    await closeAll(connections);
    throw error;
  }
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
