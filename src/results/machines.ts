/** The machines of a run across machines other than the coordinator's own (run.json `agents`). */
import type { AgentClock, RunResult } from './types.js';

/**
 * The agents that ran on another machine than the coordinator: an agent on the coordinator's own
 * machine (executor local) is the fingerprint's machine already.
 */
export function otherMachines(run: RunResult): AgentClock[] {
  return (run.agents ?? []).filter((agent) => agent.hostname !== run.fingerprint.hostname || agent.kernel !== run.fingerprint.kernel);
}
