/**
 * Turns plan operations into the exact commands a Linux host runs: iproute2,
 * bridge, sysctl and nft. The same rendering feeds the driver (batched) and
 * `coldpath plan` (a shell script), so what is printed is what runs.
 */
import type { Op } from '../topology/ops.js';

/** Where a command runs: the root context (`netns add/del`, a macvlan child of a machine's NIC) or a namespace. */
export type Context = { netns: string } | 'root';

export type KernelCommand =
  | { tool: 'ip' | 'bridge'; ctx: Context; args: string[] }
  | { tool: 'sysctl'; ctx: { netns: string }; args: string[] }
  | { tool: 'nft'; ctx: { netns: string }; script: string };

export type NetnsOf = (node: string) => string;

const VXLAN_FLOOD_MAC = '00:00:00:00:00:00';

/**
 * The name a macvlan child is created under before it is renamed in its node: `cpmv` and 8 hex digits of a hash
 * (FNV-1a) of the node's namespace and the child's final name — fixed for one child (a plan renders the same
 * commands twice), unlike any NIC of a machine, and within IFNAMSIZ.
 */
export function macvlanTemporaryName(netns: string, dev: string): string {
  let hash = 0x811c9dc5;
  for (const char of `${netns}/${dev}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `cpmv${hash.toString(16).padStart(8, '0')}`;
}

/**
 * The machine's own namespace as `ip … netns` takes it from inside a node: a path (iproute2 reads a target with
 * "/" as a namespace file). The agent runs in the machine's namespace, so its own pid's is the machine's — not
 * `/proc/self`, which under `ip -n NODE` is the node, nor pid 1, which on an emulated machine is another namespace.
 */
export const homeNetnsOf = (pid: number): string => `/proc/${pid}/ns/net`;

export interface RenderOptions {
  /** Where `nic.return` moves a lent NIC: the machine's namespace (`homeNetnsOf`); default the rendering process's. */
  home?: string;
}

export function renderOp(op: Op, nsOf: NetnsOf, options: RenderOptions = {}): KernelCommand[] {
  switch (op.kind) {
    case 'node.add':
      // Loopback is brought up by the plan, batched with the node's other work.
      return [{ tool: 'ip', ctx: 'root', args: ['netns', 'add', nsOf(op.node)] }];
    case 'node.del':
      return [{ tool: 'ip', ctx: 'root', args: ['netns', 'del', nsOf(op.node)] }];
    case 'bridge.add':
      return [ipIn(op.node, nsOf, ['link', 'add', 'name', op.dev, ...mtu(op.mtu), ...(op.mac === undefined ? [] : ['address', op.mac]), 'type', 'bridge'])];
    case 'veth.add':
      return [ipIn(op.node, nsOf, ['link', 'add', 'name', op.dev, ...mtu(op.mtu), 'type', 'veth', 'peer', 'name', op.peerDev, ...mtu(op.mtu), 'netns', nsOf(op.peerNode)])];
    case 'macvlan.add': {
      // In the machine's own context: the parent is a NIC of the machine, the child is born inside the node,
      // under a temporary name, then renamed there: kernels before 6.13 (Debian 12's 6.1) look the new name up in
      // the caller's namespace too, so `name eth0` fails with "File exists" on a machine whose own NIC is eth0.
      const temporary = macvlanTemporaryName(nsOf(op.node), op.dev);
      return [
        {
          tool: 'ip',
          ctx: 'root',
          args: ['link', 'add', 'link', op.parent, 'name', temporary, 'netns', nsOf(op.node), ...(op.mac === undefined ? [] : ['address', op.mac]), ...mtu(op.mtu), 'type', 'macvlan', 'mode', op.mode],
        },
        ipIn(op.node, nsOf, ['link', 'set', 'dev', temporary, 'name', op.dev]),
      ];
    }
    case 'ipvlan.add': {
      // As a macvlan child (the same temporary name and rename), but sharing the parent's MAC: no `address`.
      const temporary = macvlanTemporaryName(nsOf(op.node), op.dev);
      return [
        { tool: 'ip', ctx: 'root', args: ['link', 'add', 'link', op.parent, 'name', temporary, 'netns', nsOf(op.node), ...mtu(op.mtu), 'type', 'ipvlan', 'mode', op.mode] },
        ipIn(op.node, nsOf, ['link', 'set', 'dev', temporary, 'name', op.dev]),
      ];
    }
    case 'nic.lend':
      // Moved under its own name (the node has no such device), renamed there: the machine's namespace never sees `dev`.
      return [{ tool: 'ip', ctx: 'root', args: ['link', 'set', 'dev', op.nic, 'netns', nsOf(op.node)] }, ipIn(op.node, nsOf, ['link', 'set', 'dev', op.nic, 'name', op.dev])];
    case 'nic.return':
      // Down and flushed first, so the machine gets it back as it lent it: no address of the run's, under its own name.
      return [
        ipIn(op.node, nsOf, ['link', 'set', 'dev', op.dev, 'down']),
        ipIn(op.node, nsOf, ['addr', 'flush', 'dev', op.dev]),
        ipIn(op.node, nsOf, ['link', 'set', 'dev', op.dev, 'name', op.nic]),
        ipIn(op.node, nsOf, ['link', 'set', 'dev', op.nic, 'netns', options.home ?? homeNetnsOf(process.pid)]),
      ];
    case 'link.set':
      return [
        ipIn(op.node, nsOf, ['link', 'set', 'dev', op.dev, ...mtu(op.mtu), ...(op.master === undefined ? [] : ['master', op.master]), ...(op.up === true ? ['up'] : op.up === false ? ['down'] : [])]),
      ];
    case 'link.del':
      return [ipIn(op.node, nsOf, ['link', 'del', 'dev', op.dev])];
    case 'addr.add':
      return [ipIn(op.node, nsOf, ['addr', 'add', op.cidr, ...(op.peer === undefined ? [] : ['peer', op.peer]), 'dev', op.dev])];
    case 'addr.del':
      return [ipIn(op.node, nsOf, ['addr', 'del', op.cidr, 'dev', op.dev])];
    case 'route.add':
      return [
        ipIn(op.node, nsOf, [
          'route',
          'add',
          op.dst,
          ...(op.via === undefined ? [] : ['via', op.via]),
          ...(op.dev === undefined ? [] : ['dev', op.dev]),
          ...(op.onlink === true ? ['onlink'] : []),
          ...(op.src === undefined ? [] : ['src', op.src]),
          ...(op.mtu === undefined ? [] : ['mtu', String(op.mtu)]),
          ...(op.advmss === undefined ? [] : ['advmss', String(op.advmss)]),
          ...table(op.table),
        ]),
      ];
    case 'route.del':
      return [ipIn(op.node, nsOf, ['route', 'del', op.dst, ...(op.via === undefined ? [] : ['via', op.via]), ...(op.dev === undefined ? [] : ['dev', op.dev]), ...table(op.table)])];
    case 'rule.add':
    case 'rule.del':
      return [ipIn(op.node, nsOf, ['rule', op.kind === 'rule.add' ? 'add' : 'del', 'fwmark', `0x${op.fwmark.toString(16)}`, 'table', String(op.table), 'priority', String(op.priority)])];
    case 'sysctl':
      return [{ tool: 'sysctl', ctx: { netns: nsOf(op.node) }, args: [`${op.key}=${op.value}`] }];
    case 'nft.table':
      return [
        {
          tool: 'nft',
          ctx: { netns: nsOf(op.node) },
          // Declare, delete, recreate: replaces the table atomically in one transaction.
          script: `table ${op.family} ${op.table}\ndelete table ${op.family} ${op.table}\ntable ${op.family} ${op.table} {\n${indent(op.body)}\n}\n`,
        },
      ];
    case 'nft.delete':
      return [{ tool: 'nft', ctx: { netns: nsOf(op.node) }, script: `delete table ${op.family} ${op.table}\n` }];
    case 'tunnel.add':
      return [ipIn(op.node, nsOf, tunnelArgs(op))];
    case 'fdb.append':
      return [{ tool: 'bridge', ctx: { netns: nsOf(op.node) }, args: ['fdb', 'append', op.mac ?? VXLAN_FLOOD_MAC, 'dev', op.dev, 'dst', op.dst] }];
    case 'fdb.del':
      return [{ tool: 'bridge', ctx: { netns: nsOf(op.node) }, args: ['fdb', 'del', op.mac ?? VXLAN_FLOOD_MAC, 'dev', op.dev, 'dst', op.dst] }];
    case 'neigh.replace':
      return [ipIn(op.node, nsOf, ['neigh', 'replace', op.address, 'lladdr', op.lladdr, 'dev', op.dev])];
    case 'neigh.del':
      return [ipIn(op.node, nsOf, ['neigh', 'del', op.address, 'dev', op.dev])];
  }
}

function tunnelArgs(op: Extract<Op, { kind: 'tunnel.add' }>): string[] {
  const head = ['link', 'add', 'name', op.dev, 'mtu', String(op.mtu), ...(op.mac === undefined ? [] : ['address', op.mac]), 'type', op.type];
  const remote = op.remote === undefined ? [] : ['remote', op.remote];
  switch (op.type) {
    case 'gre':
      return [...head, 'local', op.local, ...remote, ...(op.key === undefined ? [] : ['key', String(op.key)]), 'ttl', '64', 'dev', op.underlay];
    case 'ipip':
      return [...head, 'local', op.local, ...remote, 'ttl', '64', 'dev', op.underlay];
    case 'vxlan':
      return [...head, 'id', String(op.key ?? 1), 'local', op.local, ...remote, 'dstport', String(op.port ?? 4789), 'dev', op.underlay, 'ttl', '64'];
  }
}

function ipIn(node: string, nsOf: NetnsOf, args: string[]): KernelCommand {
  return { tool: 'ip', ctx: { netns: nsOf(node) }, args };
}

const mtu = (value: number | undefined): string[] => (value === undefined ? [] : ['mtu', String(value)]);
const table = (value: number | undefined): string[] => (value === undefined ? [] : ['table', String(value)]);

const indent = (text: string): string =>
  text
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/**
 * True when the command names a namespace other than its own (`… netns NS`):
 * iproute2's batch mode opens that namespace and never closes the descriptor,
 * so a long-lived `ip -batch` session would keep every such namespace alive
 * after `netns del` — with its links, addresses and conntrack entries.
 */
export function namesOtherNetns(command: KernelCommand): boolean {
  return command.tool === 'ip' && command.args.includes('netns', 1);
}

export function contextKey(ctx: Context): string {
  return ctx === 'root' ? 'root' : ctx.netns;
}
