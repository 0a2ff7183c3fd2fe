/**
 * `coldpath compare BASE NEW`: the regression gate (method: docs/compare.md,
 * logic: src/compare/). Reads two runs, prints the verdict table, optionally
 * writes Markdown and JUnit XML, and returns the exit code:
 * 0 nothing regressed ·
 * 1 BASE or NEW is invalid, whatever the verdicts: the run errored or was
 *   interrupted, a path failed or was cut short, a path failed its
 *   verification (took another route), or a path cost disagrees with
 *   sockperf's beyond its bound (unless --allow-reference-disagreement) —
 *   1 as `coldpath run` exits for a run that errored or took the wrong route,
 *   and never 99, so a pipeline that tolerates regressions (allowed exit 99)
 *   still stops on a broken measurement ·
 * 99 something regressed or broke a threshold ·
 * (thrown input errors → 2: unreadable run, other schema, unlike environments,
 * bad --threshold or --min-effect).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compareRuns, DEFAULT_SETTINGS, type CompareSettings } from '../compare/compare-runs.js';
import { renderConsole } from '../compare/render-console.js';
import { renderJunit } from '../compare/render-junit.js';
import { renderMarkdown } from '../compare/render-markdown.js';
import { parseThresholds } from '../compare/thresholds.js';
import { exitCodeOf, type Comparison } from '../compare/types.js';
import { ColdpathError, inputError } from '../errors.js';
import { readRun } from '../results/store.js';
import type { RunResult } from '../results/types.js';

export interface CompareCommandOptions {
  /** `-t/--threshold` rules such as `keepalive.p99<+10%`. Default none. */
  threshold?: readonly string[] | string | undefined;
  /** `--min-effect`: smallest change that counts, in percent. Default `'10'`. */
  minEffect?: string | undefined;
  /** `--allow-env-mismatch`: compare unlike environments, saying so in every output. Default false. */
  allowEnvMismatch?: boolean | undefined;
  /** `--allow-reference-disagreement`: a path cost sockperf contradicts is a note, not an invalid run. Default false. */
  allowReferenceDisagreement?: boolean | undefined;
  /** `--keep-disturbed`: keep every repetition in the intervals (no Hampel set-aside). Default false. */
  keepDisturbed?: boolean | undefined;
  /** `--require-steady`: a side whose repetitions spread beyond the effect gated is invalid (steadiness.ts). Default false. */
  requireSteady?: boolean | undefined;
  /** `--history RUN…`: more runs of BASE's build; warm medians are then judged by floor levels against their spread. Default none. */
  history?: readonly string[] | undefined;
  /** `--markdown FILE`: append the verdict as Markdown (created if missing). Default none. */
  markdown?: string | undefined;
  /** `--junit FILE`: write the verdict as JUnit XML (replaced if present). Default none. */
  junit?: string | undefined;
}

/** Percent text → fraction; input error naming the option and echoing the value otherwise. */
export function parseMinEffect(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SETTINGS.minEffect;
  const trimmed = text.trim().replace(/%$/, '');
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value >= 1000) {
    throw inputError('--min-effect', `got ${JSON.stringify(text)}; expected a percentage ≥ 0, e.g. 10 or 2.5`, 'the smallest NEW/BASE change that counts as a regression or improvement; default 10');
  }
  return value / 100;
}

function normalize(options: Record<string, unknown> | CompareCommandOptions): CompareCommandOptions {
  const o = options as Record<string, unknown>;
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const threshold = Array.isArray(o['threshold']) ? o['threshold'].map(String) : str(o['threshold']);
  return {
    threshold,
    minEffect: str(o['minEffect']),
    allowEnvMismatch: o['allowEnvMismatch'] === true,
    allowReferenceDisagreement: o['allowReferenceDisagreement'] === true,
    keepDisturbed: o['keepDisturbed'] === true,
    requireSteady: o['requireSteady'] === true,
    history: Array.isArray(o['history']) ? o['history'].map(String) : str(o['history']) === undefined ? undefined : [String(o['history'])],
    markdown: str(o['markdown']),
    junit: str(o['junit']),
  };
}

export function settingsFrom(options: CompareCommandOptions): CompareSettings {
  const rules = options.threshold === undefined ? [] : typeof options.threshold === 'string' ? [options.threshold] : options.threshold;
  return {
    ...DEFAULT_SETTINGS,
    minEffect: parseMinEffect(options.minEffect),
    thresholds: parseThresholds(rules),
    allowEnvMismatch: options.allowEnvMismatch === true,
    allowReferenceDisagreement: options.allowReferenceDisagreement === true,
    setAsideDisturbed: options.keepDisturbed !== true,
    requireSteady: options.requireSteady === true,
  };
}

/** Appends like `>>` (what $GITHUB_STEP_SUMMARY expects), separated from earlier content by a blank line. */
export function appendMarkdown(file: string, text: string): void {
  let separator = '';
  if (existsSync(file)) {
    const before = readFileSync(file, 'utf8');
    if (before !== '') separator = before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
  }
  appendFileSync(file, separator + text);
}

function writeOutput(option: string, file: string, write: () => void): void {
  try {
    write();
  } catch (cause) {
    throw new ColdpathError(`${option}: cannot write ${file}: ${(cause as Error).message}`, { kind: 'input', field: option, hint: 'give a file in a directory that exists and is writable', cause });
  }
}

function emit(comparison: Comparison, options: CompareCommandOptions): number {
  process.stdout.write(renderConsole(comparison));
  const { markdown, junit } = options;
  if (markdown !== undefined) writeOutput('--markdown', markdown, () => appendMarkdown(markdown, renderMarkdown(comparison)));
  if (junit !== undefined) writeOutput('--junit', junit, () => writeFileSync(junit, renderJunit(comparison)));
  return exitCodeOf(comparison);
}

/** Options are checked before the runs are read, so a typo in a rule fails fast. */
function compareWith(base: RunResult, next: RunResult, settings: CompareSettings, locations: { base: string; next: string }, options: CompareCommandOptions): number {
  const history = (options.history ?? []).map((location) => ({ location, run: readRun(location, '--history') }));
  return emit(compareRuns(base, next, { ...settings, history }, locations), options);
}

export function compareCommand(base: string, next: string, options: Record<string, unknown> | CompareCommandOptions): number {
  const normalized = normalize(options);
  const settings = settingsFrom(normalized);
  return compareWith(readRun(base, 'BASE'), readRun(next, 'NEW'), settings, { base, next }, normalized);
}

/**
 * For `coldpath run --baseline FILE`: compares the run just measured with an
 * earlier one. Returns 0, 1 (an invalid baseline, or a reference disagreement
 * in this run) or 99; throws input errors (exit 2) like `compare`.
 */
export function compareAfterRun(newRun: RunResult, baselineLocation: string, options: CompareCommandOptions = {}): number {
  const normalized = normalize(options);
  const settings = settingsFrom(normalized);
  return compareWith(readRun(baselineLocation, '--baseline'), newRun, settings, { base: baselineLocation, next: 'this run' }, normalized);
}
