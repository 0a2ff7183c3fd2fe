/**
 * What one machine is, beyond its kernel: OS, CPUs and the versions of the
 * tools coldpath drives there. The run's fingerprint holds the coordinator's;
 * each agent answers `machine` with its own, so a run across machines says
 * which CPUs and which sockperf measured on every host.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runCommand } from '../exec/run-command.js';
import type { MachineDescription } from '../results/types.js';

export type { MachineDescription };

/** A tool's version line; 'not installed' when it cannot be started. */
export async function firstLine(argv: string[]): Promise<string> {
  try {
    const result = await runCommand(argv, { reject: false, timeoutMs: 5000 });
    return (result.stdout || result.stderr).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** sockperf's version number (`sockperf: == version #3.10-no.git ==` → 3.10-no.git). */
export async function sockperfVersion(): Promise<string> {
  try {
    const result = await runCommand(['sockperf', '--version'], { reject: false, timeoutMs: 5000 });
    return /version\s+#?(\S+)/.exec(result.stdout + result.stderr)?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function cpus(): Pick<MachineDescription, 'cpuModel' | 'cpuCount'> {
  const all = os.cpus();
  return { cpuModel: all[0]?.model.trim() ?? 'unknown', cpuCount: all.length };
}

/** This machine, its tools asked in parallel. */
export async function describeMachine(): Promise<MachineDescription> {
  const [iproute2, nft, sockperf] = await Promise.all([firstLine(['ip', '-V']), firstLine(['nft', '--version']), sockperfVersion()]);
  return { os: osName(), ...cpus(), node: process.version, iproute2, nft, sockperf };
}
