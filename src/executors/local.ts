/**
 * The local executor's transport: this machine's agent as a child process,
 * `node bin/coldpath.js agent`, through the same connection code as ssh, so a
 * run that goes through agents has one code path whichever executor it uses.
 */
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import type { InventoryHost } from '../scenario/inventory.js';
import { type AgentConnection, spawnAgentConnection } from './agent-connection.js';
import type { ConnectOptions } from './ssh.js';

/** argv of this checkout's agent: the running Node.js and bin/coldpath.js (needs dist/, `npm run build`). */
export function localAgentArgv(): string[] {
  return [process.execPath, join(PACKAGE_ROOT, 'bin', 'coldpath.js'), 'agent'];
}

/** Connects to an agent started here for `host`: hello (protocol checked) and a clock sync. */
export function connectLocal(host: Pick<InventoryHost, 'name'>, options: ConnectOptions = {}): Promise<AgentConnection> {
  return spawnAgentConnection({
    host: host.name,
    argv: localAgentArgv(),
    via: 'the local agent',
    cwd: PACKAGE_ROOT,
    // The coordinator tears down through this agent after a Ctrl-C: the terminal's SIGINT must not reach it.
    detached: true,
    explain: ({ stderr }) => ({
      line:
        stderr
          .trim()
          .split('\n')
          .filter((line) => line.trim() !== '')
          .at(-1) ?? 'no message on stderr',
      hint: 'run `node bin/coldpath.js agent` by hand; is dist/ built (`npm run build`)?',
    }),
    ...options,
  });
}
