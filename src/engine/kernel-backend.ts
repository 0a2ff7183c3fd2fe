/**
 * Which `KernelDriver` a run builds through: in-process (the default, no
 * inventory), or, with `--hosts` and `executor: local`, one agent started here
 * as a child (`node bin/coldpath.js agent`: hello, clock sync) that applies
 * every node's plans under the run's tag through the agent protocol. Probes,
 * services and sockperf start in-process either way (the same machine).
 */
import { AgentKernelDriver } from '../executors/agent-driver.js';
import { connectLocal } from '../executors/local.js';
import { LocalKernelDriver } from '../kernel/driver.js';
import type { KernelDriver } from '../kernel/kernel-driver.js';
import type { Ledger } from '../kernel/ledger.js';
import type { Inventory } from '../scenario/inventory.js';

/** What the run note calls the local agent's connection. */
const LOCAL_AGENT = 'local';

/** The run's driver and what run.json's notes say about it. `ledger` is the run's, claimed already (the agent joins its tag). */
export async function openKernelDriver(ledger: Ledger, hosts: (Inventory & { executor: 'local' }) | undefined): Promise<{ driver: KernelDriver; notes: string[] }> {
  if (hosts === undefined) return { driver: new LocalKernelDriver(ledger), notes: [] };
  const connection = await connectLocal({ name: LOCAL_AGENT });
  const { clock, hello } = connection;
  const note =
    `kernel plans applied through the local agent (coldpath agent, pid ${hello.pid}, protocol ${hello.protocol}); ` +
    `its clock offset ${clock.offsetUs.toFixed(1)} ± ${clock.uncertaintyUs.toFixed(1)} µs from ${clock.samples} exchanges, spans mapped through it; ` +
    'probes, services and sockperf started by the coordinator';
  return { driver: new AgentKernelDriver(connection, ledger), notes: [note] };
}
