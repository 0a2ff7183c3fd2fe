/**
 * The engine's `KernelDriver` over the agent protocol: every plan is an
 * `apply` request for the run's tag, its timing mapped from the agent's clock
 * onto the coordinator's (agent/apply-timing.ts), and the end of the run a
 * `teardown` of the tag followed by closing the connection. The same code
 * serves any connection (the local child today; ssh once `run --hosts`
 * reaches other machines).
 *
 * Session hints are accepted and ignored: the protocol has no request for
 * them yet, and the agent keeps one root-context `ip` session per tag (so
 * steps inside a namespace start an `ip` there; docs/agent-protocol.md).
 * Processes and services are not the agent's: the engine still starts them
 * itself and records them in its own ledger (`ledger`).
 */
import type { AgentClient } from '../agent/client.js';
import { applyResultToCoordinator } from '../agent/apply-timing.js';
import type { ClockEstimate } from '../agent/clock-offset.js';
import { nowMicros } from '../clock.js';
import { isColdpathError } from '../errors.js';
import type { ApplyResult, KernelDriver } from '../kernel/kernel-driver.js';
import type { Ledger } from '../kernel/ledger.js';
import { netnsName } from '../topology/naming.js';
import type { Plan } from '../topology/ops.js';

/** What the driver uses of a connection (`AgentConnection` has it; tests pass a fake). */
export interface AgentDriverConnection {
  readonly client: Pick<AgentClient, 'apply' | 'teardown'>;
  /** The clock estimate of the connection's `syncClock`. */
  readonly clock: ClockEstimate;
  /** Ends the connection; never throws. */
  close(): Promise<void>;
}

export interface AgentDriverOptions {
  /** The coordinator's clock, integer µs; default `nowMicros` (CLOCK_MONOTONIC). */
  now?: () => number;
}

export class AgentKernelDriver implements KernelDriver {
  readonly tag: string;
  readonly ledger: Ledger;
  readonly netnsOf = (node: string): string => netnsName(this.tag, node);
  private readonly connection: AgentDriverConnection;
  private readonly now: () => number;
  private tornDown: Promise<string[]> | undefined;

  /** `ledger` is the coordinator's (its tag is the run's); the agent records the namespaces in its own. */
  constructor(connection: AgentDriverConnection, ledger: Ledger, options: AgentDriverOptions = {}) {
    this.connection = connection;
    this.ledger = ledger;
    this.tag = ledger.tag;
    this.now = options.now ?? nowMicros;
  }

  async apply(plan: Plan): Promise<ApplyResult> {
    const sentUs = this.now();
    const result = await this.connection.client.apply(this.tag, plan);
    const answeredUs = this.now();
    return applyResultToCoordinator(result, this.connection.clock, { sentUs, answeredUs });
  }

  openRootSessions(_count: number): void {}

  openSession(_node: string): void {}

  async closeSession(_node: string): Promise<void> {}

  async closeAll(): Promise<void> {}

  /** The agent's teardown of the tag, then the connection's end; once, however often it is called. */
  teardown(): Promise<string[]> {
    this.tornDown ??= (async () => {
      const errors: string[] = [];
      try {
        await this.connection.client.teardown(this.tag);
      } catch (error) {
        errors.push(`the agent's teardown of run tag ${this.tag}: ${isColdpathError(error) || error instanceof Error ? error.message : String(error)}`);
      }
      await this.connection.close();
      return errors;
    })();
    return this.tornDown;
  }
}
