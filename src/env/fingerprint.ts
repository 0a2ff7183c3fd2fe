/** The environment a run measured: enough to refuse comparing unlike runs. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runCommand } from '../exec/run-command.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { Fingerprint } from '../results/types.js';
import type { KernelFeatures } from './kernel-features.js';
import { cpus, firstLine, osName } from './machine.js';

export const COLDPATH_VERSION: string = (JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string }).version;

export async function fingerprint(options: { features: KernelFeatures; tunnelUsed: string | null; cpuPlacement: Fingerprint['cpuPlacement'] }): Promise<Fingerprint> {
  const gitSha = await runCommand(['git', '-C', PACKAGE_ROOT, 'rev-parse', 'HEAD'], { reject: false, timeoutMs: 5000 })
    .then((result) => (result.exitCode === 0 ? result.stdout.trim() : 'unknown'))
    .catch(() => 'unknown');
  return {
    hostname: os.hostname(),
    kernel: os.release(),
    os: osName(),
    ...cpus(),
    node: process.version,
    iproute2: await firstLine(['ip', '-V']),
    nft: await firstLine(['nft', '--version']),
    coldpath: COLDPATH_VERSION,
    gitSha,
    tunnelSupport: { gre: options.features.gre, ipip: options.features.ipip, vxlan: options.features.vxlan },
    tunnelUsed: options.tunnelUsed,
    cpuPlacement: options.cpuPlacement,
    clock: 'CLOCK_MONOTONIC',
  };
}

/** Fields that must match for two runs to be compared. */
export function fingerprintDifferences(a: Fingerprint, b: Fingerprint): string[] {
  const differences: string[] = [];
  const check = (label: string, x: unknown, y: unknown): void => {
    if (JSON.stringify(x) !== JSON.stringify(y)) differences.push(`${label}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  check('kernel', a.kernel, b.kernel);
  check('cpuModel', a.cpuModel, b.cpuModel);
  check('cpuCount', a.cpuCount, b.cpuCount);
  check('tunnelUsed', a.tunnelUsed, b.tunnelUsed);
  check('cpuPlacement', a.cpuPlacement, b.cpuPlacement);
  return differences;
}
