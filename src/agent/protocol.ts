/**
 * The node agent's protocol (issue 12): one JSON object per line, requests on
 * the agent's stdin, responses on its stdout. Only stdio, so the same agent
 * runs as a local child, under `ssh -T` or in a Kubernetes exec stream.
 * Timestamps are integer microseconds on the agent's own CLOCK_MONOTONIC;
 * they mean nothing on another machine until mapped through a clock estimate
 * (clock-offset.ts). docs/agent-protocol.md is the prose version.
 *
 * Compatibility rules within one `AGENT_PROTOCOL_VERSION`:
 * - a new request type, a new response field or a new event is additive: the
 *   agent lists the request types it accepts in its `hello` answer, and a
 *   coordinator sends only those (an older agent would answer `unknown-type`);
 * - requests are strict (an unknown field is an error naming it, so typos are
 *   caught), responses are read tolerantly (unknown fields are dropped), so an
 *   agent may add a response field without breaking older coordinators;
 * - changing or removing anything, or adding a field to an existing request,
 *   is a new version.
 *
 * `apply` and `teardown` (issue 12's second slice), `session` (its third), and
 * `exec`, `spawn`, `write` and `stop` with the `stdout`, `stderr` and `exit`
 * events (processes in the agent's namespaces) were added within version 1 that
 * way, and so were `signal` and the `at` of `stdout` and `stderr` events (stamps
 * taken on the agent's machine, so a fault's instant and a log line's time do not
 * carry the relay's delay). Events are lines `{type: 'event', name, ...}` the
 * agent writes unprompted; a version-1 client skips an event whose `name` it does
 * not know. Planned (each a
 * new request type or event): `histogram` (encoded HDR histograms and per-instance
 * timelines), progress events of long requests.
 */
import { z } from 'zod';
import { NODE_NAME_PATTERN, RUN_TAG_PATTERN } from '../topology/naming.js';
import { planSchema } from '../topology/ops-schema.js';
import { NODE_SIGNALS } from '../kernel/node-signals.js';
import { machineSchema } from '../results/fingerprint-schema.js';

/** The protocol version this coldpath speaks; `hello` refuses any other. */
export const AGENT_PROTOCOL_VERSION = 1;

/** The request types of version 1, in the order `hello` lists them (all but the first three added within it). */
export const AGENT_REQUEST_TYPES = ['hello', 'clock', 'shutdown', 'apply', 'teardown', 'session', 'exec', 'spawn', 'write', 'stop', 'clean', 'features', 'signal', 'machine'] as const;
export type AgentRequestType = (typeof AGENT_REQUEST_TYPES)[number];

/** The only clock an agent stamps with today (process.hrtime reads it on Linux). */
export const AGENT_CLOCK_SOURCES = ['CLOCK_MONOTONIC'] as const;

/** A request's id: chosen by the coordinator, echoed by the answer; the agent does not require them to be unique. */
const requestId = z.number().int().nonnegative().describe('Chosen by the coordinator; the response carries the same id.');

/** Integer microseconds on the agent's monotonic clock. */
const agentMicros = z.number().int().describe("Microseconds on the agent's monotonic clock (its own timeline: map it through a clock estimate before comparing with another machine's).");

/** `hello`: the first request of a session; the agent refuses a `protocol` other than its own. */
export const helloRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('hello'),
    protocol: z.number().int().positive().describe('The protocol version the coordinator speaks; the agent refuses any other.'),
  })
  .meta({ id: 'HelloRequest', description: 'First request of a session: version check and who the agent is.' });

/** `clock`: one exchange of the offset estimate (clock-offset.ts). */
export const clockRequestSchema = z
  .strictObject({ id: requestId, type: z.literal('clock') })
  .meta({ id: 'ClockRequest', description: 'One clock exchange: the coordinator notes its send (t0) and receive (t3) times, the agent answers with its own (t1, t2).' });

/** `shutdown`: stop reading, let running requests answer, answer last, exit 0. */
export const shutdownRequestSchema = z
  .strictObject({ id: requestId, type: z.literal('shutdown') })
  .meta({ id: 'ShutdownRequest', description: 'The agent stops reading, lets running requests answer, answers this one last and exits 0 (as it does at end of input); it tears nothing down.' });

/** A run tag as the ledger and `coldpath clean` know it: anything else would leave namespaces `clean` cannot find. */
const runTag = z
  .string()
  .regex(RUN_TAG_PATTERN, 'expected a run tag: 4 lowercase hex digits, as `coldpath clean` recognises')
  .describe('The run tag: namespaces are `coldpath-<tag>-<node>`, the ledger is `<state dir>/<tag>/`.');

/** `apply`: a plan's operations in the tag's namespaces, recorded in the tag's ledger on this machine before each is created. */
export const applyRequestSchema = z.strictObject({ id: requestId, type: z.literal('apply'), tag: runTag, plan: planSchema }).meta({
  id: 'ApplyRequest',
  description: "Apply a plan (src/topology/ops.ts) in this machine's namespaces `coldpath-<tag>-<node>`, in order; the first apply for a tag claims it on this machine.",
});

/** `teardown`: undo everything the agent's ledger for `tag` holds. */
export const teardownRequestSchema = z.strictObject({ id: requestId, type: z.literal('teardown'), tag: runTag }).meta({
  id: 'TeardownRequest',
  description: 'Remove everything this agent created for the tag (its processes, then its namespaces) and release the tag; a tag it holds nothing for answers zero counts.',
});

/**
 * `clean`: what `coldpath clean` does, on the agent's machine: every run whose owners are gone
 * (ledgers, their processes and namespaces) and coldpath namespaces no ledger names. Live runs, this
 * agent's own included, are left alone. `coldpath clean --hosts` sends it to every host.
 */
export const cleanRequestSchema = z.strictObject({ id: requestId, type: z.literal('clean') }).meta({
  id: 'CleanRequest',
  description: "Remove coldpath's leftovers on this machine, as `coldpath clean` does there (runs whose owners are gone, unledgered coldpath namespaces); live runs are skipped.",
});

/**
 * `features`: what the agent's kernel can do, found by trying it in a scratch namespace on its
 * machine (as `coldpath doctor` does there): the coordinator chooses a run's tunnel from the
 * answers of the machines that hold its tunnel's ends, not from its own kernel.
 */
export const featuresRequestSchema = z.strictObject({ id: requestId, type: z.literal('features') }).meta({
  id: 'FeaturesRequest',
  description: "Probe this machine's kernel (veth, bridge, gre, ipip, vxlan, nft NAT) in a scratch namespace, removed afterwards.",
});

/**
 * `machine`: what the agent's machine is beyond its kernel (OS, CPUs, the versions of Node.js,
 * iproute2, nft and sockperf there), so a run across machines records every host's, not only the
 * coordinator's. Added within version 1.
 */
export const machineRequestSchema = z.strictObject({ id: requestId, type: z.literal('machine') }).meta({
  id: 'MachineRequest',
  description: 'Describe this machine: OS, CPU model and count, and the versions of Node.js, iproute2, nft and sockperf.',
});

/** A node of a plan: what `coldpath clean` recognises after the tag in `coldpath-<tag>-<node>`. */
const nodeName = z.string().regex(NODE_NAME_PATTERN, 'expected a node name: lowercase letters, digits and dashes, starting with a letter or digit');

/**
 * `session`: keep an `ip -batch` process open in a node's namespace (or close it), so later plans
 * pay no `ip` start-up there: the engine opens one for every node that lives for the whole run.
 * A hint for speed, never needed for correctness; closed before the namespace is deleted.
 */
export const sessionRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('session'),
    tag: runTag,
    node: nodeName.describe('The node whose namespace `coldpath-<tag>-<node>` gets the session.'),
    open: z.boolean().describe('true: open one (nothing happens if it is open); false: close it (before the namespace is deleted).'),
  })
  .meta({ id: 'SessionRequest', description: "Open or close a long-lived `ip` session in a node's namespace; queued with the tag's plans, in order." });

/** A command line: run as it is (no shell), so each word is one argument; NUL would end a C string early. */
const argv = z
  .array(z.string().refine((word) => !word.includes('\0'), 'expected no NUL character'))
  .min(1, 'expected a command: at least one word')
  .describe('The command and its arguments, run without a shell (the first word is looked up in PATH).');

/** A process the agent started (`spawn`): numbered by the agent, from 1, unique within its session. */
const procId = z.number().int().positive().describe('The process, as the `spawned` answer numbered it.');

/** How many bytes of stdout and of stderr an `exec` answer carries at most (1 MiB each); the rest is read and dropped. */
export const EXEC_OUTPUT_CAP = 1024 * 1024;

/** How long `exec` lets a command run by default before it kills it (ms), as the coordinator's own commands. */
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

/** The longest timeout or grace a request may ask for (ms, a day): a timer beyond 2^31 − 1 ms would fire at once. */
const MAX_WAIT_MS = 86_400_000;

/** How long `stop` waits by default after closing a process's stdin before it kills it (ms), as `LineProcess.stop`. */
export const DEFAULT_STOP_GRACE_MS = 2_000;

/**
 * `exec`: a one-shot command (`nft list counters`, `ip -o link`) in a node's namespace, run to completion.
 * The tag must be claimed by this agent (an earlier `apply`); it starts after the tag's queued requests.
 */
export const execRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('exec'),
    tag: runTag,
    node: nodeName.describe('The node whose namespace `coldpath-<tag>-<node>` runs the command.'),
    argv,
    input: z.string().optional().describe("Written to the command's stdin, which is then closed; default nothing (stdin closed at once)."),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(MAX_WAIT_MS)
      .optional()
      .describe(`Milliseconds before the command is killed (SIGKILL; the answer says \`timedOut\`); default ${DEFAULT_EXEC_TIMEOUT_MS}.`),
  })
  .meta({ id: 'ExecRequest', description: "Run a command to completion in a node's namespace (`ip netns exec coldpath-<tag>-<node> argv…`, no shell) and answer with its status and output." });

/**
 * `spawn`: a long-running process (a probe, the user service) in a node's namespace, its stdio piped to the
 * agent: stdout lines and stderr chunks come back as events, `write` feeds its stdin. Recorded in the tag's
 * ledger as it starts, so `teardown` and `coldpath clean` kill it.
 */
export const spawnRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('spawn'),
    tag: runTag,
    node: nodeName.describe('The node whose namespace `coldpath-<tag>-<node>` runs the process.'),
    argv,
    cpus: z.array(z.number().int().nonnegative()).optional().describe('CPUs to pin it to (`taskset -c`); none or empty: unpinned.'),
    label: z.string().optional().describe("Names the process in the agent's messages (e.g. `probe fn0`); default its first word."),
  })
  .meta({ id: 'SpawnRequest', description: "Start a long-running process in a node's namespace with piped stdio; the tag must be claimed by this agent (an earlier apply)." });

/** `write`: one line to a spawned process's stdin, in the order the requests arrived. */
export const writeRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('write'),
    proc: procId,
    line: z
      .string()
      .regex(/^[^\n]*$/, 'expected one line (no newline: the agent adds it)')
      .describe("Written with a `\\n` after it to the process's stdin."),
  })
  .meta({ id: 'WriteRequest', description: "Write one line to a spawned process's stdin; answered once it is handed to the pipe." });

/** `stop`: end a spawned process as `LineProcess.stop` does: close its stdin, wait, SIGKILL after the grace. */
export const stopRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('stop'),
    proc: procId,
    graceMs: z.number().int().nonnegative().max(MAX_WAIT_MS).optional().describe(`Milliseconds to wait for it to exit after its stdin closes, then SIGKILL; default ${DEFAULT_STOP_GRACE_MS}.`),
  })
  .meta({ id: 'StopRequest', description: "Close a spawned process's stdin (a JSON-line process exits on EOF), kill it after the grace, answer with how it ended; one already gone answers at once." });

/**
 * `signal`: the agent itself sends a signal to processes in a node's namespace (no command is started, so
 * the answer's stamps bound the instant to microseconds). Every pid must be in the node's namespace or gone;
 * one in another namespace refuses the whole request (`pids.N`) before anything is sent.
 */
export const signalRequestSchema = z
  .strictObject({
    id: requestId,
    type: z.literal('signal'),
    tag: runTag,
    node: nodeName.describe('The node whose namespace `coldpath-<tag>-<node>` the processes must be in.'),
    pids: z.array(z.number().int().positive()).min(1).max(64).describe("Pids on the agent's machine, signalled in this order."),
    signal: z.enum(NODE_SIGNALS),
  })
  .meta({ id: 'SignalRequest', description: "Send a signal to processes in a node's namespace, from the agent itself; the tag must be claimed by this agent." });

/** Any request of version 1, by `type`. */
export const agentRequestSchema = z
  .discriminatedUnion('type', [
    helloRequestSchema,
    clockRequestSchema,
    shutdownRequestSchema,
    applyRequestSchema,
    teardownRequestSchema,
    sessionRequestSchema,
    execRequestSchema,
    spawnRequestSchema,
    writeRequestSchema,
    stopRequestSchema,
    cleanRequestSchema,
    featuresRequestSchema,
    signalRequestSchema,
    machineRequestSchema,
  ])
  .meta({ id: 'AgentRequest', description: "One line on the agent's stdin." });

/** Who the agent is and what it accepts. */
export const helloResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('hello'),
    protocol: z.number().int().positive().describe('The protocol version the agent speaks.'),
    coldpath: z.string().describe("The agent's coldpath version (package.json)."),
    hostname: z.string(),
    pid: z.number().int().positive(),
    kernel: z.string().describe('Kernel release (uname -r).'),
    clock: z.enum(AGENT_CLOCK_SOURCES).describe('The clock every agent timestamp is read from.'),
    accepts: z.array(z.string()).describe('Request types this agent accepts; a coordinator sends no other.'),
  })
  .meta({ id: 'HelloResponse' });

/** The agent's two stamps of a clock exchange. */
export const clockResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('clock'),
    t1: agentMicros.describe('When the agent read the request (agent clock, µs).'),
    t2: agentMicros.describe('When the agent wrote this answer (agent clock, µs).'),
  })
  .meta({ id: 'ClockResponse' });

/** Sent before the agent exits. */
export const shutdownResponseSchema = z.object({ id: requestId, type: z.literal('shutdown') }).meta({ id: 'ShutdownResponse' });

/** A plan applied: how long the kernel work took, on the agent's clock (the driver's ApplyResult). */
export const appliedResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('applied'),
    steps: z.number().int().nonnegative().describe('Kernel steps run (an `ip -batch` per namespace run, an nft script, a sysctl).'),
    startUs: agentMicros.describe('When the first step began executing, after any queueing (agent clock, µs).'),
    endUs: agentMicros.describe('When the last step ended (agent clock, µs).'),
    queuedUs: z.number().int().nonnegative().describe('Time the steps waited behind other work in shared `ip` sessions, µs.'),
  })
  .meta({ id: 'AppliedResponse' });

/** What a teardown removed. */
export const tornDownResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('torn-down'),
    netnsRemoved: z.number().int().nonnegative().describe('Namespaces deleted.'),
    processesKilled: z.number().int().nonnegative().describe('Processes that were still running in them, or recorded, and were killed.'),
  })
  .meta({ id: 'TornDownResponse' });

/** What the agent's kernel can do (`coldpath doctor`'s kernel checks, on its machine). */
export const featuresResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('features'),
    veth: z.boolean(),
    bridge: z.boolean(),
    gre: z.boolean(),
    ipip: z.boolean(),
    vxlan: z.boolean(),
    nftNat: z.boolean(),
    errors: z.record(z.string(), z.string()).describe("Each failed check's error text, e.g. gre: 'Error: Unknown device type.'"),
  })
  .meta({ id: 'FeaturesResponse' });

/** The agent's machine (run.json records it as `agents[].machine`). */
export const machineResponseSchema = z.object({ id: requestId, type: z.literal('machine'), ...machineSchema.shape }).meta({ id: 'MachineResponse' });

/** What a `clean` removed on the agent's machine. */
export const cleanedResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('cleaned'),
    runsCleaned: z.array(z.string()).describe('Run tags whose leftovers were removed.'),
    runsSkipped: z.array(z.object({ tag: z.string(), pid: z.number().int() })).describe('Live runs left alone, with the pid that owns each.'),
    netnsRemoved: z.array(z.string()).describe('Namespaces deleted.'),
    processesKilled: z.number().int().nonnegative(),
    containersRemoved: z.number().int().nonnegative().describe('OCI containers deleted.'),
    errors: z.array(z.string()).describe('What could not be removed (the ledger stays for another try).'),
  })
  .meta({ id: 'CleanedResponse' });

/** A session opened or closed. */
export const sessionResponseSchema = z.object({ id: requestId, type: z.literal('session') }).meta({ id: 'SessionResponse' });

/** How a process ended: its exit code, or the signal that killed it (one of the two is null). */
const exitCode = z.number().int().nullable().describe('Exit code; null when a signal ended it.');
const exitSignal = z.string().nullable().describe('The signal that ended it (e.g. `SIGKILL`); null when it exited.');

/** A command run to completion. */
export const executedResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('executed'),
    code: exitCode,
    signal: exitSignal,
    stdout: z.string().describe(`Its stdout (UTF-8), at most ${EXEC_OUTPUT_CAP} bytes.`),
    stderr: z.string().describe(`Its stderr (UTF-8), at most ${EXEC_OUTPUT_CAP} bytes.`),
    stdoutTruncated: z.boolean().describe('True when stdout was longer and was cut.'),
    stderrTruncated: z.boolean().describe('True when stderr was longer and was cut.'),
    timedOut: z.boolean().describe('True when it ran past `timeoutMs` and was killed.'),
    startUs: agentMicros.describe('When it was started (agent clock, µs).'),
    endUs: agentMicros.describe('When it had exited and its output was read (agent clock, µs).'),
  })
  .meta({ id: 'ExecutedResponse' });

/** A process started. */
export const spawnedResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('spawned'),
    proc: procId.describe('The number `write`, `stop` and the events name it by.'),
    pid: z.number().int().positive().describe("Its pid on the agent's machine."),
    spawnedAt: agentMicros.describe('When it was started (agent clock, µs): map it through a clock estimate.'),
  })
  .meta({ id: 'SpawnedResponse' });

/** Signals sent. */
export const signalledResponseSchema = z
  .object({
    id: requestId,
    type: z.literal('signalled'),
    delivered: z.array(z.number().int().positive()).describe('The pids the signal was sent to, in order.'),
    gone: z.array(z.number().int().positive()).describe('The pids that no longer existed (nothing sent).'),
    startUs: agentMicros.describe('Just before the first signal was sent (agent clock, µs).'),
    endUs: agentMicros.describe('Just after the last (agent clock, µs).'),
  })
  .meta({ id: 'SignalledResponse' });

/** A line handed to a process's stdin. */
export const writtenResponseSchema = z.object({ id: requestId, type: z.literal('written') }).meta({ id: 'WrittenResponse' });

/** A process stopped (or found already gone). */
export const stoppedResponseSchema = z.object({ id: requestId, type: z.literal('stopped'), code: exitCode, signal: exitSignal }).meta({ id: 'StoppedResponse' });

/** When the agent read an output line or chunk; optional because agents before it did not send it (additive in version 1). */
const readAt = agentMicros
  .optional()
  .describe("When the agent read it from the process's pipe (agent clock, µs): a log line's time without the relay's delay. Absent from older agents; the coordinator then stamps on arrival.");

/** One line a spawned process wrote on stdout, without its newline, in order. */
export const stdoutEventSchema = z
  .object({ type: z.literal('event'), name: z.literal('stdout'), proc: procId, line: z.string(), at: readAt })
  .meta({ id: 'StdoutEvent', description: "One line of a spawned process's stdout (without the newline), in order." });

/** A chunk of what a spawned process wrote on stderr (not split into lines). */
export const stderrEventSchema = z
  .object({ type: z.literal('event'), name: z.literal('stderr'), proc: procId, text: z.string(), at: readAt })
  .meta({ id: 'StderrEvent', description: "A chunk of a spawned process's stderr, as read (not split into lines)." });

/** A spawned process ended; written after its last stdout and stderr events. */
export const exitEventSchema = z
  .object({ type: z.literal('event'), name: z.literal('exit'), proc: procId, code: exitCode, signal: exitSignal, at: agentMicros.describe('When the agent saw it exit (agent clock, µs).') })
  .meta({ id: 'ExitEvent', description: 'A spawned process ended; its last event (after its output).' });

/** The event names of version 1: a client skips an event it does not know. */
export const AGENT_EVENT_NAMES = ['stdout', 'stderr', 'exit'] as const;

/** Any event of version 1, by `name`. */
export const agentEventSchema = z
  .discriminatedUnion('name', [stdoutEventSchema, stderrEventSchema, exitEventSchema])
  .meta({ id: 'AgentEvent', description: 'A line the agent writes unprompted (no id); a version-1 client skips one whose name it does not know.' });

/** Why a request was refused; lets a coordinator tell "not supported here" from "broken". */
export const AGENT_ERROR_CODES = ['malformed', 'unknown-type', 'unsupported-protocol', 'failed'] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** A refused or failed request; `field` and a `reason` starting with it when a field is at fault. */
export const errorResponseSchema = z
  .object({
    id: requestId.nullable().describe("The request's id; null when the line had no readable id (not JSON, or no id)."),
    type: z.literal('error'),
    code: z
      .enum(AGENT_ERROR_CODES)
      .describe(
        'malformed: not a JSON object or a field is wrong; unknown-type: a request type this agent does not accept; unsupported-protocol: hello with another version; failed: the request was valid and failed (a kernel command, with its message and hint).',
      ),
    reason: z.string().describe('What is wrong, starting with the field when one is (e.g. `type: unknown request type "start"; ...`).'),
    field: z.string().optional().describe('Dotted path of the offending field, when one is.'),
    hint: z.string().optional().describe('What the coordinator (or its user) can do about it.'),
    stderr: z
      .string()
      .optional()
      .describe(
        "failed: the failing command's standard error as the agent's machine wrote it (e.g. the kernel's `RTNETLINK answers: File exists`), so the coordinator can quote that machine's own words. Added within version 1.",
      ),
  })
  .meta({ id: 'ErrorResponse', description: 'A refused or failed request; the agent keeps serving.' });

/** Any line the agent writes in version 1: an answer, or an event. */
export const agentResponseSchema = z
  .discriminatedUnion('type', [
    helloResponseSchema,
    clockResponseSchema,
    shutdownResponseSchema,
    appliedResponseSchema,
    tornDownResponseSchema,
    sessionResponseSchema,
    cleanedResponseSchema,
    featuresResponseSchema,
    machineResponseSchema,
    executedResponseSchema,
    spawnedResponseSchema,
    writtenResponseSchema,
    stoppedResponseSchema,
    signalledResponseSchema,
    errorResponseSchema,
    agentEventSchema,
  ])
  .meta({ id: 'AgentResponse', description: "One line on the agent's stdout." });

export type HelloRequest = z.infer<typeof helloRequestSchema>;
export type ClockRequest = z.infer<typeof clockRequestSchema>;
export type ShutdownRequest = z.infer<typeof shutdownRequestSchema>;
export type ApplyRequest = z.infer<typeof applyRequestSchema>;
export type TeardownRequest = z.infer<typeof teardownRequestSchema>;
export type CleanedResponse = z.infer<typeof cleanedResponseSchema>;
export type FeaturesResponse = z.infer<typeof featuresResponseSchema>;
export type MachineResponse = z.infer<typeof machineResponseSchema>;
export type SessionRequest = z.infer<typeof sessionRequestSchema>;
export type ExecRequest = z.infer<typeof execRequestSchema>;
export type SpawnRequest = z.infer<typeof spawnRequestSchema>;
export type WriteRequest = z.infer<typeof writeRequestSchema>;
export type StopRequest = z.infer<typeof stopRequestSchema>;
export type SignalRequest = z.infer<typeof signalRequestSchema>;
export type { NodeSignal as AgentSignal } from '../kernel/node-signals.js';
export type AgentRequest = z.infer<typeof agentRequestSchema>;
export type HelloResponse = z.infer<typeof helloResponseSchema>;
export type ClockResponse = z.infer<typeof clockResponseSchema>;
export type ShutdownResponse = z.infer<typeof shutdownResponseSchema>;
export type AppliedResponse = z.infer<typeof appliedResponseSchema>;
export type TornDownResponse = z.infer<typeof tornDownResponseSchema>;
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
export type ExecutedResponse = z.infer<typeof executedResponseSchema>;
export type SpawnedResponse = z.infer<typeof spawnedResponseSchema>;
export type WrittenResponse = z.infer<typeof writtenResponseSchema>;
export type StoppedResponse = z.infer<typeof stoppedResponseSchema>;
export type SignalledResponse = z.infer<typeof signalledResponseSchema>;
/** How a process ended: its exit code, or the signal that ended it (the other is null). */
export type ExitStatus = Pick<StoppedResponse, 'code' | 'signal'>;
export type StdoutEvent = z.infer<typeof stdoutEventSchema>;
export type StderrEvent = z.infer<typeof stderrEventSchema>;
export type ExitEvent = z.infer<typeof exitEventSchema>;
export type AgentEvent = z.infer<typeof agentEventSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type AgentResponse = z.infer<typeof agentResponseSchema>;
/** A line of the agent that answers a request (carries its id): anything but an event. */
export type AgentAnswer = Exclude<AgentResponse, { type: 'event' }>;

/** The answer each request type gets when it succeeds. */
export interface ResponseOf {
  hello: HelloResponse;
  clock: ClockResponse;
  shutdown: ShutdownResponse;
  apply: AppliedResponse;
  teardown: TornDownResponse;
  session: SessionResponse;
  exec: ExecutedResponse;
  spawn: SpawnedResponse;
  write: WrittenResponse;
  stop: StoppedResponse;
  clean: CleanedResponse;
  features: FeaturesResponse;
  signal: SignalledResponse;
  machine: MachineResponse;
}

/** The `type` of each request's successful answer (most answer with their own type). */
export const RESPONSE_TYPE_OF: { readonly [T in AgentRequestType]: ResponseOf[T]['type'] } = {
  hello: 'hello',
  clock: 'clock',
  shutdown: 'shutdown',
  apply: 'applied',
  teardown: 'torn-down',
  session: 'session',
  exec: 'executed',
  spawn: 'spawned',
  write: 'written',
  stop: 'stopped',
  clean: 'cleaned',
  features: 'features',
  signal: 'signalled',
  machine: 'machine',
};
