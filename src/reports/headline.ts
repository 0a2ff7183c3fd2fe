/**
 * The two lines that say which run a report is about: what was run and where.
 * Shared by report.md and report.html so both identify a run the same way.
 */
import { otherMachines } from '../results/machines.js';
import type { AgentClock, RunResult } from '../results/types.js';
import { plural } from './text.js';

export function runHeadline(run: RunResult): string {
  const { scenario } = run;
  // Runs recorded before burst modes existed have none.
  const burstMode = scenario.burst.mode;
  return [
    `scenario ${run.scenarioSource} (${scenario.name})`,
    `paths ${scenario.strategies.join(', ')}`,
    plural(scenario.repetitions, 'repetition'),
    `bursts K = ${scenario.burst.sizes.join(', ')}${burstMode === undefined ? '' : ` (${burstMode})`}`,
    // Said only for OCI containers: a process run's headline stays as it was.
    ...(scenario.instances?.runtime === 'oci' ? ['instances: OCI containers (crun)'] : []),
    ...(scenario.instances?.network === 'cni' ? ['instance network: CNI plugins (bridge, host-local)'] : []),
    `warm ${scenario.workload.metrics.join(', ')} × ${scenario.workload.requests} requests (${scenario.workload.loop} loop)`,
    `started ${run.startedAt}, ${(run.durationMs / 1000).toFixed(1)} s`,
  ].join(' · ');
}

export function environmentLine(run: RunResult): string {
  const f = run.fingerprint;
  const tunnel = run.tunnel === null ? 'no tunnel' : `tunnel ${run.tunnel.used} (asked ${run.tunnel.requested})`;
  return [
    `kernel ${f.kernel}`,
    `${f.cpuModel} × ${f.cpuCount}`,
    `CPU placement ${f.cpuPlacement.placement}`,
    `Node ${f.node}`,
    tunnel,
    `coldpath ${f.coldpath} (${f.gitSha.slice(0, 12)})`,
    `host ${f.hostname}`,
  ].join(' · ');
}

/**
 * The other machines of a run across machines, one clause each (absent on one machine): the
 * environment line names the coordinator's machine only.
 */
export function machinesLine(run: RunResult): string | undefined {
  const machines = otherMachines(run);
  if (machines.length === 0) return undefined;
  return `machines: ${machines.map(machineText).join(' · ')}`;
}

/** One agent's machine: its host name, kernel, CPUs and sockperf, as far as the run recorded them. */
export function machineText(agent: AgentClock): string {
  const cpu = agent.machine === undefined ? [] : [`${agent.machine.cpuModel} × ${agent.machine.cpuCount}`, `sockperf ${agent.machine.sockperf}`];
  return `${agent.host} (${[agent.hostname, agent.kernel === undefined ? undefined : `kernel ${agent.kernel}`, ...cpu].filter((part) => part !== undefined).join(', ')})`;
}
