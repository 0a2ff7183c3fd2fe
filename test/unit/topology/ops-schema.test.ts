/**
 * The plan schema (src/topology/ops-schema.ts) mirrors ops.ts: one sample of
 * every kind, every optional field set, goes through both unchanged; every
 * plan coldpath itself builds passes it; bad plans are refused with the field
 * named. `SAMPLES` is keyed by `Op['kind']`, so a kind added to ops.ts fails
 * the test's type check until it has a sample, and then this test until the
 * schema knows it.
 */
import { describe, expect, it } from 'vitest';
import { scenarioPlans } from '../../../src/commands/plan.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { OP_SCHEMA_KINDS, opSchema, planSchema } from '../../../src/topology/ops-schema.js';
import type { Op } from '../../../src/topology/ops.js';

/** Every kind, with every optional field it has. */
const SAMPLES: { [K in Op['kind']]: Extract<Op, { kind: K }> } = {
  'node.add': { kind: 'node.add', node: 'fh0', role: 'function-host' },
  'bridge.add': { kind: 'bridge.add', node: 'pvpc', dev: 'br0', mtu: 1500, mac: '02:00:00:00:00:01' },
  'veth.add': { kind: 'veth.add', node: 'a', dev: 'va', peerNode: 'b', peerDev: 'vb', mtu: 9000 },
  'macvlan.add': { kind: 'macvlan.add', node: 'fh0', dev: 'eth0', parent: 'ens5', mode: 'bridge', mac: '02:00:00:00:00:05', mtu: 9001 },
  'ipvlan.add': { kind: 'ipvlan.add', node: 'fh0-c1', dev: 'eni0', parent: 'ens6', mode: 'l2', mtu: 9001 },
  'nic.lend': { kind: 'nic.lend', node: 'fh0-c1', dev: 'eni0', nic: 'ens7' },
  'nic.return': { kind: 'nic.return', node: 'fh0-c1', dev: 'eni0', nic: 'ens7' },
  'link.set': { kind: 'link.set', node: 'a', dev: 'va', up: true, master: 'br0', mtu: 1400 },
  'link.del': { kind: 'link.del', node: 'a', dev: 'va' },
  'addr.add': { kind: 'addr.add', node: 'a', dev: 'gre1', cidr: '10.0.0.1/32', peer: '10.0.0.2/32' },
  'addr.del': { kind: 'addr.del', node: 'a', dev: 'va', cidr: '10.0.0.1/24' },
  'route.add': { kind: 'route.add', node: 'a', dst: 'default', via: '10.0.0.2', dev: 'va', src: '10.0.0.1', onlink: true, mtu: 1400, advmss: 1360, table: 100 },
  'route.del': { kind: 'route.del', node: 'a', dst: '10.1.0.0/16', via: '10.0.0.2', dev: 'va', table: 100 },
  'rule.add': { kind: 'rule.add', node: 'a', fwmark: 0x10, table: 100, priority: 1000 },
  'rule.del': { kind: 'rule.del', node: 'a', fwmark: 0x10, table: 100, priority: 1000 },
  sysctl: { kind: 'sysctl', node: 'a', key: 'net.ipv4.ip_local_port_range', value: '1024 65000' },
  'nft.table': { kind: 'nft.table', node: 'proxy0', family: 'inet', table: 'coldpath_nat', body: 'chain post {\n  type nat hook postrouting priority 100;\n  masquerade\n}' },
  'nft.delete': { kind: 'nft.delete', node: 'proxy0', family: 'ip', table: 'coldpath_nat' },
  'tunnel.add': { kind: 'tunnel.add', node: 'fh0', dev: 'vx0', type: 'vxlan', local: '198.18.0.10', remote: '198.18.0.20', key: 42, port: 4789, underlay: 'eth0', mtu: 1450, mac: '02:00:00:00:00:02' },
  'fdb.append': { kind: 'fdb.append', node: 'fh0', dev: 'vx0', dst: '198.18.0.20', mac: '02:00:00:00:00:03' },
  'fdb.del': { kind: 'fdb.del', node: 'fh0', dev: 'vx0', dst: '198.18.0.20', mac: '02:00:00:00:00:03' },
  'neigh.replace': { kind: 'neigh.replace', node: 'fh0', dev: 'gre1', address: '10.0.0.2', lladdr: '02:00:00:00:00:04' },
  'neigh.del': { kind: 'neigh.del', node: 'fh0', dev: 'gre1', address: '10.0.0.2' },
  'node.del': { kind: 'node.del', node: 'fh0' },
};

/** The error zod gives for `op`, as `path: message`. */
function refusal(op: unknown): string {
  const result = planSchema.safeParse({ title: 't', ops: [op] });
  if (result.success) return 'accepted';
  const issue = result.error.issues[0];
  return `${issue?.path.join('.')}: ${issue?.message}`;
}

describe('the plan schema mirrors ops.ts', () => {
  it('knows exactly the kinds ops.ts has', () => {
    expect([...OP_SCHEMA_KINDS].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [kind, sample] of Object.entries(SAMPLES)) {
    it(`${kind}: a sample with every field round-trips unchanged (through JSON too)`, () => {
      expect(opSchema.parse(sample)).toEqual(sample);
      expect(opSchema.parse(JSON.parse(JSON.stringify(sample)))).toEqual(sample);
    });
  }

  it('accepts every plan coldpath builds itself (each path, each tunnel)', () => {
    for (const tunnel of ['gre', 'ipip', 'vxlan'] as const) {
      for (const plan of scenarioPlans(parseScenario({ tunnel, strategies: ['baseline', 'eni', 'peering', 'gre-proxy'] }))) {
        const result = planSchema.safeParse(plan);
        expect(result.success, `${plan.title}: ${result.error?.issues[0]?.path.join('.')} ${result.error?.issues[0]?.message}`).toBe(true);
      }
    }
  });
});

describe('bad plans are refused with the field named', () => {
  it('an unknown kind, a missing field, an unknown field', () => {
    expect(refusal({ kind: 'link.rename', node: 'a', dev: 'x' })).toMatch(/^ops\.0\.kind: /);
    expect(refusal({ kind: 'veth.add', node: 'a', dev: 'va', peerNode: 'b' })).toMatch(/^ops\.0\.peerDev: /);
    expect(planSchema.safeParse({ title: 't', ops: [{ kind: 'link.del', node: 'a', dev: 'va', up: true }] }).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      path: ['ops', 0],
      keys: ['up'],
    });
    expect(planSchema.safeParse({ ops: [] }).error?.issues[0]?.path).toEqual(['title']);
  });

  it('names the kernel or the renderer would refuse', () => {
    expect(refusal({ kind: 'node.add', node: 'Fh0', role: 'vpc' })).toMatch(/^ops\.0\.node: expected a node name/);
    expect(refusal({ kind: 'link.del', node: 'a', dev: 'much-too-long-name' })).toMatch(/^ops\.0\.dev: expected an interface name of at most 15/);
    expect(refusal({ kind: 'link.del', node: 'a', dev: 'a/b' })).toMatch(/^ops\.0\.dev: expected an interface name/);
    expect(refusal({ kind: 'node.add', node: 'a', role: 'router' })).toMatch(/^ops\.0\.role: /);
    expect(refusal({ kind: 'tunnel.add', node: 'a', dev: 't', type: 'gre', local: '1.1.1.1', underlay: 'eth0', mtu: 20 })).toMatch(/^ops\.0\.mtu: /);
  });

  it('refuses values that would escape their command: whitespace in a batch word, a sysctl outside net.*', () => {
    expect(refusal({ kind: 'addr.add', node: 'a', dev: 'va', cidr: '10.0.0.1/24\nnetns add x' })).toBe('ops.0.cidr: expected one word (no whitespace)');
    expect(refusal({ kind: 'route.add', node: 'a', dst: 'default via 1.2.3.4' })).toBe('ops.0.dst: expected one word (no whitespace)');
    expect(refusal({ kind: 'sysctl', node: 'a', key: 'kernel.panic', value: '1' })).toBe('ops.0.key: expected a net.* key (only those are per namespace)');
    expect(refusal({ kind: 'nft.delete', node: 'a', family: 'ip', table: 'x; flush ruleset' })).toMatch(/^ops\.0\.table: expected an nftables name/);
  });
});
