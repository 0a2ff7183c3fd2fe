/**
 * `coldpath doctor`: can this machine run the default scenario, and what is
 * missing for the rest. Exit 0 when the default scenario can run.
 */
import { CNI_DEBIAN_PACKAGE, cniPluginDir, missingCniPlugins } from '../env/cni.js';
import { crunCgroupView } from '../env/crun.js';
import { chooseTunnel, probeKernelFeatures, type KernelFeatures } from '../env/kernel-features.js';
import { checkPrivileges, PRIVILEGE_HINT } from '../env/privileges.js';
import { installHint, TOOLS, which } from '../env/tools.js';
import { table } from '../format.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Needed by the default scenario. */
  required: boolean;
  fix?: string;
}

export async function doctorCommand(): Promise<number> {
  const checks: Check[] = [];
  const privileges = checkPrivileges();
  checks.push({ name: 'privileges', ok: privileges.ok, detail: privileges.detail, required: true, ...(privileges.ok ? {} : { fix: PRIVILEGE_HINT }) });
  const [major] = process.versions.node.split('.').map(Number);
  checks.push({ name: 'node', ok: (major ?? 0) >= 20, detail: process.version, required: true, fix: 'Node.js 20 or newer' });
  for (const tool of TOOLS) {
    const path = which(tool.command);
    checks.push({
      name: tool.command,
      ok: path !== undefined,
      detail: path ?? `missing — ${tool.neededFor}`,
      required: tool.required,
      ...(path === undefined ? { fix: installHint([tool]) } : {}),
    });
  }
  if (which('crun') !== undefined) {
    // How `instances.runtime: oci` will call crun here (docs/oci.md): said, because the hybrid case adds a mount namespace per create.
    const view = crunCgroupView();
    checks.push({
      name: 'oci: cgroups',
      ok: true,
      detail: view === 'direct' ? 'crun create runs directly' : 'hybrid hierarchy with controllers in cgroup v2: crun create runs in a private mount namespace without /sys/fs/cgroup/unified',
      required: false,
    });
  }
  // The CNI plugins are not on PATH (a runtime finds them through CNI_PATH): checked in their directory (docs/cni.md).
  const cniMissing = missingCniPlugins();
  checks.push({
    name: 'cni plugins',
    ok: cniMissing.length === 0,
    detail: cniMissing.length === 0 ? `${cniPluginDir()} — instances.network: cni` : `missing ${cniMissing.join(', ')} in ${cniPluginDir()} — instances.network: cni`,
    required: false,
    ...(cniMissing.length === 0 ? {} : { fix: `apt-get install -y ${CNI_DEBIAN_PACKAGE}` }),
  });
  let features: KernelFeatures | undefined;
  if (privileges.ok && which('ip') !== undefined && which('nft') !== undefined) {
    features = await probeKernelFeatures();
    const feature = (name: keyof Omit<KernelFeatures, 'errors'>, label: string, required: boolean, fix: string): void => {
      const ok = features?.[name] === true;
      checks.push({ name: label, ok, detail: ok ? 'yes' : (features?.errors[name] ?? 'no'), required, ...(ok ? {} : { fix }) });
    };
    feature('veth', 'kernel: veth', true, 'CONFIG_VETH');
    feature('bridge', 'kernel: bridge', true, 'CONFIG_BRIDGE');
    feature('nftNat', 'kernel: nft NAT', true, 'CONFIG_NF_TABLES, NFT_NAT, NFT_MASQ');
    feature('vxlan', 'kernel: vxlan', false, 'CONFIG_VXLAN (the fallback tunnel)');
    feature('gre', 'kernel: gre', false, 'CONFIG_NET_IPGRE (modprobe ip_gre); without it gre-proxy runs over VXLAN');
    feature('ipip', 'kernel: ipip', false, 'CONFIG_NET_IPIP (modprobe ipip); needed only for tunnel: ipip');
    const choice = chooseTunnel('auto', features);
    checks.push({
      name: 'tunnel: auto',
      ok: !('error' in choice),
      detail: 'error' in choice ? choice.error : `${choice.used.toUpperCase()} — ${choice.reason}`,
      required: true,
    });
  } else {
    checks.push({ name: 'kernel features', ok: false, detail: 'not probed (needs privileges, ip and nft)', required: true });
  }
  const rows = checks.map((check) => [check.ok ? 'ok' : check.required ? 'MISSING' : 'absent', check.name, check.detail]);
  const out: string[] = [table(['status', 'check', 'detail'], rows, ['left', 'left', 'left'])];
  const fixes = checks.filter((check) => !check.ok && check.fix !== undefined).map((check) => `  ${check.name}: ${check.fix}`);
  if (fixes.length > 0) out.push('', 'to fix:', ...fixes);
  if (features !== undefined && !features.gre && features.vxlan) {
    out.push('', '! this kernel has no ip_gre: gre-proxy runs over VXLAN here, and every result says so.');
  }
  const ready = checks.every((check) => check.ok || !check.required);
  out.push('', ready ? 'the default scenario can run.' : 'the default scenario cannot run until the MISSING items are fixed.');
  process.stdout.write(`${out.join('\n')}\n`);
  return ready ? 0 : 3;
}
