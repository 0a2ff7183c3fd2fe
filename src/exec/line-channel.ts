/**
 * JSON lines over a pair of streams: commands out, events in, the other
 * side's stderr kept for messages. Waiters match events as they arrive;
 * events nobody waits for yet are kept (bounded) for a later `next`. The
 * channel ends when its output closes or its owner says the process died;
 * every waiter is then rejected with the process's stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { ColdpathError } from '../errors.js';
import { formatArgv } from './run-command.js';
import { nowMicros } from '../clock.js';

/** The streams of a process that speaks JSON lines, and what to call it in messages. */
export interface LineStreams {
  label: string;
  /** The command line, for messages. */
  argv: string[];
  /** Commands to the process. */
  input: Writable;
  /** Its events, one JSON object per line. */
  output: Readable;
  stderr: Readable;
  /** When the process was started, µs monotonic. */
  spawnedAt: number;
  /**
   * True when the owner hands in the text lines itself, with stamps of its own (`textLine`): a remote process
   * whose agent stamped each line as it read it. Default false: the streams are read as text, stamped on arrival.
   */
  ownTextLines?: boolean;
}

/** A line of a process's output as text, with the monotonic µs (this machine's clock) at which it was read. */
export interface TextLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Text kept for a first `onTextLine` listener, at most (characters): a daemon's first lines, not a probe's results. */
const TEXT_BACKLOG_BYTES = 64 * 1024;

type Waiter = { match: (event: unknown) => boolean; resolve: (event: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

export class LineChannel<Event = unknown> {
  readonly label: string;
  readonly argv: string[];
  readonly spawnedAt: number;
  private readonly input: Writable;
  private readonly waiters = new Set<Waiter>();
  private readonly backlog: Event[] = [];
  private stderrTail = '';
  private endedWith: Error | undefined;
  private listeners = new Set<(event: Event) => void>();
  /** Raw text lines (stdout and stderr) for daemons that do not speak JSON; kept until the first listener. */
  private readonly textListeners = new Set<(line: TextLine) => void>();
  private textBacklog: TextLine[] | undefined = [];
  private textBacklogBytes = 0;
  private readonly endListeners = new Set<(error: Error) => void>();

  constructor(streams: LineStreams) {
    this.label = streams.label;
    this.argv = streams.argv;
    this.spawnedAt = streams.spawnedAt;
    this.input = streams.input;
    this.input.on('error', () => {
      // EPIPE after the process died; surfaced when its output ends.
    });
    const ownTextLines = streams.ownTextLines === true;
    createInterface({ input: streams.output }).on('line', (line) => {
      if (!ownTextLines) this.textLine('stdout', line, nowMicros());
      this.onLine(line);
    });
    streams.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    if (!ownTextLines) createInterface({ input: streams.stderr }).on('line', (line) => this.textLine('stderr', line, nowMicros()));
  }

  /**
   * Every line of its stdout and stderr as text, stamped when read (a daemon's log, not JSON). Lines that
   * arrived before the first listener (a remote process's first output can come with its spawn answer) are
   * replayed to it, with their stamps.
   */
  onTextLine(listener: (line: TextLine) => void): () => void {
    this.textListeners.add(listener);
    const backlog = this.textBacklog;
    this.textBacklog = undefined;
    for (const line of backlog ?? []) listener(line);
    return () => this.textListeners.delete(listener);
  }

  /** Called once when the process is gone (at once when it already is), with why ("exited with code 1"). */
  onEnd(listener: (error: Error) => void): () => void {
    if (this.endedWith !== undefined) {
      listener(this.endedWith);
      return () => {};
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** True once the process is gone (or its output closed). */
  get hasExited(): boolean {
    return this.endedWith !== undefined;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  send(command: unknown): void {
    if (this.endedWith === undefined) this.input.write(`${JSON.stringify(command)}\n`);
  }

  /** Closes the process's input: a probe or service exits on EOF. */
  closeInput(): void {
    this.input.end();
  }

  /** Subscribes to every event (e.g. progress); returns an unsubscribe function. */
  onEvent(listener: (event: Event) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event (already received or future) that matches. */
  next<T extends Event>(match: (event: Event) => event is T, timeoutMs: number): Promise<T>;
  next(match: (event: Event) => boolean, timeoutMs: number): Promise<Event>;
  next(match: (event: Event) => boolean, timeoutMs: number): Promise<Event> {
    const index = this.backlog.findIndex(match);
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0] as Event);
    if (this.endedWith !== undefined) return Promise.reject(this.deathError(new Error('process already exited')));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: match as (event: unknown) => boolean,
        resolve: resolve as (event: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new ColdpathError(`${this.label}: no answer within ${timeoutMs} ms`, {
              kind: 'runtime',
              command: this.argv,
              stderr: this.stderrTail,
              hint: 'the host may be overloaded; lower burst sizes or requests',
            }),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** The process is gone: every waiter fails with `error` and the stderr seen. */
  protected end(error: Error): void {
    const first = this.endedWith === undefined;
    this.endedWith ??= error;
    if (first) {
      for (const listener of this.endListeners) listener(error);
      this.endListeners.clear();
    }
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.deathError(error));
    }
    this.waiters.clear();
  }

  /** A text line to the text listeners (kept for the first one), stamped `at` (monotonic µs, this machine's clock). */
  protected textLine(stream: TextLine['stream'], text: string, at: number): void {
    const line = { at, stream, text };
    if (this.textBacklog !== undefined) {
      // Only a process's first output waits for a listener (a daemon subscribes right after its spawn answer);
      // a channel nobody reads as text (a probe) stops keeping it after TEXT_BACKLOG_BYTES.
      this.textBacklogBytes += text.length;
      if (this.textBacklogBytes > TEXT_BACKLOG_BYTES) this.textBacklog = undefined;
      else this.textBacklog.push(line);
    }
    for (const listener of this.textListeners) listener(line);
  }

  private onLine(line: string): void {
    let event: Event;
    try {
      event = JSON.parse(line) as Event;
    } catch {
      this.stderrTail = `${this.stderrTail}\n[stdout] ${line}`.slice(-4000);
      return;
    }
    for (const listener of this.listeners) listener(event);
    for (const waiter of this.waiters) {
      if (waiter.match(event)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(event);
        return;
      }
    }
    this.backlog.push(event);
    if (this.backlog.length > 1000) this.backlog.shift();
  }

  private deathError(error: Error): ColdpathError {
    return new ColdpathError(`${this.label} ${error.message}: ${formatArgv(this.argv)}`, {
      kind: 'runtime',
      command: this.argv,
      stderr: this.stderrTail,
      hint: 'see its stderr above',
      cause: error,
    });
  }
}

/**
 * A channel to a process someone else started and that outlives the command
 * that started it (an OCI runtime hands its stdio to the container and
 * exits): it ends when the process's output closes, which happens when the
 * last copy of it, the container's, goes.
 */
export class AttachedLineChannel<Event = unknown> extends LineChannel<Event> {
  private readonly closed: Promise<void>;

  constructor(streams: LineStreams) {
    super(streams);
    this.closed = new Promise((resolve) => {
      streams.output.once('close', () => {
        this.end(new Error('closed its output (exited)'));
        resolve();
      });
    });
  }

  /** Resolves when the output has closed; false when `timeoutMs` passed first. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }
}
