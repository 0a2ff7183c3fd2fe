/**
 * The node agent: one long-lived process per machine, serving protocol.ts
 * requests read line by line from `input` and answering on `output`. It never
 * writes anything else to `output` (diagnostics belong on stderr), never
 * throws on a bad line, and returns on `shutdown` or end of input, so a
 * coordinator that dies (EOF) leaves no agent behind.
 */
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { nowMicros } from '../clock.js';
import { COLDPATH_VERSION } from '../env/fingerprint.js';
import { parseRequestLine } from './lines.js';
import { AGENT_PROTOCOL_VERSION, AGENT_REQUEST_TYPES, type AgentRequest, type AgentResponse, type HelloResponse } from './protocol.js';

export interface AgentOptions {
  /** Where requests come from (the process's stdin). */
  input: Readable;
  /** Where responses go (the process's stdout): one JSON line per response, nothing else. */
  output: Writable;
  /** The agent's clock, integer µs; default `nowMicros` (CLOCK_MONOTONIC). Tests shift it to inject a known offset. */
  now?: () => number;
}

/** Who this agent is, as `hello` reports it (without the id). */
function identity(): Omit<HelloResponse, 'id'> {
  return {
    type: 'hello',
    protocol: AGENT_PROTOCOL_VERSION,
    coldpath: COLDPATH_VERSION,
    hostname: os.hostname(),
    pid: process.pid,
    kernel: os.release(),
    clock: 'CLOCK_MONOTONIC',
    accepts: [...AGENT_REQUEST_TYPES],
  };
}

/** The answer to one valid request; `receivedUs` is when its line was read (the clock exchange's t1). */
function answer(request: AgentRequest, receivedUs: number, now: () => number): AgentResponse {
  switch (request.type) {
    case 'hello':
      // parseRequestLine has refused any other protocol version.
      return { id: request.id, ...identity() };
    case 'clock':
      // t2 as late as possible: only serialising and writing the line follow it.
      return { id: request.id, type: 'clock', t1: receivedUs, t2: now() };
    case 'shutdown':
      return { id: request.id, type: 'shutdown' };
  }
}

/** Serves requests until `shutdown` or end of input; resolves once the last answer is written. */
export function runAgent(options: AgentOptions): Promise<void> {
  const now = options.now ?? nowMicros;
  const write = (response: AgentResponse): void => {
    options.output.write(`${JSON.stringify(response)}\n`);
  };
  return new Promise((resolve) => {
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    let stopped = false;
    lines.on('line', (line) => {
      // t1 before anything else: parsing is the agent's time, which δ leaves out anyway.
      const receivedUs = now();
      if (stopped || line.trim() === '') return;
      const parsed = parseRequestLine(line);
      if (!parsed.ok) {
        write(parsed.error);
        return;
      }
      let response: AgentResponse;
      try {
        response = answer(parsed.request, receivedUs, now);
      } catch (error) {
        response = { id: parsed.request.id, type: 'error', code: 'failed', reason: error instanceof Error ? error.message : String(error) };
      }
      write(response);
      if (parsed.request.type === 'shutdown') {
        stopped = true;
        lines.close();
      }
    });
    // A coordinator gone mid-write (EPIPE) ends the session like end of input does.
    options.output.on('error', () => lines.close());
    lines.on('close', () => {
      stopped = true;
      // Resolve once everything written so far is flushed, so the process can exit with its last answer delivered.
      if (options.output.destroyed) resolve();
      else options.output.write('', () => resolve());
    });
  });
}
