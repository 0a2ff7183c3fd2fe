/** The coordinator's client against an in-process agent over PassThrough streams, and against streams that misbehave. */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../../src/agent/agent.js';
import { AgentClient } from '../../../src/agent/client.js';
import { nowMicros } from '../../../src/clock.js';
import { coldpathErrorOf as failure } from '../../coldpath-error.js';

/** A client wired to an in-process agent whose clock reads `now`. */
function connected(now?: () => number): { client: AgentClient; agentDone: Promise<void>; toAgent: PassThrough } {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  const agentDone = runAgent({ input: toAgent, output: fromAgent, ...(now === undefined ? {} : { now }) });
  return { client: new AgentClient({ input: fromAgent, output: toAgent, label: 'agent@test' }), agentDone, toAgent };
}

/** A client whose "agent" is two bare streams the test drives by hand. */
function bare(timeoutMs = 1_000): { client: AgentClient; requests: string[]; reply: (line: string) => void; fromAgent: PassThrough } {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  const requests: string[] = [];
  toAgent.on('data', (chunk: Buffer) =>
    requests.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    ),
  );
  return { client: new AgentClient({ input: fromAgent, output: toAgent, label: 'agent@bare', timeoutMs }), requests, reply: (line) => fromAgent.write(`${line}\n`), fromAgent };
}

const clients: AgentClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

describe('AgentClient with an in-process agent', () => {
  it('says hello, keeps who the agent is, and shuts it down', async () => {
    const { client, agentDone } = connected();
    const hello = await client.hello();
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, pid: process.pid, clock: 'CLOCK_MONOTONIC' });
    expect(client.peer).toBe(hello);
    await client.shutdown();
    await expect(agentDone).resolves.toBeUndefined();
  });

  it('recovers an injected clock offset within the uncertainty it states', async () => {
    const offsetUs = 5_000_000;
    const { client } = connected(() => nowMicros() + offsetUs);
    clients.push(client);
    await client.hello();
    const estimate = await client.syncClock(20);
    expect(estimate.samples).toBe(20);
    expect(Math.abs(estimate.offsetUs - offsetUs)).toBeLessThanOrEqual(estimate.uncertaintyUs);
    // In-process, an exchange is a few event-loop turns (tens of µs); the least of 20 stays far below 5 ms even on a loaded machine.
    expect(estimate.uncertaintyUs).toBeLessThan(5_000);
  });

  it('an error response rejects the request with the reason, the field and the hint', async () => {
    const { client } = connected();
    clients.push(client);
    const error = await failure(client.request({ type: 'hello', protocol: 2 }));
    expect(error.message).toBe('agent@test: hello request 1 refused: protocol: this agent speaks version 1, not 2 (unsupported-protocol)');
    expect(error.field).toBe('protocol');
    expect(error.hint).toMatch(/same coldpath version/);
    const unknown = await failure(client.request({ type: 'start' } as never));
    expect(unknown.message).toMatch(/^agent@test: start request 2 refused: type: unknown request type "start"/);
  });

  it('refuses a non-positive number of clock samples', async () => {
    const { client } = connected();
    clients.push(client);
    await expect(client.syncClock(0)).rejects.toThrow('samples: expected a positive integer, got 0');
  });
});

describe('AgentClient when the other end misbehaves', () => {
  it('times out with an error naming the request and the wait', async () => {
    const { client, requests } = bare(30);
    clients.push(client);
    const error = await failure(client.clockExchange());
    expect(error.message).toBe('agent@bare: no answer to clock request 1 within 30 ms');
    expect(error.kind).toBe('runtime');
    expect(requests).toEqual(['{"id":1,"type":"clock"}']);
  });

  it('matches answers by id, in any order', async () => {
    const { client, reply } = bare();
    clients.push(client);
    const first = client.request({ type: 'clock' });
    const second = client.request({ type: 'clock' });
    reply('{"id": 2, "type": "clock", "t1": 20, "t2": 21}');
    reply('{"id": 1, "type": "clock", "t1": 10, "t2": 11}');
    expect((await first).response.t1).toBe(10);
    expect((await second).response.t1).toBe(20);
  });

  it('an answer of the wrong type, or an invalid one, rejects its request', async () => {
    const { client, reply } = bare();
    clients.push(client);
    const wrongType = client.request({ type: 'clock' });
    reply('{"id": 1, "type": "shutdown"}');
    expect((await failure(wrongType)).message).toBe('agent@bare: answered clock request 1 with a shutdown response');
    const invalid = client.request({ type: 'clock' });
    reply('{"id": 2, "type": "clock", "t1": "soon", "t2": 3}');
    expect((await failure(invalid)).message).toMatch(/^agent@bare: wrote a line that is not a valid answer: t1: /);
  });

  it('a stray line on stdout fails what is waiting rather than leaving it to time out', async () => {
    const { client, reply } = bare();
    clients.push(client);
    const waiting = client.request({ type: 'clock' });
    reply('listening on port 1234');
    const error = await failure(waiting);
    expect(error.message).toBe('agent@bare: wrote a line that is not a valid answer: not JSON: "listening on port 1234"');
    expect(error.hint).toMatch(/only protocol lines on stdout/);
  });

  it('ignores events and late answers', async () => {
    const { client, reply } = bare();
    clients.push(client);
    const waiting = client.request({ type: 'clock' });
    reply('{"type": "event", "name": "progress", "at": 1}');
    reply('{"id": 99, "type": "clock", "t1": 1, "t2": 2}');
    reply('{"id": 1, "type": "clock", "t1": 3, "t2": 4}');
    expect((await waiting).response).toEqual({ id: 1, type: 'clock', t1: 3, t2: 4 });
  });

  it('when the agent closes its output, what waits and what comes after both fail', async () => {
    const { client, fromAgent } = bare();
    clients.push(client);
    const waiting = client.request({ type: 'clock' });
    fromAgent.end();
    expect((await failure(waiting)).message).toBe('agent@bare: closed its output (the agent exited or the connection dropped)');
    expect((await failure(client.request({ type: 'clock' }))).message).toMatch(/closed its output/);
  });
});
