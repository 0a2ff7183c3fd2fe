/**
 * What this kernel can do, found by trying it in a scratch namespace (module
 * lists lie: a built-in feature has no module, a missing one may not say so).
 * The scratch namespace is recorded in a ledger and removed afterwards.
 */
import { runCommand } from '../exec/run-command.js';
import { Ledger } from '../kernel/ledger.js';
import { removeNetns } from '../kernel/teardown.js';
import { netnsName, newRunTag } from '../topology/naming.js';
import type { TunnelType } from '../topology/ops.js';

export interface KernelFeatures {
  veth: boolean;
  bridge: boolean;
  gre: boolean;
  ipip: boolean;
  vxlan: boolean;
  nftNat: boolean;
  /** Failure texts, for doctor. */
  errors: Record<string, string>;
}

const LINK_TESTS: ReadonlyArray<readonly [keyof KernelFeatures, string[]]> = [
  ['veth', ['link', 'add', 'cpv0', 'type', 'veth', 'peer', 'name', 'cpv1']],
  ['bridge', ['link', 'add', 'cpbr0', 'type', 'bridge']],
  ['gre', ['link', 'add', 'cpgre0', 'type', 'gre', 'local', '192.0.2.1', 'remote', '192.0.2.2', 'key', '1']],
  ['ipip', ['link', 'add', 'cpipip0', 'type', 'ipip', 'local', '192.0.2.1', 'remote', '192.0.2.2']],
  ['vxlan', ['link', 'add', 'cpvx0', 'type', 'vxlan', 'id', '1', 'local', '192.0.2.1', 'dstport', '4789']],
];

const NFT_NAT = `table ip cpnat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "lo" masquerade
  }
}
`;

/** The `ip` arguments that create a scratch link of `type` (named `cp<type>0`, underlay-free endpoints from TEST-NET-1). */
export function linkTestArgs(type: TunnelType): readonly string[] {
  const test = LINK_TESTS.find(([feature]) => feature === type);
  if (test === undefined) throw new Error(`no link test for ${type}`);
  return test[1];
}

export async function probeKernelFeatures(): Promise<KernelFeatures> {
  let ledger: Ledger | undefined;
  for (let attempt = 0; ledger === undefined && attempt < 20; attempt++) ledger = Ledger.create(newRunTag());
  if (ledger === undefined) throw new Error('no free run tag');
  const netns = netnsName(ledger.tag, 'probe');
  const features: KernelFeatures = { veth: false, bridge: false, gre: false, ipip: false, vxlan: false, nftNat: false, errors: {} };
  try {
    ledger.append({ t: 'netns', name: netns });
    await runCommand(['ip', 'netns', 'add', netns], { hint: 'network namespaces need root (or a user namespace with CAP_SYS_ADMIN)' });
    for (const [feature, args] of LINK_TESTS) {
      const result = await runCommand(['ip', '-n', netns, ...args], { reject: false });
      (features[feature] as boolean) = result.exitCode === 0;
      if (result.exitCode !== 0) features.errors[feature] = result.stderr.trim();
    }
    const nft = await runCommand(['ip', 'netns', 'exec', netns, 'nft', '-f', '-'], { input: NFT_NAT, reject: false });
    features.nftNat = nft.exitCode === 0;
    if (!features.nftNat) features.errors['nftNat'] = nft.stderr.trim();
  } finally {
    await removeNetns([netns]);
    ledger.remove();
  }
  return features;
}

/** `tunnel: auto` → GRE where the kernel has it, otherwise VXLAN. */
export function chooseTunnel(requested: 'auto' | TunnelType, features: KernelFeatures): { used: TunnelType; reason: string } | { error: string } {
  if (requested !== 'auto') {
    return features[requested]
      ? { used: requested, reason: `tunnel: ${requested} requested` }
      : { error: `tunnel: ${requested} requested, but this kernel cannot create ${requested} links (${features.errors[requested] ?? 'unsupported'})` };
  }
  if (features.gre) return { used: 'gre', reason: 'tunnel: auto; the kernel has ip_gre' };
  if (features.vxlan) return { used: 'vxlan', reason: `tunnel: auto; the kernel has no ip_gre (${features.errors['gre'] ?? 'unsupported'}), so VXLAN carries the proxy tunnel` };
  return { error: 'tunnel: auto; the kernel has neither ip_gre nor vxlan' };
}

/** One machine's kernel, as its agent's `features` answer gives it. */
export interface HostFeatures {
  host: string;
  features: KernelFeatures;
}

/**
 * The tunnel of a run across machines, from the kernels of the machines that hold its ends (function
 * hosts and proxies): what was requested if every one of them has it, else an error naming the hosts
 * that lack it; `auto` → GRE where all have ip_gre, otherwise VXLAN where all have it.
 */
export function chooseTunnelOnHosts(requested: 'auto' | TunnelType, hosts: readonly HostFeatures[]): { used: TunnelType; reason: string } | { error: string } {
  const names = hosts.map((h) => h.host).join(', ');
  const lacking = (type: TunnelType): HostFeatures[] => hosts.filter((h) => !h.features[type]);
  const why = (missing: readonly HostFeatures[], type: TunnelType): string => missing.map((h) => `${h.host}: ${h.features.errors[type] ?? 'unsupported'}`).join('; ');
  if (requested !== 'auto') {
    const missing = lacking(requested);
    return missing.length === 0
      ? { used: requested, reason: `tunnel: ${requested} requested; the kernels of ${names} have it` }
      : { error: `tunnel: ${requested} requested, but ${missing.length === 1 ? 'a host' : 'hosts'} cannot create ${requested} links (${why(missing, requested)})` };
  }
  const noGre = lacking('gre');
  if (noGre.length === 0) return { used: 'gre', reason: `tunnel: auto; the kernels of ${names} have ip_gre` };
  if (lacking('vxlan').length === 0)
    return { used: 'vxlan', reason: `tunnel: auto; ${noGre.map((h) => h.host).join(', ')} ha${noGre.length === 1 ? 's' : 've'} no ip_gre (${why(noGre, 'gre')}), so VXLAN carries the proxy tunnel` };
  return { error: `tunnel: auto; the tunnel's hosts (${names}) have neither ip_gre nor vxlan in common (${why(noGre, 'gre')}; ${why(lacking('vxlan'), 'vxlan')})` };
}
