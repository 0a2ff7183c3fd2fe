/**
 * The ssh executor's transport (issue 12): one inventory host's agent over
 * OpenSSH, `ssh -T -o BatchMode=yes … HOST coldpath agent` (ssh-argv.ts), its
 * stdin/stdout handed to the agent client. Keys, known_hosts and
 * ~/.ssh/config are the user's own unless the inventory's `ssh` block says
 * otherwise (docs/ssh.md).
 */
import { which } from '../env/tools.js';
import { ColdpathError } from '../errors.js';
import type { InventoryHost } from '../scenario/inventory.js';
import { type AgentConnection, spawnAgentConnection } from './agent-connection.js';
import { sshArgv } from './ssh-argv.js';
import { explainSshFailure } from './ssh-failures.js';

export interface ConnectOptions {
  /**
   * Prepended to the command that reaches the agent, e.g. `['ip', 'netns', 'exec', 'NS']`: the
   * tests run ssh inside a network namespace this way. Default none.
   */
  wrapper?: readonly string[];
  /** The client's per-request timeout (ms); it bounds `hello`: connecting, authenticating and the agent's start-up. Default 10 s (the client's). */
  requestTimeoutMs?: number;
  /** Clock exchanges on connect; default 8 (the client's). */
  clockSamples?: number;
}

/** Debian's package with the ssh client, named in the error when it is missing. */
export const SSH_PACKAGE = 'openssh-client';

/** Connects to `host`'s agent over ssh: hello (protocol checked) and a clock sync; rejects with a ColdpathError naming the host and ssh's reason. */
export async function connectSsh(host: InventoryHost, options: ConnectOptions = {}): Promise<AgentConnection> {
  // Checked here, not left to spawn: with a wrapper, a missing ssh is only a line on the wrapper's stderr.
  if (which('ssh') === undefined) {
    throw new ColdpathError(`${host.name}: ssh is not installed (Debian package ${SSH_PACKAGE}); the ssh executor reaches every host with it`, {
      kind: 'environment',
      hint: `apt-get install -y ${SSH_PACKAGE}`,
    });
  }
  return spawnAgentConnection({
    host: host.name,
    argv: sshArgv(host),
    via: `ssh to ${host.address ?? host.name}`,
    explain: ({ stderr }) => explainSshFailure(stderr),
    ...options,
  });
}
