/**
 * Whether the kernel under a node can create a kind of tunnel link, tried in
 * the node itself through the run's driver (`inNode`): across machines the
 * node's machine's kernel answers, not the coordinator's (kernel-features.ts
 * probes this machine, for doctor and the run's preflight). The scratch link
 * is deleted at once; one that could not be created leaves nothing.
 */
import type { InNode } from '../kernel/kernel-driver.js';
import type { TunnelType } from '../topology/ops.js';
import { linkTestArgs } from './kernel-features.js';

/** null when the link was created (and removed again), else the kernel's first line of refusal. */
export async function linkRefusalIn(inNode: InNode, type: TunnelType): Promise<string | null> {
  const args = linkTestArgs(type);
  const created = await inNode(['ip', ...args], { timeoutMs: 10_000 });
  if (created.exitCode !== 0)
    return (
      created.stderr
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? `ip exited ${created.exitCode}`
    );
  // args: link add NAME type …
  await inNode(['ip', 'link', 'del', args[2] as string], { timeoutMs: 10_000 });
  return null;
}
