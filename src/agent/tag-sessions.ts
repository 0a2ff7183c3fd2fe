/**
 * What the agent keeps per run tag it has applied plans for: the tag's ledger
 * (claimed on this machine, owned by the agent's process) and one
 * KernelDriver writing to it. Requests for one tag run one after another, in
 * the order they arrived (a plan builds on the one before); different tags
 * never wait for each other.
 *
 * Ending the agent (shutdown, end of input) closes the drivers' `ip` sessions
 * and does NOT tear anything down: whether the topology outlives one agent
 * session is the coordinator's decision, and what is left is recorded in the
 * ledger, which names the agent's pid as its owner, so `coldpath clean`
 * removes it once the agent is gone (and leaves it alone while it lives).
 */
import { ColdpathError } from '../errors.js';
import { type ApplyResult, LocalKernelDriver } from '../kernel/driver.js';
import { Ledger, ownerOf } from '../kernel/ledger.js';
import { whereIsIn } from '../kernel/node-signals.js';
import { netnsInode, startTicksOf } from '../kernel/processes.js';
import { undo } from '../kernel/teardown.js';
import { netnsName } from '../topology/naming.js';
import type { Plan } from '../topology/ops.js';
import type { NodePlace, NodePlaces } from './node-place.js';

/** What `teardown` removed. */
export interface TeardownCounts {
  netnsRemoved: number;
  processesKilled: number;
}

/** What the agent needs from the kernel side; tests put a fake behind it to run without root. */
export interface PlanBackend {
  /** Applies `plan` in the tag's namespaces, claiming the tag on first use. */
  apply(tag: string, plan: Plan): Promise<ApplyResult>;
  /** Undoes everything the tag's ledger holds; a tag this agent never applied for has nothing: zero counts. */
  teardown(tag: string): Promise<TeardownCounts>;
  /** Opens (`open`) or closes a long-lived `ip` session in the tag's node, in order with its plans (a hint for speed). */
  session(tag: string, node: string, open: boolean): Promise<void>;
  /** Waits for running requests, closes every session; tears nothing down. */
  close(): Promise<void>;
}

/** Whether a ledger's owner is the process that started this agent (same pid and, when recorded, the same start time). */
function isParent(owner: { pid: number; startTicks?: number }): boolean {
  if (owner.pid !== process.ppid) return false;
  return owner.startTicks === undefined || startTicksOf(owner.pid) === owner.startTicks;
}

/** Root-context `ip` sessions per tag: one is enough for an agent's plans, which arrive one at a time per tag. */
const ROOT_SESSIONS = 1;

interface TagSession {
  ledger: Ledger;
  driver: LocalKernelDriver;
}

/** The real backend: ledgers under the state directory, namespaces `coldpath-<tag>-<node>`; it places the agent's processes too. */
export class TagSessions implements PlanBackend, NodePlaces {
  private readonly sessions = new Map<string, TagSession>();
  /** The last request queued per tag: the next one starts after it settles. */
  private readonly queues = new Map<string, Promise<unknown>>();

  apply(tag: string, plan: Plan): Promise<ApplyResult> {
    return this.queued(tag, () => this.sessionOf(tag).driver.apply(plan));
  }

  teardown(tag: string): Promise<TeardownCounts> {
    return this.queued(tag, async () => {
      const session = this.sessions.get(tag);
      if (session === undefined) return { netnsRemoved: 0, processesKilled: 0 };
      // The sessions first: an `ip` process inside a namespace would keep it alive after `netns del`.
      await session.driver.closeAll();
      const report = await undo(session.ledger.read());
      if (report.errors.length > 0) {
        // The session and its ledger stay: a second teardown (or `coldpath clean` once the agent is gone) retries.
        throw new ColdpathError(`teardown of run tag ${tag} left errors: ${report.errors.join('; ')}`, {
          kind: 'command',
          hint: 'retry the teardown, or run `coldpath clean` on this machine after the agent exits',
        });
      }
      session.ledger.remove();
      this.sessions.delete(tag);
      return { netnsRemoved: report.netnsRemoved.length, processesKilled: report.processesKilled };
    });
  }

  session(tag: string, node: string, open: boolean): Promise<void> {
    return this.queued(tag, async () => {
      // Opening claims the tag like a first plan would; closing one of a tag never applied for has nothing to close.
      if (open) this.sessionOf(tag).driver.openSession(node);
      else await this.sessions.get(tag)?.driver.closeSession(node);
    });
  }

  /**
   * A node of a tag this agent claimed, queued with the tag's plans. Processes are started only in namespaces the
   * agent built: another run's are not its to touch, and only a claimed tag has a ledger to record them in.
   */
  placeOf(tag: string, node: string): Promise<NodePlace> {
    return this.queued(tag, async () => {
      const session = this.sessions.get(tag);
      if (session === undefined) {
        throw new ColdpathError(`tag: run tag ${tag} is not claimed by this agent`, {
          kind: 'input',
          field: 'tag',
          hint: 'apply a plan for the tag through this agent first: it starts processes only in namespaces it built',
        });
      }
      const netns = netnsName(tag, node);
      if (netnsInode(netns) === undefined) {
        throw new ColdpathError(`node: there is no namespace ${netns} on this machine`, { kind: 'input', field: 'node', hint: `apply a plan that adds node ${node} first` });
      }
      const { ledger } = session;
      return {
        netns,
        prefix: ['ip', 'netns', 'exec', netns],
        whereIs: whereIsIn(netns),
        recordSpawn: ledger.recordSpawn(netns),
        recordExit: (pid) => {
          // Only while this ledger is the tag's: a teardown removes it (and a new apply may claim the tag anew).
          if (this.sessions.get(tag)?.ledger === ledger) ledger.append({ t: 'process-exit', pid });
        },
      };
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.queues.values());
    await Promise.allSettled([...this.sessions.values()].map(({ driver }) => driver.closeAll()));
    this.sessions.clear();
  }

  /**
   * The tag's session, claiming its ledger on first use. A tag claimed by another process is
   * refused, but for the agent's own parent's: a coordinator on this machine that started the
   * agent as its child (the local executor) shares its tag, and the agent keeps a ledger of its
   * own in the tag's directory (`Ledger.join`), so its teardown undoes only what it built.
   */
  private sessionOf(tag: string): TagSession {
    const existing = this.sessions.get(tag);
    if (existing !== undefined) return existing;
    let ledger = Ledger.create(tag);
    const owner = ledger === undefined ? ownerOf(Ledger.open(tag).read()) : undefined;
    if (ledger === undefined && owner !== undefined && isParent(owner)) ledger = Ledger.join(tag);
    if (ledger === undefined) {
      throw new ColdpathError(`tag: run tag ${tag} is already claimed on this machine${owner === undefined ? '' : ` (by pid ${owner.pid}, since ${owner.startedAt})`}`, {
        kind: 'input',
        field: 'tag',
        hint: 'use another tag, or run `coldpath clean` if the run that claimed it is gone',
      });
    }
    const driver = new LocalKernelDriver(ledger);
    driver.openRootSessions(ROOT_SESSIONS);
    const session = { ledger, driver };
    this.sessions.set(tag, session);
    return session;
  }

  /** Runs `work` after everything queued for `tag` has settled (failed or not). */
  private queued<T>(tag: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(tag) ?? Promise.resolve();
    const next = previous.then(work);
    // The queue holds a promise that never rejects, so one failure does not fail everything after it.
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(tag, settled);
    void settled.then(() => {
      if (this.queues.get(tag) === settled) this.queues.delete(tag);
    });
    return next;
  }
}
