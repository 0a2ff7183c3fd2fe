/**
 * A Kubernetes API server on 127.0.0.1 that plays one case of a transcript
 * (test/fixtures/kubernetes/exchange.yaml, written from the API reference):
 * REST answers as recorded, and the exec upgrade on the channel.k8s.io
 * websocket subprotocols with a real agent behind it — in this process with a
 * fake kernel backend (runAgent), or `coldpath agent` on an emulated machine
 * (`startAgent`) — so the agent protocol runs for real over the frames.
 * It records what it was asked (requests, credentials, stdin lines) for
 * the tests to check, and answers anything not in the transcript with a 404
 * Status, listed in `unexpected`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { parse } from 'yaml';
import { runAgent } from '../../../src/agent/agent.js';
import { nowMicros } from '../../../src/clock.js';
import type { PlanBackend, TeardownCounts } from '../../../src/agent/tag-sessions.js';
import type { ApplyResult } from '../../../src/kernel/driver.js';
import type { Plan } from '../../../src/topology/ops.js';

export const TRANSCRIPT = join(import.meta.dirname, '..', '..', 'fixtures', 'kubernetes', 'exchange.yaml');

interface RequestMatch {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
}

interface Then {
  /** A request type on the agent's stdin, or `open` for at once. */
  after: string;
  stderr?: string;
  status?: unknown;
  drop?: boolean;
  /** Forward nothing from then on: the command runs but never answers (not the agent, or hung). */
  swallow?: boolean;
}

interface Entry {
  request: RequestMatch;
  /** An HTTP answer, or none at all (`hang`: the request is accepted and never answered). */
  response?: { status: number; body: unknown } | { hang: true };
  upgrade?: { protocol: string; then?: Then };
  refuse?: { status: number; body: unknown };
}

interface Transcript {
  token: string;
  cases: Record<string, Entry[]>;
}

/** Records what the fake kernel was asked, as test/unit/agent's fakes do. */
export class FakeBackend implements PlanBackend {
  readonly calls: string[] = [];

  async apply(tag: string, plan: Plan): Promise<ApplyResult> {
    this.calls.push(`apply ${tag} ${plan.title}`);
    return { steps: plan.ops.length, startUs: 100, endUs: 250, queuedUs: 5 };
  }

  async teardown(tag: string): Promise<TeardownCounts> {
    this.calls.push(`teardown ${tag}`);
    return { netnsRemoved: 0, processesKilled: 0 };
  }

  async session(tag: string, node: string, open: boolean): Promise<void> {
    this.calls.push(`session ${tag} ${node} ${open ? 'open' : 'close'}`);
  }

  async close(): Promise<void> {
    this.calls.push('close');
  }
}

/** What the server saw, for assertions. */
export interface Seen {
  /** `METHOD path?query` of every request, upgrades included, in arrival order. */
  requests: string[];
  /** Requests no transcript entry matched (answered 404). */
  unexpected: string[];
  /** Subprotocols the client offered on each upgrade. */
  offered: string[][];
  /** Authorization headers, one per request. */
  authorization: Array<string | undefined>;
  /** The JSON lines the agents received on stdin (channel 0), per pod. */
  stdin: Record<string, string[]>;
}

/** An agent behind one exec: its stdin and stdout, and when it has returned, with its exit code (0 when it returned on its own). */
export interface ExecAgent {
  stdin: Writable;
  stdout: Readable;
  done: Promise<number>;
}

/**
 * How the server starts the agent behind an exec of `pod`: by default a real agent in this process
 * with a fake kernel (`FakeBackend`); an integration test starts `coldpath agent` on a machine instead.
 */
export type StartExecAgent = (pod: string) => ExecAgent;

export interface FakeApiServer {
  readonly url: string;
  readonly seen: Seen;
  /** The fake kernel of each pod's agent. */
  readonly backends: Record<string, FakeBackend>;
  /** Resolves when every agent started behind an exec has returned. */
  agentsDone(): Promise<void>;
  close(): Promise<void>;
}

function loadTranscript(): Transcript {
  return parse(readFileSync(TRANSCRIPT, 'utf8')) as Transcript;
}

function matches(entry: RequestMatch, method: string, url: URL): boolean {
  if (entry.method !== method || entry.path !== url.pathname) return false;
  for (const [key, want] of Object.entries(entry.query ?? {})) {
    const got = url.searchParams.getAll(key);
    const wanted = Array.isArray(want) ? want : [want];
    if (got.length !== wanted.length || got.some((value, i) => value !== wanted[i])) return false;
  }
  return true;
}

/** The status a command that exited with `code` ends its exec with (meta/v1 Status, reason NonZeroExitCode). */
function exitStatus(code: number): unknown {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [coldpath agent], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function frame(channel: number, payload: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8')]);
}

/**
 * Starts the server for `name`'s case on an ephemeral loopback port. `agentClockShiftUs` is added
 * to every agent's clock (a known offset for the clock sync to find); `prefix` puts the API under
 * a path, as a proxy in front of it does (`url` includes it).
 */
export async function startFakeApi(name: string, agentClockShiftUs = 0, prefix = '', startAgent?: StartExecAgent): Promise<FakeApiServer> {
  const transcript = loadTranscript();
  const entries = transcript.cases[name];
  if (entries === undefined) throw new Error(`no case ${name} in ${TRANSCRIPT}`);
  const used = new Set<Entry>();
  const seen: Seen = { requests: [], unexpected: [], offered: [], authorization: [], stdin: {} };
  const backends: Record<string, FakeBackend> = {};
  const agents: Array<Promise<void>> = [];
  const sockets = new Set<Socket>();

  /** The request's URL with `prefix` (an API proxy's path in front of the API's own) taken off; a request without it matches nothing. */
  const urlOf = (request: IncomingMessage): URL => {
    const raw = request.url ?? '/';
    return new URL(raw.startsWith(prefix) ? raw.slice(prefix.length) : `/missing-prefix${raw}`, 'http://127.0.0.1');
  };
  const take = (request: IncomingMessage): { entry: Entry | undefined; url: URL } => {
    const url = urlOf(request);
    const label = `${request.method} ${url.pathname}${url.search}`;
    seen.requests.push(label);
    seen.authorization.push(request.headers.authorization);
    const entry = entries.find((e) => !used.has(e) && matches(e.request, request.method ?? '', url));
    if (entry === undefined) seen.unexpected.push(label);
    else used.add(entry);
    return { entry, url };
  };
  const authorized = (request: IncomingMessage): boolean => request.headers.authorization === `Bearer ${transcript.token}`;
  const status = (code: number, message: string, reason: string): string => JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const server: Server = createServer((request, response) => {
    const { entry } = take(request);
    const send = (code: number, body: string): void => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(body);
    };
    if (!authorized(request)) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (entry?.response === undefined) return send(404, status(404, 'not in the transcript', 'NotFound'));
    if ('hang' in entry.response) return;
    send(entry.response.status, JSON.stringify(entry.response.body));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({
    noServer: true,
    // ws picks the first offered subprotocol by default; the transcript decides instead.
    handleProtocols: (protocols: Set<string>, request: IncomingMessage) => {
      const url = urlOf(request);
      const entry = entries.find((e) => e.upgrade !== undefined && matches(e.request, request.method ?? '', url));
      const wanted = entry?.upgrade?.protocol;
      return wanted !== undefined && protocols.has(wanted) ? wanted : false;
    },
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const { entry, url } = take(request);
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    seen.offered.push(offered);
    const refuse = (code: number, body: string): void => {
      socket.end(`HTTP/1.1 ${code} ${code === 403 ? 'Forbidden' : 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    if (!authorized(request)) return refuse(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (entry?.refuse !== undefined) return refuse(entry.refuse.status, JSON.stringify(entry.refuse.body));
    const upgrade = entry?.upgrade;
    if (upgrade === undefined) return refuse(404, status(404, 'not in the transcript', 'NotFound'));
    if (!offered.includes(upgrade.protocol)) return refuse(400, status(400, `subprotocol ${upgrade.protocol} not offered`, 'BadRequest'));
    const pod = url.pathname.split('/')[6] ?? '?';
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (ws.protocol !== upgrade.protocol) throw new Error(`negotiated ${ws.protocol}, transcript says ${upgrade.protocol}`);
      agents.push(serveExec(ws, pod, upgrade.then));
    });
  });

  /** One exec: a real agent behind the channels until it returns, the stream is dropped, or `then` ends it. */
  function serveExec(ws: WebSocket, pod: string, then: Then | undefined): Promise<void> {
    const lines: string[] = [];
    seen.stdin[pod] = lines;
    const agent = (startAgent ?? inProcessAgent)(pod);
    const { stdin: toAgent, stdout: fromAgent } = agent;
    let ended = false;
    const endWith = (statusBody: unknown | undefined, stderr?: string): void => {
      if (ended) return;
      ended = true;
      toAgent.end();
      if (ws.readyState !== WebSocket.OPEN) return;
      if (stderr !== undefined) ws.send(frame(2, stderr));
      if (statusBody !== undefined) ws.send(frame(3, JSON.stringify(statusBody)));
      ws.close(1000);
    };
    let swallowing = false;
    const act = (action: Then): void => {
      if (action.swallow === true) {
        swallowing = true;
        return;
      }
      if (action.drop === true) {
        ended = true;
        toAgent.end();
        // No close frame, no status: the TCP connection just goes away.
        ws.terminate();
        return;
      }
      endWith(action.status, action.stderr);
    };
    fromAgent.on('data', (chunk: Buffer) => {
      if (!ended && ws.readyState === WebSocket.OPEN) ws.send(frame(1, chunk));
    });
    let pending = '';
    ws.on('message', (data: Buffer) => {
      const channel = data.readUInt8(0);
      if (channel === 255) {
        if (data.readUInt8(1) === 0) toAgent.end();
        return;
      }
      if (channel !== 0 || ended || swallowing) return;
      pending += data.subarray(1).toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        const type = (JSON.parse(line) as { type?: string }).type;
        if (then !== undefined && type === then.after) {
          act(then);
          return;
        }
        toAgent.write(`${line}\n`);
        newline = pending.indexOf('\n');
      }
    });
    // v4: the client ends stdin by closing the socket.
    ws.on('close', () => toAgent.end());
    if (then?.after === 'open') act(then);
    // The agent returned: its command's exit status, as the kubelet reports it on the status channel.
    return agent.done.then((code) => endWith(code === 0 ? { metadata: {}, status: 'Success' } : exitStatus(code)));
  }

  function inProcessAgent(pod: string): ExecAgent {
    const backend = new FakeBackend();
    backends[pod] = backend;
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    return { stdin, stdout, done: runAgent({ input: stdin, output: stdout, backend, now: () => nowMicros() + agentClockShiftUs }).then(() => 0) };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    seen,
    backends,
    agentsDone: async () => {
      await Promise.all(agents);
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig (YAML) that points at `server` with the transcript's token. */
export function kubeconfigFor(server: string, token = loadTranscript().token): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    // client-node refuses plain HTTP unless TLS verification is off: the loopback server speaks HTTP.
    `  - name: recorded\n    cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
    'users:',
    `  - name: tester\n    user: { token: ${token} }`,
    'contexts:',
    '  - name: recorded\n    context: { cluster: recorded, user: tester, namespace: coldpath }',
    'current-context: recorded',
    '',
  ].join('\n');
}
