/** Known failure texts of ip/nft/sysctl, mapped to what the user can do. */
const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Operation not permitted|Permission denied/i, 'run as root, or inside `unshare --user --map-root-user --net --mount` (see `coldpath doctor`)'],
  [/Unknown device type/i, 'the kernel lacks this link type; `coldpath doctor` lists what it supports (use `tunnel: auto` to fall back to VXLAN)'],
  [/File exists/i, 'an object with that name already exists; a crashed run may have left it: run `coldpath clean`'],
  [/Cannot find device|does not exist|No such file or directory/i, 'an object the plan depends on is missing; was it removed by hand or by `coldpath clean` during the run?'],
  [/Address already in use/i, 'pick another port in the scenario, or stop the process using it'],
  [/Invalid argument/i, 'the kernel refused a value; check names (≤ 15 characters), CIDRs and MTUs in the scenario'],
  [/Could not process rule|No such file or directory.*nft/i, 'the kernel lacks an nftables feature (nat, masquerade); see `coldpath doctor`'],
];

export function hintFor(argv: readonly string[], stderr: string): string | undefined {
  // An ENI as an ipvlan child (inventory eni.attach: ipvlan) on a kernel without it: name the module, not tunnels.
  if (/Unknown device type/i.test(stderr) && argv.includes('ipvlan')) {
    return 'this kernel has no ipvlan (CONFIG_IPVLAN; on a modular kernel `modprobe ipvlan`): set eni.attach: macvlan or nic for this host in the inventory';
  }
  for (const [pattern, hint] of HINTS) if (pattern.test(stderr)) return hint;
  return argv[0] === undefined ? undefined : `see the stderr above; rerun the command by hand to inspect it`;
}
