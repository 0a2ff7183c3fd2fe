/**
 * The on-disk record of every kernel object and process a run creates,
 * written *before* the object exists, so that a run killed at any instant
 * (even with SIGKILL) leaves a list `coldpath clean` can replay. One JSON
 * object per line, appended synchronously (a crash cannot lose a written line).
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../errors.js';
import { RUN_TAG_PATTERN } from '../topology/naming.js';
import { startTicksOf } from './processes.js';

export type LedgerEntry =
  | { t: 'run'; tag: string; pid: number; startTicks?: number; startedAt: string; argv: string[] }
  | { t: 'netns'; name: string }
  /** Objects inside a namespace: removed with it, recorded for the audit trail. */
  | { t: 'link'; netns: string; dev: string }
  | { t: 'nft'; netns: string; table: string }
  /**
   * A NIC of the machine lent to a node (`nic.lend`), written before it moves: its own name and MAC (what finds it
   * again, wherever it is), the node's namespace and the name it has there. Brought home before namespaces go (lent-nics.ts).
   */
  | { t: 'nic'; nic: string; mac: string; netns: string; dev: string }
  | { t: 'process'; netns: string; pid: number; argv: string[] }
  | { t: 'process-exit'; pid: number }
  /** An OCI container (`instances.runtime: oci`), written before `crun create`: its crun state under `root`, its bundle directory. */
  | { t: 'container'; root: string; id: string; bundle: string }
  /** The container was deleted and its bundle removed. */
  | { t: 'container-removed'; root: string; id: string };

/** Root of all ledgers. `/run` is a tmpfs: ledgers vanish at reboot, like namespaces. */
export function stateDir(): string {
  return process.env['COLDPATH_STATE_DIR'] ?? '/run/coldpath';
}

/** A joined ledger's file in the tag's directory: `agent-<pid>.jsonl` (see `Ledger.join`). */
const JOINED_FILE = /^agent-\d+\.jsonl$/;

export class Ledger {
  readonly tag: string;
  readonly dir: string;
  readonly file: string;
  /** A second ledger in a tag claimed by another process (`join`): removing it leaves the tag's own. */
  readonly joined: boolean;

  private constructor(tag: string, dir: string, file = 'ledger.jsonl') {
    this.tag = tag;
    this.dir = dir;
    this.file = join(dir, file);
    this.joined = file !== 'ledger.jsonl';
  }

  /**
   * Claims `tag` for this process. `mkdir` is atomic, so two runs can never
   * hold the same tag; the caller retries with a new tag on `undefined`.
   */
  static create(tag: string, argv: string[] = process.argv): Ledger | undefined {
    const root = stateDir();
    try {
      mkdirSync(root, { recursive: true, mode: 0o755 });
    } catch (cause) {
      throw new ColdpathError(`cannot create state directory ${root}`, {
        kind: 'environment',
        hint: 'run as root, or set COLDPATH_STATE_DIR to a writable directory',
        cause,
      });
    }
    const dir = join(root, tag);
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw error;
    }
    const ledger = new Ledger(tag, dir);
    writeFileSync(ledger.file, '');
    const startTicks = startTicksOf('self');
    ledger.append({ t: 'run', tag, pid: process.pid, ...(startTicks === undefined ? {} : { startTicks }), startedAt: new Date().toISOString(), argv });
    return ledger;
  }

  static open(tag: string): Ledger {
    return new Ledger(tag, join(stateDir(), tag));
  }

  /**
   * A ledger of this process's own inside a tag another process has claimed: `agent-<pid>.jsonl`
   * in the tag's directory, headed by this process as its owner. The local executor's agent
   * builds the namespaces of its coordinator's tag and records them here, so that its `teardown`
   * undoes only what it built and `coldpath clean` finds both (`ledgerFilesOf`). The caller
   * decides whether joining is allowed (tag-sessions.ts: only the tag of the agent's parent).
   */
  static join(tag: string, argv: string[] = process.argv): Ledger {
    const ledger = new Ledger(tag, join(stateDir(), tag), `agent-${process.pid}.jsonl`);
    writeFileSync(ledger.file, '', { flag: 'wx' });
    const startTicks = startTicksOf('self');
    ledger.append({ t: 'run', tag, pid: process.pid, ...(startTicks === undefined ? {} : { startTicks }), startedAt: new Date().toISOString(), argv });
    return ledger;
  }

  append(...entries: LedgerEntry[]): void {
    if (entries.length === 0) return;
    appendFileSync(this.file, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  /** An `onSpawn` callback that records a process started in `netns` (LineProcess, probes, services). */
  recordSpawn(netns: string): (pid: number, argv: string[]) => void {
    return (pid, argv) => this.append({ t: 'process', netns, pid, argv });
  }

  read(): LedgerEntry[] {
    return readLedgerFile(this.file);
  }

  /** Removes the ledger once everything in it is gone (a joined one: its file only; the tag stays its claimer's). */
  remove(): void {
    if (this.joined) rmSync(this.file, { force: true });
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

export function readLedgerFile(file: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // A line cut short by a crash mid-write: the object it named was not created yet.
    }
  }
  return entries;
}

/** Every ledger file of a tag: its claimer's, then those of processes that joined it (`Ledger.join`). */
export function ledgerFilesOf(tag: string): string[] {
  const dir = join(stateDir(), tag);
  let joined: string[] = [];
  try {
    joined = readdirSync(dir)
      .filter((name) => JOINED_FILE.test(name))
      .sort();
  } catch {
    // No directory: no ledger at all.
  }
  return [join(dir, 'ledger.jsonl'), ...joined.map((name) => join(dir, name))];
}

/** Tags of all ledgers on this machine. */
export function listLedgerTags(): string[] {
  try {
    return readdirSync(stateDir()).filter((name) => RUN_TAG_PATTERN.test(name));
  } catch {
    return [];
  }
}

/** What a ledger says must be undone, in the order to undo it. */
export interface UndoList {
  /** Containers not recorded as removed, newest first. */
  containers: Array<{ root: string; id: string; bundle: string }>;
  processes: Array<{ netns: string; pid: number; argv: string[] }>;
  netns: string[];
}

export function undoList(entries: readonly LedgerEntry[]): UndoList {
  const exited = new Set(entries.flatMap((entry) => (entry.t === 'process-exit' ? [entry.pid] : [])));
  const processes = entries
    .flatMap((entry) => (entry.t === 'process' && !exited.has(entry.pid) ? [entry] : []))
    .map(({ netns, pid, argv }) => ({ netns, pid, argv }))
    .reverse();
  const removed = new Set(entries.flatMap((entry) => (entry.t === 'container-removed' ? [`${entry.root}\0${entry.id}`] : [])));
  const containers = entries.flatMap((entry) => (entry.t === 'container' && !removed.has(`${entry.root}\0${entry.id}`) ? [{ root: entry.root, id: entry.id, bundle: entry.bundle }] : [])).reverse();
  const seen = new Set<string>();
  const netns: string[] = [];
  for (const entry of [...entries].reverse()) {
    if (entry.t === 'netns' && !seen.has(entry.name)) {
      seen.add(entry.name);
      netns.push(entry.name);
    }
  }
  return { containers, processes, netns };
}

export function ownerOf(entries: readonly LedgerEntry[]): { pid: number; startTicks?: number; startedAt: string } | undefined {
  const head = entries[0];
  if (head?.t !== 'run') return undefined;
  return { pid: head.pid, ...(head.startTicks === undefined ? {} : { startTicks: head.startTicks }), startedAt: head.startedAt };
}
