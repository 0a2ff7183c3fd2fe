/** The agent protocol: every bad line gets an error naming the field, never a crash; the agent's answers; the committed JSON Schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CleanReport } from '../../../src/kernel/clean.js';
import { type AgentOptions, runAgent } from '../../../src/agent/agent.js';
import { parseRequestLine, parseResponseLine } from '../../../src/agent/lines.js';
import { AGENT_PROTOCOL_VERSION, agentResponseSchema } from '../../../src/agent/protocol.js';
import { agentJsonSchema } from '../../../src/commands/schema.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

/** The agent's answers to `lines`, fed in one by one, with the input ended after them unless `keepOpen`. */
async function converse(lines: string[], options: { keepOpen?: boolean } & Pick<AgentOptions, 'now' | 'clean' | 'features' | 'machine'> = {}): Promise<{ answers: unknown[]; done: Promise<void> }> {
  const input = new PassThrough();
  const output = new PassThrough();
  const text: string[] = [];
  output.on('data', (chunk: Buffer) => text.push(chunk.toString('utf8')));
  const { keepOpen: _keepOpen, ...fakes } = options;
  const done = runAgent({ input, output, ...fakes });
  for (const line of lines) input.write(`${line}\n`);
  if (options.keepOpen !== true) input.end();
  await (options.keepOpen === true ? new Promise((resolve) => setTimeout(resolve, 20)) : done);
  const answers = text
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
  return { answers, done };
}

describe('request lines', () => {
  it('a line that is not JSON, or not an object, is malformed, with no id', () => {
    expect(parseRequestLine('{"id": 1, "type": ')).toEqual({ ok: false, error: { id: null, type: 'error', code: 'malformed', reason: 'not JSON: "{\\"id\\": 1, \\"type\\": "' } });
    expect(parseRequestLine('[1, 2]')).toMatchObject({ ok: false, error: { id: null, code: 'malformed', reason: 'expected one JSON object per line, got "[1, 2]"' } });
    expect(parseRequestLine('null')).toMatchObject({ ok: false, error: { id: null, code: 'malformed' } });
  });

  it('quotes at most 80 characters of a bad line', () => {
    const parsed = parseRequestLine(`x${'y'.repeat(500)}`);
    expect(!parsed.ok && parsed.error.reason.length).toBeLessThan(100);
  });

  it('names the field: id, type, a missing or wrong field, an unknown field', () => {
    expect(parseRequestLine('{"type": "clock"}')).toMatchObject({ ok: false, error: { id: null, code: 'malformed', field: 'id', reason: 'id: expected a non-negative integer, got nothing' } });
    expect(parseRequestLine('{"id": -1, "type": "clock"}')).toMatchObject({ ok: false, error: { field: 'id', reason: 'id: expected a non-negative integer, got -1' } });
    expect(parseRequestLine('{"id": 3}')).toMatchObject({ ok: false, error: { id: 3, code: 'malformed', field: 'type', reason: 'type: expected a string, got nothing' } });
    expect(parseRequestLine('{"id": 4, "type": "hello"}')).toMatchObject({ ok: false, error: { id: 4, code: 'malformed', field: 'protocol', reason: expect.stringMatching(/^protocol: /) } });
    expect(parseRequestLine('{"id": 5, "type": "hello", "protocol": "1"}')).toMatchObject({ ok: false, error: { id: 5, field: 'protocol' } });
    expect(parseRequestLine('{"id": 6, "type": "clock", "t0": 12}')).toMatchObject({ ok: false, error: { id: 6, code: 'malformed', field: 't0', reason: 't0: unknown field' } });
  });

  it('an unknown type is its own code, lists what this agent accepts and hints at hello', () => {
    expect(parseRequestLine('{"id": 7, "type": "start", "probe": "x"}')).toEqual({
      ok: false,
      error: {
        id: 7,
        type: 'error',
        code: 'unknown-type',
        field: 'type',
        reason: 'type: unknown request type "start"; this agent accepts hello, clock, shutdown, apply, teardown, session, exec, spawn, write, stop, clean, features, signal, machine',
        hint: 'send only the types the hello answer lists in accepts (the agent may be an older coldpath)',
      },
    });
  });

  it('checks the version of a hello before its fields: a later version may add some', () => {
    expect(parseRequestLine('{"id": 8, "type": "hello", "protocol": 2, "features": ["x"]}')).toMatchObject({ ok: false, error: { id: 8, code: 'unsupported-protocol', field: 'protocol' } });
    expect(parseRequestLine('{"id": 8, "type": "hello", "protocol": 1, "features": ["x"]}')).toMatchObject({ ok: false, error: { id: 8, code: 'malformed', field: 'features' } });
  });

  it('reads valid requests', () => {
    expect(parseRequestLine('{"id": 0, "type": "hello", "protocol": 1}')).toEqual({ ok: true, request: { id: 0, type: 'hello', protocol: 1 } });
    expect(parseRequestLine('{"type": "clock", "id": 9}')).toEqual({ ok: true, request: { id: 9, type: 'clock' } });
  });
});

describe('response lines', () => {
  it('drops unknown fields (an agent may add one within a version) and skips events', () => {
    expect(parseResponseLine('{"id": 1, "type": "clock", "t1": 5, "t2": 6, "later": true}')).toEqual({ kind: 'response', response: { id: 1, type: 'clock', t1: 5, t2: 6 } });
    expect(parseResponseLine('{"type": "event", "name": "progress", "at": 12}')).toEqual({ kind: 'event' });
  });

  it('names what is wrong, with the id when it has one', () => {
    expect(parseResponseLine('{"id": 2, "type": "clock", "t1": 5}')).toMatchObject({ kind: 'invalid', id: 2, field: 't2', reason: expect.stringMatching(/^t2: /) });
    expect(parseResponseLine('debug: hello')).toMatchObject({ kind: 'invalid', id: null, reason: 'not JSON: "debug: hello"' });
  });
});

describe('the agent', () => {
  it('answers hello with the version, who it is and its clock', async () => {
    const { answers } = await converse([`{"id": 1, "type": "hello", "protocol": ${AGENT_PROTOCOL_VERSION}}`]);
    expect(answers).toEqual([
      {
        id: 1,
        type: 'hello',
        protocol: 1,
        coldpath: expect.stringMatching(/^\d+\.\d+\.\d+/),
        hostname: expect.any(String),
        pid: process.pid,
        kernel: expect.any(String),
        clock: 'CLOCK_MONOTONIC',
        accepts: ['hello', 'clock', 'shutdown', 'apply', 'teardown', 'session', 'exec', 'spawn', 'write', 'stop', 'clean', 'features', 'signal', 'machine'],
      },
    ]);
  });

  it("answers clean with its machine's clean report, and a failed clean with the error", async () => {
    const report: CleanReport = { runsCleaned: ['ab12'], runsSkipped: [{ tag: 'cd34', pid: 77 }], netnsRemoved: ['coldpath-ab12-fh0'], processesKilled: 2, containersRemoved: 0, errors: [] };
    const { answers } = await converse(['{"id": 3, "type": "clean"}'], { clean: async () => report });
    expect(answers).toEqual([{ id: 3, type: 'cleaned', ...report }]);
    const failed = await converse(['{"id": 4, "type": "clean"}'], { clean: async () => Promise.reject(new Error('EACCES: /run/coldpath')) });
    expect(failed.answers).toEqual([{ id: 4, type: 'error', code: 'failed', reason: 'EACCES: /run/coldpath' }]);
    expect((await converse(['{"id": 5, "type": "clean", "tag": "ab12"}'])).answers).toMatchObject([{ id: 5, type: 'error', code: 'malformed', field: 'tag' }]);
  });

  it("answers features with its machine's kernel checks, and a failed probe with the error", async () => {
    const features = { veth: true, bridge: true, gre: false, ipip: false, vxlan: true, nftNat: true, errors: { gre: 'Error: Unknown device type.', ipip: 'Error: Unknown device type.' } };
    const { answers } = await converse(['{"id": 6, "type": "features"}'], { features: async () => features });
    expect(answers).toEqual([{ id: 6, type: 'features', ...features }]);
    const failed = await converse(['{"id": 7, "type": "features"}'], { features: async () => Promise.reject(new Error('no free run tag')) });
    expect(failed.answers).toEqual([{ id: 7, type: 'error', code: 'failed', reason: 'no free run tag' }]);
  });

  it("answers machine with its machine's description, and a failed one with the error", async () => {
    const machine = {
      os: 'Debian GNU/Linux 12 (bookworm)',
      cpuModel: 'AMD EPYC 7R13',
      cpuCount: 2,
      node: 'v20.20.0',
      iproute2: 'ip utility, iproute2-6.1.0',
      nft: 'nftables v1.0.6 (Lester Gooch #5)',
      sockperf: '3.10-no.git',
    };
    const { answers } = await converse(['{"id": 8, "type": "machine"}'], { machine: async () => machine });
    expect(answers).toEqual([{ id: 8, type: 'machine', ...machine }]);
    const failed = await converse(['{"id": 9, "type": "machine"}'], { machine: async () => Promise.reject(new Error('spawn ENOMEM')) });
    expect(failed.answers).toEqual([{ id: 9, type: 'error', code: 'failed', reason: 'spawn ENOMEM' }]);
    expect(parseResponseLine(JSON.stringify({ id: 8, type: 'machine', ...machine, cpuCount: 'two' }))).toMatchObject({ kind: 'invalid', id: 8, field: 'cpuCount' });
  });

  it('refuses another protocol version, naming the field', async () => {
    const { answers } = await converse(['{"id": 1, "type": "hello", "protocol": 2}']);
    expect(answers).toEqual([
      {
        id: 1,
        type: 'error',
        code: 'unsupported-protocol',
        field: 'protocol',
        reason: 'protocol: this agent speaks version 1, not 2',
        hint: 'run the same coldpath version on the coordinator and the hosts',
      },
    ]);
  });

  it('stamps clock requests on its own clock: t1 when the line is read, t2 when answered', async () => {
    let tick = 1_000;
    const { answers } = await converse(['{"id": 1, "type": "clock"}', '{"id": 2, "type": "clock"}'], { now: () => tick++ });
    expect(answers).toEqual([
      { id: 1, type: 'clock', t1: 1_000, t2: 1_001 },
      { id: 2, type: 'clock', t1: 1_002, t2: 1_003 },
    ]);
  });

  it('keeps serving after bad lines, answering each with an error, and every line it writes is a valid response', async () => {
    const { answers } = await converse(['not json', '', '{"id": 1, "type": "start"}', '{"id": 2}', '{"id": 3, "type": "clock", "x": 1}', '{"id": 4, "type": "clock"}']);
    expect(answers.map((answer) => (answer as { code?: string; type: string }).code ?? (answer as { type: string }).type)).toEqual(['malformed', 'unknown-type', 'malformed', 'malformed', 'clock']);
    for (const answer of answers) expect(agentResponseSchema.safeParse(answer).success).toBe(true);
  });

  it('ends at end of input', async () => {
    const { done } = await converse([]);
    await expect(done).resolves.toBeUndefined();
  });

  it('answers shutdown, ends, and reads nothing after it', async () => {
    const { answers, done } = await converse(['{"id": 1, "type": "shutdown"}', '{"id": 2, "type": "clock"}'], { keepOpen: true });
    await expect(done).resolves.toBeUndefined();
    expect(answers).toEqual([{ id: 1, type: 'shutdown' }]);
  });
});

describe("the protocol's JSON Schema", () => {
  it('schema/agent.schema.json is up to date (regenerate: `coldpath schema --agent > schema/agent.schema.json`)', () => {
    expect(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', 'agent.schema.json'), 'utf8'))).toEqual(agentJsonSchema());
  });

  it('describes both directions and validates real lines', () => {
    const schema = agentJsonSchema() as { title: string; $defs: Record<string, unknown> };
    expect(schema.title).toBe('coldpath agent protocol, version 1');
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining(['AgentRequest', 'AgentResponse', 'HelloRequest', 'ClockResponse', 'ErrorResponse', 'ApplyRequest', 'Plan', 'Op', 'AppliedResponse', 'TornDownResponse']),
    );
    const validator = z.fromJSONSchema(agentJsonSchema() as z.core.JSONSchema.JSONSchema);
    expect(validator.safeParse({ id: 1, type: 'clock' }).success).toBe(true);
    expect(validator.safeParse({ id: 1, type: 'clock', t1: 5, t2: 7 }).success).toBe(true);
    expect(validator.safeParse({ id: null, type: 'error', code: 'malformed', reason: 'not JSON' }).success).toBe(true);
    expect(validator.safeParse({ id: 1, type: 'start' }).success).toBe(false);
    expect(validator.safeParse({ id: 2, type: 'apply', tag: 'ab12', plan: { title: 't', ops: [{ kind: 'node.add', node: 'a', role: 'scratch' }] } }).success).toBe(true);
    expect(validator.safeParse({ id: 2, type: 'apply', tag: 'ab12', plan: { title: 't', ops: [{ kind: 'node.grow', node: 'a' }] } }).success).toBe(false);
    expect(validator.safeParse({ id: 3, type: 'torn-down', netnsRemoved: 2, processesKilled: 0 }).success).toBe(true);
    expect(validator.safeParse({ id: 4, type: 'spawn', tag: 'ab12', node: 'fn0', argv: ['probe'], cpus: [1], label: 'probe fn0' }).success).toBe(true);
    expect(validator.safeParse({ id: 4, type: 'spawn', tag: 'ab12', node: 'fn0', argv: [] }).success).toBe(false);
    expect(validator.safeParse({ id: 4, type: 'spawned', proc: 1, pid: 123, spawnedAt: 5 }).success).toBe(true);
    expect(validator.safeParse({ type: 'event', name: 'stdout', proc: 1, line: '{}' }).success).toBe(true);
    expect(validator.safeParse({ type: 'event', name: 'exit', proc: 1, code: null, signal: 'SIGKILL', at: 9 }).success).toBe(true);
    expect(Object.keys(schema.$defs)).toEqual(
      expect.arrayContaining(['ExecRequest', 'SpawnRequest', 'WriteRequest', 'StopRequest', 'ExecutedResponse', 'SpawnedResponse', 'StoppedResponse', 'AgentEvent', 'ExitEvent']),
    );
  });
});
