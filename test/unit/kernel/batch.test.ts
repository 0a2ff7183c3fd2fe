import { describe, expect, it } from 'vitest';
import { toSteps } from '../../../src/kernel/batch.js';
import { namesOtherNetns, renderOp } from '../../../src/kernel/render.js';
import type { Op } from '../../../src/topology/ops.js';

const nsOf = (node: string): string => `coldpath-abcd-${node}`;

describe('batching', () => {
  it('merges neighbouring iproute2 commands of one namespace, keeps order across namespaces', () => {
    const ops: Op[] = [
      { kind: 'node.add', node: 'a', role: 'vpc' },
      { kind: 'node.add', node: 'b', role: 'vpc' },
      { kind: 'link.set', node: 'a', dev: 'lo', up: true },
      { kind: 'bridge.add', node: 'a', dev: 'br0' },
      { kind: 'link.set', node: 'b', dev: 'lo', up: true },
      { kind: 'sysctl', node: 'b', key: 'net.ipv4.ip_forward', value: '1' },
      { kind: 'sysctl', node: 'b', key: 'net.ipv4.conf.all.rp_filter', value: '0' },
      { kind: 'nft.table', node: 'b', family: 'ip', table: 't', body: 'chain c {\n}' },
      { kind: 'fdb.append', node: 'b', dev: 'vx', dst: '10.0.0.1' },
    ];
    const steps = toSteps(ops.flatMap((op) => renderOp(op, nsOf)));
    expect(steps.map((step) => step.argv.join(' '))).toEqual([
      'ip -batch -',
      'ip -n coldpath-abcd-a -batch -',
      'ip -n coldpath-abcd-b -batch -',
      'ip netns exec coldpath-abcd-b sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0',
      'ip netns exec coldpath-abcd-b nft -f -',
      'bridge -n coldpath-abcd-b -batch -',
    ]);
    expect(steps[0]?.input).toBe('netns add coldpath-abcd-a\nnetns add coldpath-abcd-b\n');
    expect(steps[1]?.input).toBe('link set dev lo up\nlink add name br0 type bridge\n');
    expect(steps[4]?.input).toBe('table ip t\ndelete table ip t\ntable ip t {\n  chain c {\n  }\n}\n');
  });
});

describe('commands that open another namespace', () => {
  // iproute2's batch mode never closes the namespace it opens for `… netns NS`; the driver
  // keeps such commands out of long-lived sessions, which would keep NS alive after `netns del`.
  it('are recognised by the netns argument, not by their own context', () => {
    const veth = renderOp({ kind: 'veth.add', node: 'c', dev: 'eth0', peerNode: 'h', peerDev: 'p0' }, nsOf);
    const set = renderOp({ kind: 'link.set', node: 'h', dev: 'p0', master: 'br', up: true }, nsOf);
    const add = renderOp({ kind: 'node.add', node: 'c', role: 'container' }, nsOf);
    expect(veth.map(namesOtherNetns)).toEqual([true]);
    expect(set.map(namesOtherNetns)).toEqual([false]);
    expect(add.map(namesOtherNetns)).toEqual([false]);
  });
});
