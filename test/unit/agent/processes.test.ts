/**
 * `exec`, `spawn`, `write` and `stop` without root: the agent in-process with a
 * fake plan backend and places without a namespace prefix, so real, harmless
 * `node -e` processes run in place. A spawned process is a RemoteProcess (a
 * LineChannel) on the client's side: lines round-trip, stderr reaches its tail,
 * its exit ends it, `stop` kills one that ignores EOF, a teardown kills and
 * forgets what is left, the agent's end closes their stdin, and a dropped
 * connection fails every waiter. Real namespaces:
 * test/integration/agent-processes.test.ts.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runAgent } from '../../../src/agent/agent.js';
import { AgentClient } from '../../../src/agent/client.js';
import { parseRequestLine, parseResponseLine } from '../../../src/agent/lines.js';
import type { NodePlace, NodePlaces } from '../../../src/agent/node-place.js';
import { EXEC_OUTPUT_CAP } from '../../../src/agent/protocol.js';
import { RemoteProcess } from '../../../src/agent/remote-process.js';
import { nowMicros } from '../../../src/clock.js';
import type { TextLine } from '../../../src/exec/line-channel.js';
import type { PlanBackend, TeardownCounts } from '../../../src/agent/tag-sessions.js';
import { TagSessions } from '../../../src/agent/tag-sessions.js';
import { ColdpathError } from '../../../src/errors.js';
import type { ApplyResult } from '../../../src/kernel/driver.js';
import { isAlive } from '../../../src/kernel/processes.js';
import { coldpathErrorOf as failure } from '../../coldpath-error.js';

const NODE = process.execPath;

/** Echoes every JSON line as `{echo: …}`, writes `err` to stderr first, exits with `exit` when asked and with 0 on EOF. */
const ECHO = [
  'const rl = require("node:readline").createInterface({ input: process.stdin });',
  'rl.on("line", (l) => { const m = JSON.parse(l); if (m.err) process.stderr.write(m.err);',
  '  process.stdout.write(JSON.stringify({ echo: m }) + "\\n"); if (m.exit !== undefined) process.exit(m.exit); });',
  'rl.on("close", () => process.exit(0));',
].join('\n');

/** Reads its stdin to the end and keeps running: only SIGKILL (or SIGTERM) ends it. */
const STUBBORN = 'process.stdin.resume(); process.stdout.write("{\\"ready\\":true}\\n"); setInterval(() => {}, 1000);';

/** A plan backend that does nothing: these tests are about processes. */
class QuietBackend implements PlanBackend {
  readonly calls: string[] = [];
  async apply(): Promise<ApplyResult> {
    return { steps: 0, startUs: 0, endUs: 0, queuedUs: 0 };
  }
  async teardown(tag: string): Promise<TeardownCounts> {
    this.calls.push(`teardown ${tag}`);
    return { netnsRemoved: 1, processesKilled: 0 };
  }
  async session(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Places without a prefix, recording what the ledger would; tag `dead` is not claimed. Its processes are "here". */
class InPlace implements NodePlaces {
  readonly records: string[] = [];
  readonly spawned = new Set<number>();
  async placeOf(tag: string, node: string): Promise<NodePlace> {
    if (tag === 'dead') throw new ColdpathError(`tag: run tag ${tag} is not claimed by this agent`, { kind: 'input', field: 'tag', hint: 'apply first' });
    return {
      netns: `coldpath-${tag}-${node}`,
      prefix: [],
      recordSpawn: (pid, argv) => {
        this.spawned.add(pid);
        this.records.push(`spawn ${pid} ${argv[0]}`);
      },
      recordExit: (pid) => this.records.push(`exit ${pid}`),
      whereIs: (pid) => (!isAlive(pid) ? 'gone' : this.spawned.has(pid) ? 'here' : 'elsewhere'),
    };
  }
}

interface Session {
  client: AgentClient;
  places: InPlace;
  backend: QuietBackend;
  toAgent: PassThrough;
  fromAgent: PassThrough;
  agentDone: Promise<void>;
  lines: () => Array<Record<string, unknown>>;
}

const pids: number[] = [];

afterEach(() => {
  // Whatever a failed test left running.
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

function connected(options: { places?: NodePlaces | null; closeGraceMs?: number } = {}): Session {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  let text = '';
  fromAgent.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const places = new InPlace();
  const backend = new QuietBackend();
  const agentDone = runAgent({
    input: toAgent,
    output: fromAgent,
    backend,
    ...(options.places === null ? {} : { places: options.places ?? places }),
    ...(options.closeGraceMs === undefined ? {} : { closeGraceMs: options.closeGraceMs }),
  });
  const lines = (): Array<Record<string, unknown>> =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { client: new AgentClient({ input: fromAgent, output: toAgent, label: 'agent@test' }), places, backend, toAgent, fromAgent, agentDone, lines };
}

async function spawnNode(session: Session, script: string, label = 'echo'): Promise<RemoteProcess> {
  const remote = await session.client.spawn('ab12', 'fn0', [NODE, '-e', script], { label });
  pids.push(remote.pid);
  return remote;
}

const isEcho = (event: unknown): event is { echo: Record<string, unknown> } => typeof event === 'object' && event !== null && 'echo' in event;

describe('process requests', () => {
  it('parse, and name the field of a bad one', () => {
    expect(parseRequestLine('{"id": 1, "type": "spawn", "tag": "ab12", "node": "fn0", "argv": ["probe", "--x"], "cpus": [0, 1], "label": "probe fn0"}')).toEqual({
      ok: true,
      request: { id: 1, type: 'spawn', tag: 'ab12', node: 'fn0', argv: ['probe', '--x'], cpus: [0, 1], label: 'probe fn0' },
    });
    expect(parseRequestLine('{"id": 2, "type": "exec", "tag": "ab12", "node": "fn0", "argv": ["ip", "-o", "link"], "input": "", "timeoutMs": 500}')).toMatchObject({ ok: true });
    expect(parseRequestLine('{"id": 3, "type": "write", "proc": 1, "line": "{}"}')).toMatchObject({ ok: true });
    expect(parseRequestLine('{"id": 4, "type": "stop", "proc": 1}')).toMatchObject({ ok: true });
    const refusals: Array<[string, string]> = [
      ['{"id": 5, "type": "spawn", "tag": "ab12", "node": "fn0", "argv": []}', 'argv'],
      ['{"id": 5, "type": "spawn", "tag": "ab12", "node": "fn0", "argv": ["a\\u0000b"]}', 'argv.0'],
      ['{"id": 5, "type": "spawn", "tag": "ab12", "node": "fn0", "argv": ["x"], "cpus": [-1]}', 'cpus.0'],
      ['{"id": 5, "type": "spawn", "tag": "AB12", "node": "fn0", "argv": ["x"]}', 'tag'],
      ['{"id": 5, "type": "spawn", "tag": "ab12", "node": "../x", "argv": ["x"]}', 'node'],
      ['{"id": 5, "type": "spawn", "tag": "ab12", "node": "fn0", "argv": "x"}', 'argv'],
      ['{"id": 5, "type": "exec", "tag": "ab12", "node": "fn0", "argv": ["x"], "timeoutMs": 0}', 'timeoutMs'],
      ['{"id": 5, "type": "exec", "tag": "ab12", "node": "fn0", "argv": ["x"], "shell": true}', 'shell'],
      ['{"id": 5, "type": "write", "proc": 1, "line": "a\\nb"}', 'line'],
      ['{"id": 5, "type": "write", "proc": 0, "line": "a"}', 'proc'],
      ['{"id": 5, "type": "stop", "proc": 1, "graceMs": -1}', 'graceMs'],
      ['{"id": 5, "type": "stop", "proc": 1, "graceMs": 4294967296}', 'graceMs'],
    ];
    for (const [line, field] of refusals) {
      const parsed = parseRequestLine(line);
      expect(parsed, line).toMatchObject({ ok: false, error: { id: 5, code: 'malformed', field, reason: expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}: `)) } });
    }
  });

  it('events: known ones are read, an unknown name is skipped, a broken known one is a fault', () => {
    expect(parseResponseLine('{"type": "event", "name": "stdout", "proc": 1, "line": "{}"}')).toEqual({ kind: 'event', event: { type: 'event', name: 'stdout', proc: 1, line: '{}' } });
    expect(parseResponseLine('{"type": "event", "name": "exit", "proc": 2, "code": null, "signal": "SIGKILL", "at": 7}')).toMatchObject({ kind: 'event', event: { name: 'exit', signal: 'SIGKILL' } });
    expect(parseResponseLine('{"type": "event", "name": "progress", "at": 12}')).toEqual({ kind: 'event' });
    expect(parseResponseLine('{"type": "event", "name": "stdout", "line": "x"}')).toMatchObject({ kind: 'invalid', id: null, field: 'proc' });
    // The read stamp is optional (older agents send none) and, when sent, an integer on the agent's clock.
    expect(parseResponseLine('{"type": "event", "name": "stderr", "proc": 1, "text": "x", "at": 42}')).toEqual({ kind: 'event', event: { type: 'event', name: 'stderr', proc: 1, text: 'x', at: 42 } });
    expect(parseResponseLine('{"type": "event", "name": "stdout", "proc": 1, "line": "x", "at": 1.5}')).toMatchObject({ kind: 'invalid', field: 'at' });
  });
});

describe('signal: sent by the agent itself', () => {
  it('parses, and names the field of a bad one', () => {
    expect(parseRequestLine('{"id": 1, "type": "signal", "tag": "ab12", "node": "px0", "pids": [10, 11], "signal": "SIGKILL"}')).toMatchObject({ ok: true });
    for (const [line, field] of [
      ['{"id": 5, "type": "signal", "tag": "ab12", "node": "px0", "pids": [], "signal": "SIGKILL"}', 'pids'],
      ['{"id": 5, "type": "signal", "tag": "ab12", "node": "px0", "pids": [0], "signal": "SIGKILL"}', 'pids.0'],
      ['{"id": 5, "type": "signal", "tag": "ab12", "node": "px0", "pids": [10], "signal": "KILL"}', 'signal'],
      ['{"id": 5, "type": "signal", "tag": "ab12", "node": "px0", "pids": [10], "signal": "SIGSEGV"}', 'signal'],
    ] as const) {
      expect(parseRequestLine(line), line).toMatchObject({ ok: false, error: { id: 5, code: 'malformed', field } });
    }
  });

  it("freezes, thaws and kills its own process, stamping each send on the agent's clock within microseconds", async () => {
    const session = connected();
    const remote = await spawnNode(session, STUBBORN, 'stubborn');
    await remote.next((event) => (event as { ready?: boolean }).ready === true, 5_000);
    const stopped = await session.client.signal('ab12', 'fn0', [remote.pid], 'SIGSTOP');
    expect(stopped).toMatchObject({ delivered: [remote.pid], gone: [] });
    await vi.waitFor(() => expect(readFileSync(`/proc/${remote.pid}/stat`, 'utf8')).toMatch(/^\d+ \(.*\) T /));
    await session.client.signal('ab12', 'fn0', [remote.pid], 'SIGCONT');
    const killed = await session.client.signal('ab12', 'fn0', [remote.pid], 'SIGKILL');
    expect(killed.delivered).toEqual([remote.pid]);
    // No command started: the two stamps bracket one process.kill.
    expect(killed.endUs - killed.startUs).toBeGreaterThanOrEqual(0);
    expect(killed.endUs - killed.startUs).toBeLessThan(50_000);
    await expect(remote.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    // Gone now: nothing is sent, and it says so.
    await vi.waitFor(() => expect(isAlive(remote.pid)).toBe(false));
    await expect(session.client.signal('ab12', 'fn0', [remote.pid], 'SIGKILL')).resolves.toMatchObject({ delivered: [], gone: [remote.pid] });
    await session.client.shutdown();
  });

  it("refuses a pid outside the node's namespace before sending anything, naming pids.N", async () => {
    const session = connected();
    const remote = await spawnNode(session, STUBBORN, 'stubborn');
    await remote.next((event) => (event as { ready?: boolean }).ready === true, 5_000);
    // This test runner is not the node's: the whole request is refused, the node's own process untouched.
    const refused = await failure(session.client.signal('ab12', 'fn0', [remote.pid, process.pid], 'SIGKILL'));
    expect(refused).toMatchObject({ field: 'pids.1', message: expect.stringContaining(`process ${process.pid} is not in coldpath-ab12-fn0`) });
    expect(isAlive(remote.pid)).toBe(true);
    await expect(failure(session.client.signal('dead', 'fn0', [remote.pid], 'SIGKILL'))).resolves.toMatchObject({ field: 'tag' });
    await remote.stop(100);
    await session.client.shutdown();
  });
});

describe("a RemoteProcess's text lines (a daemon's log)", () => {
  /** Agent clock = coordinator clock + OFFSET, as a remote machine's would be. */
  const OFFSET_US = 5_000_000_000;
  /** One stdout line, then stderr in two chunks 50 ms apart, the second ending without a newline. */
  const LOGGER = 'process.stdout.write("{\\"a\\":1}\\n"); process.stderr.write("one\\ntw"); setTimeout(() => { process.stderr.write("o\\r\\nthree"); process.exit(0); }, 50);';

  it("carry the agent's read stamps mapped through the clock estimate; stderr chunks split into lines, each stamped by the chunk that ends it", async () => {
    const session = connected();
    const remote = await session.client.spawn('ab12', 'fn0', [NODE, '-e', LOGGER], { label: 'logger', toCoordinator: (us) => us - OFFSET_US });
    pids.push(remote.pid);
    const lines: TextLine[] = [];
    remote.onTextLine((line) => lines.push(line));
    await remote.exited;
    const afterExit = nowMicros();
    const events = session.lines().filter((line) => line['type'] === 'event') as Array<{ name: string; at?: number; line?: string; text?: string }>;
    const stdoutAt = events.find((e) => e.name === 'stdout')?.at;
    const chunks = events.filter((e) => e.name === 'stderr');
    expect(chunks.map((c) => c.text)).toEqual(['one\ntw', 'o\r\nthree']);
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', '{"a":1}'],
      ['stderr', 'one'],
      ['stderr', 'two'],
      ['stderr', 'three'],
    ]);
    expect(lines.slice(0, 3).map((l) => l.at)).toEqual([(stdoutAt as number) - OFFSET_US, (chunks[0]?.at as number) - OFFSET_US, (chunks[1]?.at as number) - OFFSET_US]);
    // The last line had no newline: it is handed over at the exit, stamped then (no chunk ended it).
    expect(lines[3]?.at).toBeLessThanOrEqual(afterExit);
    expect(lines[3]?.at).toBeGreaterThan((chunks[1]?.at as number) - OFFSET_US);
    await session.client.shutdown();
  });

  it('from an agent that sends no stamp, are stamped on arrival', () => {
    const remote = new RemoteProcess({ host: { write: async () => {}, stop: async () => ({ code: 0, signal: null }) }, proc: 1, pid: 1, spawnedAt: 0, label: 'old', argv: ['x'] });
    const lines: TextLine[] = [];
    remote.onTextLine((line) => lines.push(line));
    const before = nowMicros();
    remote.pushStdout('hello');
    remote.pushStderr('world\n');
    const after = nowMicros();
    expect(lines.map((l) => l.text)).toEqual(['hello', 'world']);
    for (const line of lines) expect(line.at >= before && line.at <= after, `${line.at} in [${before}, ${after}]`).toBe(true);
    remote.exit({ code: 0, signal: null });
  });
});

describe('spawn: a RemoteProcess', () => {
  it('round-trips JSON lines in order, keeps the stderr tail, and records the process as it starts', async () => {
    const session = connected();
    const remote = await spawnNode(session, ECHO);
    expect(remote.pid).toBeGreaterThan(0);
    expect(remote.proc).toBe(1);
    expect(Number.isInteger(remote.spawnedAt)).toBe(true);
    expect(session.places.records).toEqual([`spawn ${remote.pid} ${NODE}`]);
    for (let i = 0; i < 20; i++) remote.send({ n: i });
    for (let i = 0; i < 20; i++) await expect(remote.next(isEcho, 5_000)).resolves.toEqual({ echo: { n: i } });
    remote.send({ err: 'something broke\n', n: 20 });
    await remote.next(isEcho, 5_000);
    await vi.waitFor(() => expect(remote.stderr).toContain('something broke'));
    await expect(remote.stop()).resolves.toEqual({ code: 0, signal: null });
    expect(remote.exitStatus).toEqual({ code: 0, signal: null });
    await expect(remote.exited).resolves.toEqual({ code: 0, signal: null });
    expect(session.places.records).toEqual([`spawn ${remote.pid} ${NODE}`, `exit ${remote.pid}`]);
    // The exit event follows the process's last output, and the stopped answer follows the exit event.
    const types = session.lines().map((line) => (line['type'] === 'event' ? `event ${line['name']}` : line['type']));
    expect(types.slice(-2)).toEqual(['event exit', 'stopped']);
    await session.client.shutdown();
    await session.agentDone;
  });

  it('its exit ends it: waiters reject with the exit code, the last lines still arrive, writes are refused naming `proc`', async () => {
    const session = connected();
    const remote = await spawnNode(session, ECHO);
    const never = remote.next((event) => (event as { never?: boolean }).never === true, 10_000);
    remote.send({ last: true, exit: 3 });
    await expect(remote.exited).resolves.toEqual({ code: 3, signal: null });
    const error = await failure(never);
    expect(error.message).toMatch(/^echo exited with code 3: /);
    await vi.waitFor(() => expect(remote.hasExited).toBe(true));
    // The line it wrote before exiting is kept for a later `next`.
    await expect(remote.next(isEcho, 100)).resolves.toEqual({ echo: { last: true, exit: 3 } });
    const refused = await failure(session.client.request({ type: 'write', proc: remote.proc, line: '{}' }));
    expect(refused).toMatchObject({ field: 'proc', message: expect.stringMatching(/proc: process 1 \(echo\) has exited \(code 3\)/) });
    // A stop of a process already gone answers at once with its status.
    await expect(session.client.request({ type: 'stop', proc: remote.proc })).resolves.toMatchObject({ response: { type: 'stopped', code: 3, signal: null } });
    await session.client.shutdown();
  });

  it('stop kills a process that ignores EOF after the grace (SIGKILL)', async () => {
    const session = connected();
    const remote = await spawnNode(session, STUBBORN, 'stubborn');
    await remote.next((event) => (event as { ready?: boolean }).ready === true, 5_000);
    const started = performance.now();
    await expect(remote.stop(200)).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(isAlive(remote.pid)).toBe(false);
    await session.client.shutdown();
  });

  it('an unknown proc is refused naming `proc`', async () => {
    const session = connected();
    for (const body of [
      { type: 'write', proc: 42, line: '{}' },
      { type: 'stop', proc: 42 },
    ] as const) {
      const error = await failure(session.client.request(body));
      expect(error.field).toBe('proc');
      expect(error.message).toMatch(/refused: proc: no process 42 on this agent \(failed\)$/);
      expect(error.hint).toMatch(/spawned answer/);
    }
    await session.client.shutdown();
  });

  it('a tag the agent has not claimed, or a backend that places no processes, is refused naming `tag`', async () => {
    const session = connected();
    const error = await failure(session.client.spawn('dead', 'fn0', [NODE, '-e', ''], { label: 'x' }));
    expect(error).toMatchObject({ field: 'tag', message: expect.stringMatching(/spawn request \d+ refused: tag: run tag dead is not claimed by this agent/) });
    await session.client.shutdown();
    const bare = connected({ places: null });
    expect(await failure(bare.client.exec('ab12', 'fn0', ['true']))).toMatchObject({ field: 'tag' });
    await bare.client.shutdown();
    // The real places: an unclaimed tag is refused before anything runs (no root needed to get there).
    const real = await new TagSessions().placeOf('abcd', 'fn0').catch((e: unknown) => e);
    expect(real).toMatchObject({ field: 'tag', message: 'tag: run tag abcd is not claimed by this agent', hint: expect.stringMatching(/apply a plan/) });
  });

  it('a command that cannot be started is refused with the reason', async () => {
    const session = connected();
    const error = await failure(session.client.spawn('ab12', 'fn0', ['/nonexistent/coldpath-probe'], { label: 'x' }));
    expect(error.message).toMatch(/cannot start \/nonexistent\/coldpath-probe: .*ENOENT/);
    await session.client.shutdown();
  });

  it('a teardown of the tag kills its still-running processes (exit events first) and forgets them', async () => {
    const session = connected();
    const remote = await spawnNode(session, STUBBORN, 'stubborn');
    await expect(session.client.teardown('ab12')).resolves.toEqual({ netnsRemoved: 1, processesKilled: 1 });
    expect(remote.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(remote.pid)).toBe(false);
    expect(await failure(session.client.request({ type: 'stop', proc: remote.proc }))).toMatchObject({ field: 'proc' });
    await session.client.shutdown();
  });

  it('at end of input the agent closes their stdin, waits for them, and leaves one that ignores EOF running (kills nothing)', async () => {
    const session = connected({ closeGraceMs: 300 });
    const echo = await spawnNode(session, ECHO);
    const stubborn = await spawnNode(session, STUBBORN, 'stubborn');
    await stubborn.next((event) => (event as { ready?: boolean }).ready === true, 5_000);
    session.toAgent.end();
    await session.agentDone;
    expect(session.lines().filter((line) => line['name'] === 'exit')).toEqual([{ type: 'event', name: 'exit', proc: echo.proc, code: 0, signal: null, at: expect.any(Number) }]);
    expect(isAlive(echo.pid)).toBe(false);
    expect(isAlive(stubborn.pid)).toBe(true);
    expect(session.places.records).toEqual([`spawn ${echo.pid} ${NODE}`, `spawn ${stubborn.pid} ${NODE}`, `exit ${echo.pid}`]);
  });

  it('a dropped connection ends every RemoteProcess with its error: waiters, `exited` and later requests reject', async () => {
    const session = connected();
    const remote = await spawnNode(session, ECHO);
    const waiting = remote.next(isEcho, 10_000);
    session.fromAgent.end();
    const error = await failure(waiting);
    expect(error.message).toMatch(/agent@test: closed its output/);
    await expect(remote.exited).rejects.toThrow(/closed its output/);
    await expect(remote.stop()).rejects.toThrow(/closed its output/);
    expect(remote.hasExited).toBe(true);
    session.toAgent.end();
    await session.agentDone;
  });
});

describe('the client', () => {
  it('stops a process whose spawned answer came after nobody waited for it (its request timed out)', async () => {
    const fromAgent = new PassThrough();
    const toAgent = new PassThrough();
    let sent = '';
    toAgent.on('data', (chunk: Buffer) => {
      sent += chunk.toString('utf8');
    });
    const client = new AgentClient({ input: fromAgent, output: toAgent, label: 'agent@test' });
    fromAgent.write(`${JSON.stringify({ id: 77, type: 'spawned', proc: 4, pid: 1234, spawnedAt: 5 })}\n`);
    await vi.waitFor(() => expect(sent).toContain('"type":"stop"'));
    expect(JSON.parse(sent.trim())).toEqual({ id: 1, type: 'stop', proc: 4 });
    client.close();
  });
});

describe("the agent's output", () => {
  /** Spawns a process writing `lines` JSON lines of ~115 bytes through an agent whose output nobody reads for `unreadMs`, then reads it all. */
  async function slowlyRead(lines: number, unreadMs: number): Promise<{ buffered: number; received: number[]; lastEvent: string | undefined }> {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough({ highWaterMark: 1024 });
    const agentDone = runAgent({ input: toAgent, output: fromAgent, backend: new QuietBackend(), places: new InPlace() });
    const script = `for (let i = 0; i < ${lines}; i++) process.stdout.write(JSON.stringify({ i, pad: "x".repeat(100) }) + "\\n");`;
    toAgent.write(`${JSON.stringify({ id: 1, type: 'spawn', tag: 'ab12', node: 'fn0', argv: [NODE, '-e', script] })}\n`);
    await new Promise((resolve) => setTimeout(resolve, unreadMs));
    const buffered = fromAgent.readableLength + fromAgent.writableLength;
    let text = '';
    fromAgent.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    await vi.waitFor(() => expect(text).toContain('"name":"exit"'), { timeout: 15_000 });
    const events = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { name?: string; line?: string });
    const received = events.filter((event) => event.name === 'stdout').map((event) => (JSON.parse(event.line ?? '{}') as { i: number }).i);
    toAgent.end();
    await agentDone;
    return { buffered, received, lastEvent: events.at(-1)?.name };
  }

  it('a coordinator that reads slowly pauses a chatty process instead of buffering its output without bound; nothing is lost', async () => {
    const { buffered, received, lastEvent } = await slowlyRead(20_000, 1_000);
    // Over 2 MB written by the process; the agent holds a pipe's worth or so.
    expect(buffered).toBeLessThan(400_000);
    expect(received).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(lastEvent).toBe('exit');
  });

  it('a process that exits while the agent holds its output back (paused) still gets all of it delivered, then its exit', async () => {
    // About 80 KB: more than one read of the pipe, so the tail waits in the pipe past the process's exit.
    const { received, lastEvent } = await slowlyRead(700, 2_500);
    expect(received).toEqual(Array.from({ length: 700 }, (_, i) => i));
    expect(lastEvent).toBe('exit');
  });
});

describe('exec', () => {
  it('runs a command to completion with its input, and answers its exit code and output', async () => {
    const session = connected();
    const result = await session.client.exec('ab12', 'fn0', [NODE, '-e', 'process.stdin.pipe(process.stdout); process.stdin.on("end", () => { process.stderr.write("bye"); process.exitCode = 7; })'], {
      input: 'hello\nworld',
    });
    expect(result).toEqual({
      code: 7,
      signal: null,
      stdout: 'hello\nworld',
      stderr: 'bye',
      stdoutTruncated: false,
      stderrTruncated: false,
      timedOut: false,
      startUs: expect.any(Number),
      endUs: expect.any(Number),
    });
    expect(result.endUs).toBeGreaterThanOrEqual(result.startUs);
    await session.client.shutdown();
  });

  it('cuts output at 1 MiB and says so; kills a command past its timeout and says so', async () => {
    const session = connected();
    const big = await session.client.exec('ab12', 'fn0', [NODE, '-e', `process.stdout.write("x".repeat(${EXEC_OUTPUT_CAP + 4096}))`]);
    expect(big).toMatchObject({ code: 0, stdoutTruncated: true, stderrTruncated: false });
    expect(big.stdout).toHaveLength(EXEC_OUTPUT_CAP);
    const slow = await session.client.exec('ab12', 'fn0', [NODE, '-e', 'setTimeout(() => {}, 30000)'], { timeoutMs: 200 });
    expect(slow).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
    const missing = await failure(session.client.exec('ab12', 'fn0', ['/nonexistent/coldpath-tool']));
    expect(missing.message).toMatch(/cannot start \/nonexistent\/coldpath-tool/);
    await session.client.shutdown();
  });
});
