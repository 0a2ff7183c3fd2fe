/**
 * CPU placement of probes and servers: set, recorded, and checked against this
 * machine. An empty list means unpinned.
 */
import os from 'node:os';
import { ColdpathError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { Fingerprint } from '../results/types.js';

export function resolvePlacement(scenario: Scenario, cpuCount = Math.max(1, os.availableParallelism())): Fingerprint['cpuPlacement'] {
  const { placement } = scenario.cpu;
  if (placement === 'none') return { placement, probes: [], services: [], burstProbes: [], helpers: [] };
  // Default: probes and servers share the last CPU — the lowest, least bimodal latency (notes/machine-facts.md).
  const probes = scenario.cpu.probes ?? [cpuCount - 1];
  const services = scenario.cpu.services ?? probes;
  // Helper threads (V8 compiler and GC workers) away from the measuring threads: on the same CPU a
  // background compile preempts the main thread for a scheduler slice (measured: keep-alive p99 3.5 ms → 0.56 ms).
  const helpers = scenario.cpu.helpers ?? Array.from({ length: cpuCount }, (_, cpu) => cpu).filter((cpu) => !probes.includes(cpu) && !services.includes(cpu));
  for (const [field, cpus] of [
    ['cpu.probes', probes],
    ['cpu.services', services],
    ['cpu.helpers', helpers],
  ] as const) {
    for (const cpu of cpus) {
      if (cpu >= cpuCount) {
        throw new ColdpathError(`${field}: CPU ${cpu} does not exist; this machine has CPUs 0–${cpuCount - 1}`, {
          kind: 'input',
          field,
          hint: 'omit cpu.probes, cpu.services and cpu.helpers for the defaults, or set cpu.placement: none',
        });
      }
    }
  }
  return { placement, probes: [...probes], services: [...services], burstProbes: scenario.cpu.burstProbes === 'all' ? [] : [...probes], helpers: [...helpers] };
}
