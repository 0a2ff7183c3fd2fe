/**
 * Makes plans real on this host, in this process: each node is a network
 * namespace named `coldpath-<tag>-<node>`. Every object is written to the
 * ledger before the command that creates it runs. The run engine's default
 * `KernelDriver` (kernel-driver.ts); the agent applies its plans with one too.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { formatArgv, runCommand } from '../exec/run-command.js';
import { hintFor } from '../exec/hints.js';
import { netnsName } from '../topology/naming.js';
import type { Op, Plan } from '../topology/ops.js';
import { toSteps, type Step } from './batch.js';
import type { Ledger, LedgerEntry } from './ledger.js';
import { namesOtherNetns, renderOp } from './render.js';
import { type LentNic, lentNicEntries, settleReturns } from './lent-nics.js';
import { IpSession } from './ip-session.js';
import { nowMicros } from '../clock.js';
import type { ApplyResult, InNode, KernelDriver, NodeClock, NodeProcess } from './kernel-driver.js';
import { inNetns, LOCAL_CLOCK, localLiveNodes, spawnInNetns } from './local-nodes.js';
import { sendSignals, type NodeSignal, type SignalsSent, whereIsIn } from './node-signals.js';

export type { ApplyResult, KernelDriver } from './kernel-driver.js';

export class LocalKernelDriver implements KernelDriver {
  readonly tag: string;
  readonly ledger: Ledger;
  readonly timeoutMs: number;

  constructor(ledger: Ledger, options: { timeoutMs?: number } = {}) {
    this.tag = ledger.tag;
    this.ledger = ledger;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The namespace that stands for a node. */
  readonly netnsOf = (node: string): string => netnsName(this.tag, node);

  inNode(node: string): InNode {
    return inNetns(this.netnsOf(node));
  }

  async spawnIn<Event>(node: string, argv: readonly string[], options: { label: string; cpus?: readonly number[] }): Promise<NodeProcess<Event>> {
    return spawnInNetns<Event>(this.ledger, this.netnsOf(node), argv, options);
  }

  async signalIn(node: string, pids: readonly number[], signal: NodeSignal): Promise<SignalsSent> {
    const netns = this.netnsOf(node);
    return sendSignals(pids, signal, { netns, whereIs: whereIsIn(netns) }, nowMicros);
  }

  clockOf(_node: string): NodeClock {
    return LOCAL_CLOCK;
  }

  async liveNodes(): Promise<string[]> {
    return localLiveNodes(this.tag);
  }

  private readonly sessions = new Map<string, IpSession>();
  private rootSessions: IpSession[] = [];
  private scriptCount = 0;

  /**
   * Opens `count` root-context `ip` sessions. With them, work in namespaces
   * that have no session of their own (new containers) runs as
   * `netns exec NS …` lines: `ip` forks the command, not Node.js, whose
   * synchronous spawn would stall the event loop and every timer with it.
   */
  openRootSessions(count: number): void {
    while (this.rootSessions.length < count) this.rootSessions.push(new IpSession(undefined));
  }

  /**
   * Keeps an `ip -batch` process open for a node (or the root context, for
   * `netns add/del`) so later plans pay no process start-up there.
   */
  openSession(node: string): void {
    const key = node === 'root' ? 'root' : this.netnsOf(node);
    if (!this.sessions.has(key)) this.sessions.set(key, new IpSession(node === 'root' ? undefined : key));
  }

  /** Closes a node's session (before its namespace is deleted). */
  async closeSession(node: string): Promise<void> {
    const key = node === 'root' ? 'root' : this.netnsOf(node);
    const session = this.sessions.get(key);
    this.sessions.delete(key);
    await session?.close();
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values(), ...this.rootSessions];
    this.sessions.clear();
    this.rootSessions = [];
    await Promise.all(sessions.map((session) => session.close()));
  }

  /** Nothing to do: everything this driver built is in the coordinator's ledger, which the engine replays. */
  teardown(): Promise<string[]> {
    return Promise.resolve([]);
  }

  /** Applies a plan in order; on failure throws a command error naming the plan. */
  async apply(plan: Plan): Promise<ApplyResult> {
    // A lent NIC's MAC is read before it moves: the ledger finds it again by it. A return whose lend never completed
    // is settled from the ledger instead (lent-nics.ts).
    const ops = await settleReturns(plan.ops, this.netnsOf, () => this.ledger.read());
    const steps = this.steps(ops, await lentNicEntries(ops, this.netnsOf));
    let startUs = 0;
    let endUs = nowMicros();
    let queuedUs = 0;
    for (const [index, step] of steps.entries()) {
      const timing = await this.runStep(step, plan.title);
      if (index === 0) startUs = timing.startUs;
      queuedUs += timing.queuedUs;
      endUs = timing.endUs;
    }
    if (steps.length === 0) startUs = endUs;
    return { steps: steps.length, startUs, endUs, queuedUs };
  }

  steps(ops: readonly Op[], lent: ReadonlyMap<string, LentNic> = new Map()): Array<Step & { ledger: LedgerEntry[] }> {
    // Render op by op so each step knows which ledger entries it creates.
    const rendered = ops.flatMap((op) => renderOp(op, this.netnsOf).map((command) => ({ command, op })));
    const steps = toSteps(rendered.map((item) => item.command));
    let index = 0;
    return steps.map((step) => {
      const entries: LedgerEntry[] = [];
      for (let i = 0; i < step.commands.length; i++) {
        const item = rendered[index++];
        if (item !== undefined) entries.push(...ledgerEntriesFor(item.op, this.netnsOf, lent));
      }
      return { ...step, ledger: dedupe(entries) };
    });
  }

  private sessionFor(step: Step): IpSession | undefined {
    const command = step.commands[0];
    if (command === undefined || command.tool !== 'ip') return undefined;
    // Such a step runs in a process that exits, so the descriptor it leaks goes with it (a root
    // session too: a macvlan child made into a node would keep that node's namespace alive).
    if (step.commands.some(namesOtherNetns)) return undefined;
    if (command.ctx === 'root') return this.leastBusyRoot();
    return this.sessions.get(command.ctx.netns);
  }

  private leastBusyRoot(): IpSession | undefined {
    let best: IpSession | undefined;
    for (const session of this.rootSessions) if (best === undefined || session.pending < best.pending) best = session;
    return best;
  }

  /**
   * A failure reported through a root session names the session's `ip` and a
   * script file; report the step's own command and the line that failed instead.
   */
  private rootLineError(error: unknown, step: Step, file: string | undefined): unknown {
    if (!(error instanceof ColdpathError)) return error;
    const stderr = error.stderr ?? '';
    const match = file === undefined ? null : new RegExp(`Command failed ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(stderr);
    const failedLine = match === null ? undefined : step.input?.split('\n')[Number(match[1]) - 1];
    const reason = stderr.split('\n')[0] ?? error.message;
    return new ColdpathError(`${reason}: ${formatArgv(step.argv)}${failedLine === undefined ? '' : ` (line: ${failedLine})`}`, {
      kind: 'command',
      command: step.argv,
      stderr: `${stderr.split('\n-- input --')[0] ?? ''}${step.input === undefined ? '' : `\n-- input --\n${step.input}`}`,
      ...(hintFor(step.argv, stderr) === undefined ? {} : { hint: hintFor(step.argv, stderr) as string }),
      cause: error,
    });
  }

  /** The step as one `netns exec NS …` line for a root session; stdin becomes a file. */
  private asRootLine(step: Step): { line: string; file?: string } | undefined {
    const [tool, ...args] = step.argv;
    if (tool !== 'ip' && tool !== 'bridge') return undefined;
    let netns: string | undefined;
    let rest: string[];
    if (args[0] === 'netns' && args[1] === 'exec' && args[2] !== undefined) {
      netns = args[2];
      rest = args.slice(3);
    } else if (args[0] === '-n' && args[1] !== undefined) {
      netns = args[1];
      rest = [tool, ...args.slice(2)];
    } else {
      return undefined;
    }
    if (rest.some((word) => /\s/.test(word))) return undefined;
    if (step.input === undefined) return { line: ['netns', 'exec', netns, ...rest].join(' ') };
    const file = join(this.ledger.dir, `step-${++this.scriptCount}.in`);
    rest = rest.map((word) => (word === '-' ? file : word));
    if (!rest.includes(file)) return undefined;
    writeFileSync(file, step.input);
    return { line: ['netns', 'exec', netns, ...rest].join(' '), file };
  }

  private async runStep(step: Step & { ledger: LedgerEntry[] }, title: string): Promise<{ startUs: number; endUs: number; queuedUs: number }> {
    this.ledger.append(...step.ledger);
    try {
      const session = this.sessionFor(step);
      if (session !== undefined) {
        return await session.run(step.commands.map((command) => (command.tool === 'ip' ? command.args.join(' ') : '')));
      }
      const root = this.leastBusyRoot();
      const rootLine = root === undefined ? undefined : this.asRootLine(step);
      if (root !== undefined && rootLine !== undefined) {
        try {
          return await root.run([rootLine.line]);
        } catch (error) {
          throw this.rootLineError(error, step, rootLine.file);
        } finally {
          if (rootLine.file !== undefined) rmSync(rootLine.file, { force: true });
        }
      }
      const startUs = nowMicros();
      await runCommand(step.argv, {
        ...(step.input === undefined ? {} : { input: step.input }),
        timeoutMs: this.timeoutMs,
      });
      return { startUs, endUs: nowMicros(), queuedUs: 0 };
    } catch (error) {
      if (error instanceof ColdpathError) {
        const failedLine = batchFailure(error.stderr, step.input);
        throw new ColdpathError(`${title}: ${error.message}${failedLine === undefined ? '' : ` (line: ${failedLine})`}`, {
          kind: error.kind,
          ...(error.command === undefined ? {} : { command: error.command }),
          exitCode: error.exitCode,
          ...(error.stderr === undefined ? {} : { stderr: error.stderr }),
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** `ip -batch` reports "Command failed -:N": return line N of the input. */
function batchFailure(stderr: string | undefined, input: string | undefined): string | undefined {
  const match = /Command failed -:(\d+)/.exec(stderr ?? '');
  if (match === null || input === undefined) return undefined;
  return input.split('\n')[Number(match[1]) - 1];
}

function ledgerEntriesFor(op: Op, netnsOf: (node: string) => string, lent: ReadonlyMap<string, LentNic>): LedgerEntry[] {
  switch (op.kind) {
    case 'node.add':
      return [{ t: 'netns', name: netnsOf(op.node) }];
    case 'veth.add':
      return [
        { t: 'link', netns: netnsOf(op.node), dev: op.dev },
        { t: 'link', netns: netnsOf(op.peerNode), dev: op.peerDev },
      ];
    case 'nic.lend': {
      const entry = lent.get(op.nic);
      if (entry === undefined) throw new ColdpathError(`NIC ${op.nic}: lent without its MAC read first`, { kind: 'runtime' });
      return [entry];
    }
    case 'bridge.add':
    case 'macvlan.add':
    case 'ipvlan.add':
    case 'tunnel.add':
      return [{ t: 'link', netns: netnsOf(op.node), dev: op.dev }];
    case 'nft.table':
      return [{ t: 'nft', netns: netnsOf(op.node), table: op.table }];
    default:
      return [];
  }
}

function dedupe(entries: LedgerEntry[]): LedgerEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = JSON.stringify(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
