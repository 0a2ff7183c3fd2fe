/**
 * One coordinator's session with one machine's agent, whatever carries it: a
 * child process whose stdin/stdout are the protocol's streams (`ssh … coldpath
 * agent`, or `node bin/coldpath.js agent` here) and whose stderr is kept for
 * error messages. Connecting means: spawn (argv, no shell), `hello` (the
 * protocol version is checked), a clock sync; a failure at any step ends the
 * child and names the host with the process's own reason.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { AgentClient } from '../agent/client.js';
import type { OffsetEstimate } from '../agent/clock-offset.js';
import { AGENT_PROTOCOL_VERSION, type HelloResponse } from '../agent/protocol.js';
import { ColdpathError, isColdpathError } from '../errors.js';

/** How much of the child's stderr is kept (bytes): the reason for a failure is in its last lines. */
const STDERR_KEEP = 64 * 1024;

/** How long `close` waits for the agent to exit after `shutdown` and end of input, then after SIGTERM (ms). */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/** An agent reached and checked: its client, who it is, its clock, and what was run to reach it. */
export interface AgentConnection {
  /** The inventory host's name. */
  readonly host: string;
  readonly client: AgentClient;
  /** The agent's `hello` answer (protocol version checked). */
  readonly hello: HelloResponse;
  /** The clock offset estimated on connect (agent clock − coordinator clock). */
  readonly clock: OffsetEstimate;
  /** The local process's pid (ssh's, or the local agent's): the agent's own is `hello.pid`, on its machine. */
  readonly pid: number | undefined;
  /** The argv that was spawned (wrapper prefix included), for messages and logs. */
  readonly argv: readonly string[];
  /** Everything the process wrote on stderr so far (the last 64 KiB). */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Asks the agent to shut down, ends its input and waits for it; kills it if it lingers. Idempotent; never throws. */
  close(): Promise<void>;
}

/** Why a process that never answered failed, from its exit and its stderr (ssh's reasons, or a local agent's). */
export type ExplainFailure = (detail: { stderr: string; code: number | null; signal: NodeJS.Signals | null }) => { line: string; hint: string };

export interface SpawnAgentOptions {
  /** The inventory host's name, for messages. */
  host: string;
  /** What reaches the agent, e.g. `['ssh', …, 'HOST', 'coldpath agent']`. */
  argv: readonly string[];
  /** Prepended to `argv` (e.g. `['ip', 'netns', 'exec', 'NS']` to run ssh inside a namespace); default none. */
  wrapper?: readonly string[];
  /** Names the transport in messages, e.g. `ssh` or `local agent`. */
  via: string;
  explain: ExplainFailure;
  /** The client's per-request timeout (ms); it bounds `hello`, which covers connecting and the agent's start-up. Default the client's (10 s). */
  requestTimeoutMs?: number;
  /** Clock exchanges on connect; default the client's (8). */
  clockSamples?: number;
  /** Working directory of the child; default the coordinator's. */
  cwd?: string;
  /**
   * Starts the child in a process group of its own, so a Ctrl-C at the coordinator's terminal
   * (which signals the whole foreground group) does not end the agent before the coordinator's
   * teardown has used it; end of input still ends it when the coordinator dies. Default false.
   */
  detached?: boolean;
}

/** Spawns the child, checks the agent, syncs its clock. Rejects with a ColdpathError naming the host; the child is gone by then. */
export async function spawnAgentConnection(options: SpawnAgentOptions): Promise<AgentConnection> {
  const argv = [...(options.wrapper ?? []), ...options.argv];
  const [file, ...args] = argv;
  if (file === undefined) throw new ColdpathError(`${options.host}: nothing to run`, { kind: 'runtime' });
  const child: ChildProcessWithoutNullStreams = spawn(file, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.detached === true ? { detached: true } : {}),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
  });
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      // ENOENT and friends: there is no process, so no 'exit' will come.
      spawnError = error;
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let agentSpoke = false;
  child.stdout.once('data', () => {
    agentSpoke = true;
  });
  // A write to a child that is already gone (EPIPE) surfaces through the client's closed stream instead.
  child.stdin.on('error', () => {});
  const client = new AgentClient({ input: child.stdout, output: child.stdin, label: options.host, ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }) });
  const close = closer(child, client, exited);

  try {
    const hello = await client.hello();
    if (hello.protocol !== AGENT_PROTOCOL_VERSION)
      throw new ColdpathError(`${options.host}: the agent speaks protocol ${hello.protocol}, this coordinator ${AGENT_PROTOCOL_VERSION}`, {
        kind: 'runtime',
        hint: 'install the same coldpath version on every host',
      });
    const clock = await client.syncClock(options.clockSamples);
    return { host: options.host, client, hello, clock, pid: child.pid, argv, stderr: () => stderr, exited, close };
  } catch (error) {
    // The agent never wrote a line: the transport failed (ssh refused, a command not found) and the process's own
    // account (its reason line, its exit code) says more than "closed its output", so wait briefly for it to exit.
    // It wrote one (a refusal, a newer protocol): that is the agent's say, and there is no exit to wait for.
    const status = agentSpoke ? undefined : await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000).unref())]);
    // A hung or refusing child gets no polite shutdown: it never became a session.
    client.close();
    if (status === undefined) child.kill('SIGTERM');
    await close();
    throw connectError(options, argv, error, spawnError, agentSpoke, status, stderr);
  }
}

function connectError(
  options: SpawnAgentOptions,
  argv: readonly string[],
  error: unknown,
  spawnError: Error | undefined,
  agentSpoke: boolean,
  status: { code: number | null; signal: NodeJS.Signals | null } | undefined,
  stderr: string,
): ColdpathError {
  const command = [...argv];
  if (spawnError !== undefined) {
    return new ColdpathError(`${options.host}: cannot start ${argv[0]}: ${spawnError.message}`, { kind: 'environment', command, hint: `install ${argv[0]}`, cause: spawnError });
  }
  // The agent answered, and refused (another protocol version) or misbehaved: the client's error already says it
  // (a line on stderr, such as ssh's "Permanently added" warning, is not the reason then).
  if (agentSpoke && isColdpathError(error)) return error;
  const { line, hint } = options.explain({ stderr, code: status?.code ?? null, signal: status?.signal ?? null });
  const how =
    status === undefined
      ? isColdpathError(error)
        ? error.message.replace(`${options.host}: `, '')
        : String(error)
      : status.signal === null
        ? `exited with code ${status.code}`
        : `ended by ${status.signal}`;
  return new ColdpathError(`${options.host}: ${options.via} failed before the agent answered (${how}): ${line}`, {
    kind: 'runtime',
    command,
    ...(status?.code === null || status?.code === undefined ? {} : { exitCode: status.code }),
    stderr,
    hint,
    cause: error,
  });
}

/** `close` for one connection: shutdown if the agent still answers, end of input, then SIGTERM and SIGKILL for a process that lingers. */
function closer(child: ChildProcessWithoutNullStreams, client: AgentClient, exited: Promise<unknown>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  const waitExit = (ms: number): Promise<boolean> => Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
  return () => {
    closing ??= (async () => {
      if (!gone()) await client.shutdown(DEFAULT_CLOSE_GRACE_MS).catch(() => undefined);
      client.close();
      // End of input ends an agent too (and ssh's session with it), even one that did not answer shutdown.
      child.stdin.end();
      if (gone() || (await waitExit(DEFAULT_CLOSE_GRACE_MS))) return;
      child.kill('SIGTERM');
      if (await waitExit(DEFAULT_CLOSE_GRACE_MS)) return;
      child.kill('SIGKILL');
      await exited;
    })();
    return closing;
  };
}
