/** The kernel check of a tunnel type in a node: through the node's `inNode`, so across machines that machine's kernel answers. */
import { describe, expect, it } from 'vitest';
import { linkRefusalIn } from '../../../src/env/node-link-support.js';
import type { InNode } from '../../../src/kernel/kernel-driver.js';

function fakeNode(answers: Record<string, { exitCode: number; stderr?: string }>): { inNode: InNode; calls: string[] } {
  const calls: string[] = [];
  const inNode: InNode = async (argv) => {
    const line = argv.join(' ');
    calls.push(line);
    const answer = Object.entries(answers).find(([prefix]) => line.startsWith(prefix))?.[1] ?? { exitCode: 0 };
    return { argv, exitCode: answer.exitCode, stdout: '', stderr: answer.stderr ?? '', durationMs: 1 };
  };
  return { inNode, calls };
}

describe('linkRefusalIn', () => {
  it('creates a scratch link in the node and removes it again', async () => {
    const { inNode, calls } = fakeNode({});
    expect(await linkRefusalIn(inNode, 'ipip')).toBeNull();
    expect(calls).toEqual(['ip link add cpipip0 type ipip local 192.0.2.1 remote 192.0.2.2', 'ip link del cpipip0']);
  });

  it("answers with the node's kernel's first line, and has nothing to remove", async () => {
    const { inNode, calls } = fakeNode({ 'ip link add': { exitCode: 2, stderr: '\nError: Unknown device type.\nmore\n' } });
    expect(await linkRefusalIn(inNode, 'gre')).toBe('Error: Unknown device type.');
    expect(calls).toHaveLength(1);
  });
});
