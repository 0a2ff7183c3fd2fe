/**
 * The one error type coldpath throws on purpose. Its `message` is short and
 * states the reason (and the command, when one failed); the details a user
 * needs to act on it travel in typed fields, never only in prose.
 */

/** What kind of failure; decides the exit code and how the CLI prints it. */
export type ErrorKind =
  /** Bad scenario or CLI input; nothing was created. Exit 2. */
  | 'input'
  /** Missing tool, privilege or kernel feature. Exit 3. */
  | 'environment'
  /** An external command failed (carries argv, exit code and stderr). Exit 1. */
  | 'command'
  /** A measured component (probe, service, daemon) misbehaved. Exit 1. */
  | 'runtime';

export interface ColdpathErrorOptions {
  kind: ErrorKind;
  /** What the user can do about it. */
  hint?: string;
  /** Dotted path of the offending field, for input errors (e.g. `workload.rate`). */
  field?: string;
  /** The argv of the failed command, for command errors. */
  command?: readonly string[];
  exitCode?: number | undefined;
  stderr?: string;
  cause?: unknown;
}

export class ColdpathError extends Error {
  override readonly name = 'ColdpathError';
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly field: string | undefined;
  readonly command: readonly string[] | undefined;
  readonly exitCode: number | undefined;
  readonly stderr: string | undefined;

  constructor(message: string, options: ColdpathErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.hint = options.hint;
    this.field = options.field;
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }

  /** Process exit code the CLI uses for this error. */
  get processExitCode(): number {
    switch (this.kind) {
      case 'input':
        return 2;
      case 'environment':
        return 3;
      default:
        return 1;
    }
  }
}

export const inputError = (field: string, message: string, hint?: string): ColdpathError =>
  new ColdpathError(`${field}: ${message}`, { kind: 'input', field, ...(hint === undefined ? {} : { hint }) });

export const isColdpathError = (value: unknown): value is ColdpathError => value instanceof ColdpathError;

/** Multi-line rendering for the console: message, then stderr and hint if any. */
export function formatError(error: unknown): string {
  if (!isColdpathError(error)) {
    return error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  const lines = [`coldpath: ${error.message}`];
  if (error.stderr !== undefined && error.stderr.trim() !== '') {
    lines.push(
      ...error.stderr
        .trim()
        .split('\n')
        .slice(-8)
        .map((line) => `  | ${line}`),
    );
  }
  if (error.hint !== undefined) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}
