/**
 * `coldpath agent`: the node agent on this machine, driven over stdin/stdout
 * with the line protocol of src/agent/protocol.ts (docs/agent-protocol.md).
 * Exits 0 on `shutdown` or end of input; stdout carries protocol lines only.
 * Applies plans and tears them down when asked (`apply`, `teardown`); exiting
 * tears nothing down: the ledgers it wrote let `coldpath clean` do that.
 */
import { runAgent } from '../agent/agent.js';

export async function agentCommand(): Promise<number> {
  await runAgent({ input: process.stdin, output: process.stdout });
  // Nothing more is read: release stdin so the process exits after a `shutdown` while the coordinator keeps its end open.
  process.stdin.destroy();
  return 0;
}
