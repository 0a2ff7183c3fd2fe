/**
 * The exact OpenSSH command line the ssh executor runs for one inventory host
 * (issue 12): `ssh -T -o BatchMode=yes [-l USER] [-p PORT] [-i KEY]
 * [-o UserKnownHostsFile=FILE -o StrictHostKeyChecking=yes] HOST COMMAND`.
 * Pure: what is unset is left to the user's own ssh configuration.
 */
import type { InventoryHost } from '../scenario/inventory.js';

/** The remote command when the inventory names none: coldpath on the remote PATH (docs/ssh.md installs it). */
export const DEFAULT_REMOTE_COMMAND = 'coldpath agent';

/**
 * argv of `ssh` for `host` (its `address` and `ssh` block). `-T`: no terminal, so the agent's
 * stdout carries protocol lines only (a pty would echo input and rewrite line endings);
 * `BatchMode=yes`: never prompt (a password or host-key question would hang a run), fail instead.
 * A `knownHostsFile` is the whole truth about the host's key: strict checking, so an unknown or
 * changed key refuses the connection rather than being learned.
 */
export function sshArgv(host: Pick<InventoryHost, 'name' | 'address' | 'ssh'>): string[] {
  const options = host.ssh ?? {};
  const argv = ['ssh', '-T', '-o', 'BatchMode=yes'];
  if (options.user !== undefined) argv.push('-l', options.user);
  if (options.port !== undefined) argv.push('-p', String(options.port));
  if (options.identityFile !== undefined) argv.push('-i', options.identityFile);
  if (options.knownHostsFile !== undefined) argv.push('-o', `UserKnownHostsFile=${options.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes');
  // The inventory requires an address with executor: ssh; the name is the fallback for a caller that skipped validation (ssh resolves it like any host name).
  argv.push(host.address ?? host.name, options.command ?? DEFAULT_REMOTE_COMMAND);
  return argv;
}
