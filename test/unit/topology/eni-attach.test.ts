/**
 * How an instance gets its ENI across machines (`hosts[].eni`, docs/hosts.md): the inventory's
 * validation, the split of the eni strategy's plans with each attach mode (macvlan child, ipvlan
 * child, a lent spare NIC returned before its instance's namespace goes), the rendering of the new
 * ops, the per-host quota, the ledger's lent NICs and the refusal of `eni` on one machine.
 */
import { describe, expect, it } from 'vitest';
import { isColdpathError } from '../../../src/errors.js';
import { checkRunInventory } from '../../../src/executors/run-inventory.js';
import { lentNicsOf, returnLines } from '../../../src/kernel/lent-nics.js';
import type { LedgerEntry } from '../../../src/kernel/ledger.js';
import { homeNetnsOf, macvlanTemporaryName, namesOtherNetns, renderOp } from '../../../src/kernel/render.js';
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { createStrategy } from '../../../src/strategies/index.js';
import { EniNics } from '../../../src/topology/eni-nics.js';
import { splitPlan } from '../../../src/topology/host-plans.js';
import { instanceDeletePlan, instanceLayout } from '../../../src/topology/instance-plan.js';
import { buildLayout } from '../../../src/topology/layout.js';
import type { Op } from '../../../src/topology/ops.js';
import { placeNodes } from '../../../src/topology/placement.js';
import { THREE_MACHINES_RAW, inventoryWith } from './three-machines.js';

const nsOf = (node: string): string => `coldpath-0000-${node}`;

/** The error a thunk throws, as `field: message`. */
function failure(thunk: () => unknown): string {
  try {
    thunk();
  } catch (error) {
    if (isColdpathError(error)) return `${error.field ?? ''}: ${error.message}`;
    return String(error);
  }
  return 'no error';
}

describe('inventory: hosts[].eni', () => {
  const withEni =
    (eni: object, index = 0) =>
    () =>
      inventoryWith({ [index]: { eni } });

  it('defaults to no eni section (a macvlan child), accepts each mode', () => {
    expect(inventoryWith({}).hosts[0]?.eni).toBeUndefined();
    expect(inventoryWith({ 0: { eni: {} } }).hosts[0]?.eni).toEqual({ attach: 'macvlan' });
    expect(inventoryWith({ 0: { eni: { attach: 'ipvlan' } } }).hosts[0]?.eni).toEqual({ attach: 'ipvlan' });
    expect(inventoryWith({ 0: { eni: { attach: 'nic', nics: ['ens7', 'ens8'] } } }).hosts[0]?.eni).toEqual({ attach: 'nic', nics: ['ens7', 'ens8'] });
  });

  it('refuses what cannot work, naming the field', () => {
    expect(failure(withEni({ attach: 'nic' }))).toMatch(/hosts\.0\.eni\.nics.*list them/);
    expect(failure(withEni({ attach: 'ipvlan', nics: ['ens7'] }))).toMatch(/hosts\.0\.eni\.nics.*nics is for attach: nic/);
    expect(failure(withEni({ attach: 'nic', nics: ['ens7', 'ens7'] }))).toMatch(/hosts\.0\.eni\.nics\.1.*listed twice/);
    expect(failure(withEni({ attach: 'nic', nics: ['ens6'] }))).toMatch(/hosts\.0\.eni\.nics\.0.*user-VPC NIC \(nics\.user\)/);
    expect(failure(withEni({ attach: 'nic', nics: ['a-very-long-nic-name'] }))).toMatch(/hosts\.0\.eni\.nics\.0: got "a-very-long-nic-name"; expected ≤ 15/);
    expect(failure(withEni({ attach: 'nic', nics: [] }))).toMatch(/hosts\.0\.eni\.nics/);
    expect(failure(withEni({ attach: 'sriov' }))).toMatch(/hosts\.0\.eni\.attach/);
    expect(failure(withEni({ attach: 'macvlan' }, 1))).toMatch(/hosts\.1\.eni.*only a function host attaches ENIs/);
    expect(failure(withEni({ attach: 'nic', nics: ['ens7'], extra: 1 }))).toMatch(/hosts\.0\.eni/);
  });

  it('executor local (one machine) refuses an eni section, naming it; executor ssh takes it', () => {
    const local = inventoryWith({ 0: { eni: { attach: 'ipvlan' } } });
    expect(failure(() => checkRunInventory(local))).toMatch(/^hosts\.0\.eni: .*executor: local/);
    const ssh = parseInventory({
      ...THREE_MACHINES_RAW,
      executor: 'ssh',
      hosts: THREE_MACHINES_RAW.hosts.map((h, i) => ({ ...h, address: `10.0.0.${i + 1}`, ...(i === 0 ? { eni: { attach: 'nic', nics: ['ens7'] } } : {}) })),
    });
    expect(checkRunInventory(ssh).hosts[0]?.eni?.attach).toBe('nic');
  });
});

/** The eni strategy's attach and delete plans of instances 0 and 1 on fn-1, split on the three machines with `eni`. */
function eniSplit(eni: object | undefined, instances = 2): { attach: Op[][]; remove: Op[] } {
  const scenario = parseScenario({ strategies: ['eni'] });
  const layout = buildLayout(scenario, '0000');
  const inventory = inventoryWith(eni === undefined ? {} : { 0: { eni } });
  const placement = placeNodes(layout, scenario.strategies, inventory);
  const nics = new EniNics();
  const strategy = createStrategy('eni', { scenario, layout, tunnel: { requested: 'gre', used: 'gre', reason: '' } });
  const layouts = Array.from({ length: instances }, (_, id) => instanceLayout(layout, id, 0, id));
  const attach = layouts.map((instance) => {
    const planned = strategy.attach(instance);
    if (!planned.ok) throw new Error(planned.message);
    return splitPlan(planned.plan, placement, nics).flatMap((part) => (part.host === 'fn-1' ? part.plan.ops : []));
  });
  const remove = splitPlan(instanceDeletePlan(layouts), placement, nics).flatMap((part) => part.plan.ops);
  return { attach, remove };
}

describe('splitPlan: an instance ENI follows its machine’s eni.attach', () => {
  it('macvlan (the default): a macvlan child of nics.user, mode bridge', () => {
    const { attach, remove } = eniSplit(undefined);
    expect(attach[0]?.[0]).toEqual({ kind: 'macvlan.add', node: 'fh0-c0', dev: 'eni0', parent: 'ens6', mode: 'bridge' });
    expect(remove.map((op) => op.kind)).toEqual(['node.del', 'node.del']);
  });

  it('ipvlan: an ipvlan child of nics.user, mode l2, then the instance’s own address, link and route', () => {
    const { attach } = eniSplit({ attach: 'ipvlan' });
    expect(attach[0]?.[0]).toEqual({ kind: 'ipvlan.add', node: 'fh0-c0', dev: 'eni0', parent: 'ens6', mode: 'l2' });
    expect(attach[0]?.slice(1).map((op) => [op.kind, op.node])).toEqual([
      ['addr.add', 'fh0-c0'],
      ['link.set', 'fh0-c0'],
      ['route.add', 'fh0-c0'],
    ]);
  });

  it('nic: each instance lent the next free NIC, each returned right before its namespace goes, freed for the next', () => {
    const { attach, remove } = eniSplit({ attach: 'nic', nics: ['ens7', 'ens8'] });
    expect(attach.map((ops) => ops[0])).toEqual([
      { kind: 'nic.lend', node: 'fh0-c0', dev: 'eni0', nic: 'ens7' },
      { kind: 'nic.lend', node: 'fh0-c1', dev: 'eni0', nic: 'ens8' },
    ]);
    expect(remove).toEqual([
      { kind: 'nic.return', node: 'fh0-c0', dev: 'eni0', nic: 'ens7' },
      { kind: 'node.del', node: 'fh0-c0' },
      { kind: 'nic.return', node: 'fh0-c1', dev: 'eni0', nic: 'ens8' },
      { kind: 'node.del', node: 'fh0-c1' },
    ]);
  });

  it('nic: more instances than NICs is an input error naming hosts.0.eni.nics (the strategy refuses first, below)', () => {
    expect(failure(() => eniSplit({ attach: 'nic', nics: ['ens7'] }))).toMatch(/^hosts\.0\.eni\.nics: .*ENI quota of machine fn-1 reached: its 1 NIC\(s\) \(ens7\) are all lent, none for fh0-c1/);
  });

  it('nic: a function host without nics.user is placed (its ENIs are its spare NICs)', () => {
    const inventory = parseInventory({
      ...THREE_MACHINES_RAW,
      hosts: THREE_MACHINES_RAW.hosts.map((h, i) => (i === 0 ? { ...h, nics: { platform: 'ens5' }, eni: { attach: 'nic', nics: ['ens7'] } } : h)),
    });
    const scenario = parseScenario({ strategies: ['eni'] });
    expect(() => placeNodes(buildLayout(scenario, '0000'), scenario.strategies, inventory)).not.toThrow();
  });

  it('EniNics: the same node and dev asked twice get the same NIC; release frees it', () => {
    const nics = new EniNics();
    expect(nics.lend('m', ['a', 'b'], 'fh0-c0', 'eni0', 'f')).toBe('a');
    expect(nics.lend('m', ['a', 'b'], 'fh0-c0', 'eni0', 'f')).toBe('a');
    expect(nics.lend('m', ['a', 'b'], 'fh0-c1', 'eni0', 'f')).toBe('b');
    expect(nics.release('m', 'fh0-c0')).toEqual([{ nic: 'a', dev: 'eni0' }]);
    expect(nics.lend('m', ['a', 'b'], 'fh0-c2', 'eni0', 'f')).toBe('a');
  });
});

describe('the eni strategy: a function host lending NICs holds as many ENIs as it has NICs', () => {
  it('refuses the instance beyond them (eni-quota, naming the field), and takes one again after a release', () => {
    const scenario = parseScenario({ strategies: ['eni'] });
    const layout = buildLayout(scenario, '0000');
    const strategy = createStrategy('eni', {
      scenario,
      layout,
      tunnel: { requested: 'gre', used: 'gre', reason: '' },
      eniSlotsOf: (node) => (node === 'fh0' ? { quota: 2, field: 'hosts.0.eni.nics' } : undefined),
    });
    const [a, b, c] = [0, 1, 2].map((id) => instanceLayout(layout, id, 0, id));
    expect(strategy.attach(a!).ok).toBe(true);
    expect(strategy.attach(b!).ok).toBe(true);
    const refused = strategy.attach(c!);
    expect(refused).toMatchObject({ ok: false, reason: 'eni-quota' });
    expect(refused.ok ? '' : refused.message).toMatch(/fh0.*2 spare NIC\(s\) \(hosts\.0\.eni\.nics\)/);
    strategy.release(a!);
    expect(strategy.attach(c!).ok).toBe(true);
  });
});

describe('rendering: ipvlan.add, nic.lend, nic.return', () => {
  it('ipvlan.add: made in the machine’s context under the temporary name, renamed in the node, no MAC of its own', () => {
    const commands = renderOp({ kind: 'ipvlan.add', node: 'fh0-c0', dev: 'eni0', parent: 'ens6', mode: 'l2', mtu: 1500 }, nsOf);
    const temporary = macvlanTemporaryName('coldpath-0000-fh0-c0', 'eni0');
    expect(commands).toEqual([
      { tool: 'ip', ctx: 'root', args: ['link', 'add', 'link', 'ens6', 'name', temporary, 'netns', 'coldpath-0000-fh0-c0', 'mtu', '1500', 'type', 'ipvlan', 'mode', 'l2'] },
      { tool: 'ip', ctx: { netns: 'coldpath-0000-fh0-c0' }, args: ['link', 'set', 'dev', temporary, 'name', 'eni0'] },
    ]);
    expect(commands.map(namesOtherNetns)).toEqual([true, false]);
  });

  it('nic.lend: moved from the machine’s namespace under its own name, renamed in the node', () => {
    expect(renderOp({ kind: 'nic.lend', node: 'fh0-c0', dev: 'eni0', nic: 'ens7' }, nsOf)).toEqual([
      { tool: 'ip', ctx: 'root', args: ['link', 'set', 'dev', 'ens7', 'netns', 'coldpath-0000-fh0-c0'] },
      { tool: 'ip', ctx: { netns: 'coldpath-0000-fh0-c0' }, args: ['link', 'set', 'dev', 'ens7', 'name', 'eni0'] },
    ]);
  });

  it('nic.return: down, flushed, renamed back, moved home to the agent’s namespace (by its pid, never /proc/self)', () => {
    const commands = renderOp({ kind: 'nic.return', node: 'fh0-c0', dev: 'eni0', nic: 'ens7' }, nsOf);
    expect(commands.map((c) => (c.tool === 'ip' ? c.args.join(' ') : ''))).toEqual([
      'link set dev eni0 down',
      'addr flush dev eni0',
      'link set dev eni0 name ens7',
      `link set dev ens7 netns /proc/${process.pid}/ns/net`,
    ]);
    expect(commands.every((c) => c.ctx !== 'root')).toBe(true);
    expect(namesOtherNetns(commands[3]!)).toBe(true);
    expect(renderOp({ kind: 'nic.return', node: 'fh0-c0', dev: 'eni0', nic: 'ens7' }, nsOf, { home: homeNetnsOf(1) })[3]).toMatchObject({
      args: ['link', 'set', 'dev', 'ens7', 'netns', '/proc/1/ns/net'],
    });
  });
});

describe('the ledger’s lent NICs (lent-nics.ts)', () => {
  const lent = (nic: string, mac: string, node: string): LedgerEntry => ({ t: 'nic', nic, mac, netns: nsOf(node), dev: 'eni0' });

  it('keeps the latest lend of each MAC (a NIC lent again is with its latest instance)', () => {
    const entries: LedgerEntry[] = [
      { t: 'netns', name: nsOf('fh0-c0') },
      lent('ens7', '52:54:00:00:00:07', 'fh0-c0'),
      lent('ens8', '52:54:00:00:00:08', 'fh0-c1'),
      lent('ens7', '52:54:00:00:00:07', 'fh0-c2'),
    ];
    expect(lentNicsOf(entries).map((e) => (e.t === 'nic' ? `${e.nic}@${e.netns}` : ''))).toEqual(['ens7@coldpath-0000-fh0-c2', 'ens8@coldpath-0000-fh0-c1']);
  });

  it('brings a NIC home from its node (down, flushed, its own name, moved), or renames it at home, or leaves it', () => {
    const nic = lent('ens7', '52:54:00:00:00:07', 'fh0-c0');
    if (nic.t !== 'nic') throw new Error('not a nic entry');
    expect(returnLines(nic, { inNode: 'eni0' }, '/proc/42/ns/net').map((argv) => argv.join(' '))).toEqual([
      'ip -n coldpath-0000-fh0-c0 link set dev eni0 down',
      'ip -n coldpath-0000-fh0-c0 addr flush dev eni0',
      'ip -n coldpath-0000-fh0-c0 link set dev eni0 name ens7',
      'ip -n coldpath-0000-fh0-c0 link set dev ens7 netns /proc/42/ns/net',
    ]);
    expect(returnLines(nic, { atHome: 'eth9' }, '/proc/42/ns/net').map((argv) => argv.join(' '))).toEqual(['ip link set dev eth9 down', 'ip link set dev eth9 name ens7']);
    expect(returnLines(nic, { atHome: 'ens7' }, '/proc/42/ns/net')).toEqual([]);
  });
});
