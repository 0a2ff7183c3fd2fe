/**
 * The single runner for every external command coldpath executes: argv arrays
 * (never a shell), a timeout, and a typed error that carries the command, its
 * exit code, its stderr and a hint.
 */
import { execa } from 'execa';
import { ColdpathError } from '../errors.js';
import { hintFor } from './hints.js';

export interface RunOptions {
  /** Text written to the command's stdin (e.g. an `ip -batch -` script). */
  input?: string;
  /** Milliseconds before the command is killed. Default: 30 000. */
  timeoutMs?: number;
  /** Hint shown when the command fails; otherwise derived from stderr. */
  hint?: string;
  /** Do not throw on a non-zero exit; return the result instead. */
  reject?: boolean;
  /** Variables added to coldpath's environment for the command (e.g. a CNI plugin's CNI_COMMAND). */
  env?: Readonly<Record<string, string>>;
}

export interface CommandResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /**
   * When the command ran, coordinator monotonic µs, when the runner knows better than the caller's own round
   * trip: an agent's stamps of the command on its machine, mapped through the clock estimate. Unset here.
   */
  ranUs?: { startUs: number; endUs: number };
}

const DEFAULT_TIMEOUT_MS = 30_000;

export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new ColdpathError('empty command', { kind: 'runtime' });
  const started = performance.now();
  const result = await execa(file, args, {
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.env === undefined ? {} : { env: options.env }),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    reject: false,
    stripFinalNewline: true,
    encoding: 'utf8',
  }).catch((cause: unknown) => {
    throw new ColdpathError(`could not start ${file}`, {
      kind: 'environment',
      command: argv,
      hint: `install ${file} (see \`coldpath doctor\`)`,
      cause,
    });
  });
  const durationMs = performance.now() - started;
  if (result.failed && result.exitCode === undefined) {
    const reason = result.timedOut ? `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : 'failed to run';
    const missing = result.code === 'ENOENT';
    throw new ColdpathError(`${missing ? 'command not found' : reason}: ${formatArgv(argv)}`, {
      kind: missing ? 'environment' : 'command',
      command: argv,
      stderr: String(result.stderr ?? ''),
      hint: missing ? `install ${file} (see \`coldpath doctor\`)` : (options.hint ?? 'the command hung; check the host load'),
      cause: result,
    });
  }
  const commandResult: CommandResult = {
    argv,
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    durationMs,
  };
  if (commandResult.exitCode !== 0 && options.reject !== false) {
    throw commandError(commandResult, options.hint);
  }
  return commandResult;
}

export function commandError(result: CommandResult, hint?: string): ColdpathError {
  const firstLine = result.stderr.trim().split('\n')[0] ?? '';
  const reason = firstLine === '' ? `exit code ${result.exitCode}` : firstLine;
  const derivedHint = hint ?? hintFor(result.argv, result.stderr);
  return new ColdpathError(`${reason}: ${formatArgv(result.argv)}`, {
    kind: 'command',
    command: result.argv,
    exitCode: result.exitCode,
    stderr: result.stderr,
    ...(derivedHint === undefined ? {} : { hint: derivedHint }),
  });
}

/** Quote an argv for display so it can be pasted into a shell. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
