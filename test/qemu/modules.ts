/**
 * Kernel modules the guest must load, in load order. Debian's kernel package
 * ships no modules.dep (depmod runs at install time), so the order comes from
 * each module's own `depends` and `softdep pre:` fields (`modinfo -F`), as the
 * measured recipe in notes/kernel-gre-under-qemu.md does it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { tool } from './prereqs.js';

/**
 * What the guest needs, and why. Dependencies (gre, ip_tunnel, nf_conntrack,
 * nf_defrag_*, libcrc32c, llc, stp, virtio_ring, netfs, …) are found, not listed.
 */
export const ROOT_MODULES: readonly string[] = [
  // virtio-9p: the host's root (read-only) and the job share
  'virtio_pci',
  '9pnet_virtio',
  '9p',
  // the topology: veth pairs and bridges
  'veth',
  'bridge',
  // the subject of the tier, and IPIP for the seed's question (tenants without a key)
  'ip_gre',
  'ipip',
  // nftables as coldpath writes it: NAT chains, masquerade, named counters
  // (objref), `fib daddr type` (ip-masq-agent rule on the hosts)
  'nf_tables',
  'nft_chain_nat',
  'nft_nat',
  'nft_masq',
  'nft_objref',
  'nft_fib_ipv4',
  // conntrack expressions: not in today's rules; cheap insurance against a confusing nft error
  'nft_ct',
  // the multi-host tier (multi-host.test.ts): guests' NICs on the virtual wires, and coldpath's
  // nodes as macvlan children of them (docs/hosts.md)
  'virtio_net',
  'macvlan',
  // an instance's ENI as an ipvlan child (mode l2) of the function host's user-VPC NIC (inventory eni.attach: ipvlan)
  'ipvlan',
];

/** `softdep pre:` names that are crypto aliases, not module names. */
const ALIASES: Readonly<Record<string, string>> = {
  crc32c: 'crc32c_generic',
};

export interface ModuleTree {
  /** lib/modules/<release> */
  dir: string;
  release: string;
  /** module name (dashes as underscores) → .ko path */
  files: Map<string, string>;
  /** built into the kernel: nothing to load */
  builtin: Set<string>;
}

const normalize = (name: string): string => name.replace(/-/g, '_');

export function indexModules(root: string): ModuleTree {
  const base = join(root, 'lib', 'modules');
  const releases = existsSync(base) ? readdirSync(base) : [];
  const release = releases[0];
  if (releases.length !== 1 || release === undefined) {
    throw new Error(`expected exactly one kernel release under ${base}, found ${releases.length === 0 ? 'none' : releases.join(', ')}`);
  }
  const dir = join(base, release);
  const files = new Map<string, string>();
  const compressed: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ko')) files.set(normalize(basename(entry.name, '.ko')), path);
      else if (/\.ko\.(xz|zst|gz)$/.test(entry.name)) compressed.push(entry.name);
    }
  };
  walk(join(dir, 'kernel'));
  if (files.size === 0 && compressed.length > 0) {
    throw new Error(`the kernel package ships compressed modules (${compressed[0]}, …); this tier loads plain .ko files with busybox insmod (Debian 12's 6.1 kernels)`);
  }
  const builtinFile = join(dir, 'modules.builtin');
  const builtin = new Set(
    existsSync(builtinFile)
      ? readFileSync(builtinFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => normalize(basename(line).replace(/\.ko$/, '')))
      : [],
  );
  return { dir, release, files, builtin };
}

async function modinfoField(file: string, field: 'depends' | 'softdep'): Promise<string> {
  const result = await execa(tool('modinfo'), ['-F', field, file], { reject: false });
  if (result.exitCode !== 0) throw new Error(`modinfo -F ${field} ${file} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** `pre: a b post: c` → [a, b] (several softdep lines may appear). */
export function softdepPre(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    let inPre = false;
    for (const word of words) {
      if (word === 'pre:') inPre = true;
      else if (word === 'post:') inPre = false;
      else if (inPre && word !== '') names.push(word);
    }
  }
  return names;
}

/** Every module `roots` need, dependencies before dependents; built-ins left out. */
export async function moduleClosure(tree: ModuleTree, roots: readonly string[] = ROOT_MODULES): Promise<string[]> {
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = async (wanted: string, neededBy: string): Promise<void> => {
    const name = normalize(ALIASES[wanted] ?? wanted);
    if (done.has(name) || tree.builtin.has(name)) return;
    if (visiting.has(name)) throw new Error(`module dependency cycle through ${name}`);
    const file = tree.files.get(name);
    if (file === undefined) throw new Error(`module ${name} (needed by ${neededBy}) is neither in ${tree.dir}/kernel nor built in`);
    visiting.add(name);
    const depends = (await modinfoField(file, 'depends')).split(',').filter((d) => d !== '');
    const pre = softdepPre(await modinfoField(file, 'softdep'));
    for (const dep of [...pre, ...depends]) await visit(dep, name);
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  for (const root of roots) await visit(root, 'the QEMU tier');
  return order;
}
