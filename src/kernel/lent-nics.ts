/**
 * NICs of the machine lent to nodes (`nic.lend`: an ENI as a secondary NIC
 * attached ahead of time, moved into an instance's namespace). The machine's
 * own device leaves its namespace while lent, so it is recorded in the ledger
 * — name, MAC, node — before it moves, and every teardown and `coldpath clean`
 * brings it back before it deletes namespaces: deleting the namespace would
 * delete a virtual NIC and hand a physical one to init_net, flushed and maybe
 * renamed. Found by MAC, wherever it is: in the node it was lent to (down,
 * flushed, renamed back, moved home), or already in the machine's namespace
 * under another name (renamed back, down).
 */
import { ColdpathError } from '../errors.js';
import { runCommand } from '../exec/run-command.js';
import type { Op } from '../topology/ops.js';
import type { LedgerEntry } from './ledger.js';
import { homeNetnsOf } from './render.js';

export type LentNic = Extract<LedgerEntry, { t: 'nic' }>;

interface LinkInfo {
  ifname: string;
  address?: string;
  addr_info?: Array<{ family: string; local: string; scope?: string }>;
}

/** `ip -j addr show` of a namespace (undefined: this process's own) — every device with its MAC and addresses. */
async function links(netns: string | undefined, dev?: string): Promise<LinkInfo[] | string> {
  const argv = ['ip', ...(netns === undefined ? [] : ['-n', netns]), '-j', 'addr', 'show', ...(dev === undefined ? [] : ['dev', dev])];
  const result = await runCommand(argv, { reject: false, timeoutMs: 10_000 });
  if (result.exitCode !== 0) return result.stderr.trim() || `exit ${result.exitCode}`;
  return JSON.parse(result.stdout === '' ? '[]' : result.stdout) as LinkInfo[];
}

/**
 * The ledger entries of the plan's `nic.lend` ops, by NIC, read from the machine's namespace (this process's): the
 * MAC that finds the NIC again wherever it ends up. A NIC that is missing or carries an address is refused: lending
 * it would take the machine's own configuration away with it.
 */
export async function lentNicEntries(ops: readonly Op[], netnsOf: (node: string) => string): Promise<Map<string, LentNic>> {
  const entries = new Map<string, LentNic>();
  for (const op of ops) {
    if (op.kind !== 'nic.lend') continue;
    const found = await links(undefined, op.nic);
    const link = typeof found === 'string' ? undefined : found[0];
    if (link?.address === undefined) {
      throw new ColdpathError(`NIC ${op.nic} (to lend to ${op.node} as ${op.dev}) is not in this machine's namespace${typeof found === 'string' ? `: ${found}` : ''}`, {
        kind: 'environment',
        field: 'eni.nics',
        hint: "list only spare NICs the machine has (ip link), none lent to another run's instance",
      });
    }
    const addresses = (link.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => a.local);
    if (addresses.length > 0) {
      throw new ColdpathError(`NIC ${op.nic} has address ${addresses.join(', ')}: a NIC lent as an ENI must be spare (it leaves the machine's namespace, its addresses with it)`, {
        kind: 'environment',
        field: 'eni.nics',
        hint: `remove ${op.nic} from eni.nics, or its addresses from the NIC`,
      });
    }
    entries.set(op.nic, { t: 'nic', nic: op.nic, mac: link.address, netns: netnsOf(op.node), dev: op.dev });
  }
  return entries;
}

/** The lent NICs a ledger names, the latest lend of each MAC (a NIC lent again to a later instance is there now). */
export function lentNicsOf(entries: readonly LedgerEntry[]): LentNic[] {
  const latest = new Map<string, LentNic>();
  for (const entry of entries) if (entry.t === 'nic') latest.set(entry.mac.toLowerCase(), entry);
  return [...latest.values()];
}

/** The `ip` lines that bring one lent NIC home: from its node when it is still there, else renamed at home. */
export function returnLines(nic: LentNic, where: { inNode?: string; atHome?: string }, home: string): string[][] {
  if (where.inNode !== undefined) {
    const dev = where.inNode;
    return [
      ['ip', '-n', nic.netns, 'link', 'set', 'dev', dev, 'down'],
      ['ip', '-n', nic.netns, 'addr', 'flush', 'dev', dev],
      ...(dev === nic.nic ? [] : [['ip', '-n', nic.netns, 'link', 'set', 'dev', dev, 'name', nic.nic]]),
      ['ip', '-n', nic.netns, 'link', 'set', 'dev', nic.nic, 'netns', home],
    ];
  }
  if (where.atHome !== undefined && where.atHome !== nic.nic) {
    return [
      ['ip', 'link', 'set', 'dev', where.atHome, 'down'],
      ['ip', 'link', 'set', 'dev', where.atHome, 'name', nic.nic],
    ];
  }
  return [];
}

/**
 * Brings every NIC the ledger lent back into this process's namespace (the machine's), under its own name, down
 * and without the run's addresses. Run before the namespaces are deleted. Returns the NICs returned and the errors
 * (one that is nowhere: a virtual NIC whose namespace went before it could come back).
 */
export async function returnLentNics(entries: readonly LedgerEntry[], home = homeNetnsOf(process.pid)): Promise<{ returned: string[]; errors: string[] }> {
  const returned: string[] = [];
  const errors: string[] = [];
  for (const nic of lentNicsOf(entries)) {
    const mac = nic.mac.toLowerCase();
    const inNode = await links(nic.netns);
    const there = typeof inNode === 'string' ? undefined : inNode.find((l) => l.address?.toLowerCase() === mac);
    const homeLinks = there === undefined ? await links(undefined) : [];
    const atHome = typeof homeLinks === 'string' ? undefined : homeLinks.find((l) => l.address?.toLowerCase() === mac);
    if (there === undefined && atHome === undefined) {
      errors.push(`NIC ${nic.nic} (${nic.mac}), lent to ${nic.netns} as ${nic.dev}, is neither there nor in this machine's namespace`);
      continue;
    }
    const lines = returnLines(nic, { ...(there === undefined ? {} : { inNode: there.ifname }), ...(atHome === undefined ? {} : { atHome: atHome.ifname }) }, home);
    let failed = false;
    for (const argv of lines) {
      const result = await runCommand(argv, { reject: false, timeoutMs: 10_000 });
      if (result.exitCode !== 0) {
        errors.push(`returning NIC ${nic.nic}: ${argv.join(' ')}: ${result.stderr.trim()}`);
        failed = true;
        break;
      }
    }
    if (!failed && lines.length > 0) returned.push(nic.nic);
  }
  return { returned, errors };
}

/**
 * The plan's ops with each `nic.return` whose node does not hold `dev` taken out: a lend that failed before the NIC
 * moved (refused for an address: nothing to return) or half-way (moved, not renamed). A NIC the ledger says was lent
 * to that node is brought home by MAC instead (`returnLentNics`), so the node's deletion that follows cannot take it.
 */
export async function settleReturns(ops: readonly Op[], netnsOf: (node: string) => string, ledger: () => readonly LedgerEntry[]): Promise<Op[]> {
  const kept: Op[] = [];
  for (const op of ops) {
    if (op.kind !== 'nic.return') {
      kept.push(op);
      continue;
    }
    const netns = netnsOf(op.node);
    const there = await links(netns, op.dev);
    if (typeof there !== 'string' && there.length > 0) {
      kept.push(op);
      continue;
    }
    const lent = lentNicsOf(ledger()).filter((entry) => entry.nic === op.nic && entry.netns === netns);
    const { errors } = await returnLentNics(lent);
    if (errors.length > 0)
      throw new ColdpathError(`returning NIC ${op.nic} from ${op.node}: ${errors.join('; ')}`, {
        kind: 'command',
        hint: 'run `coldpath clean` on the machine once the run is gone: it finds lent NICs by MAC',
      });
  }
  return kept;
}
