/**
 * action.yml, the composite GitHub Action: parsed with `yaml`, and its steps'
 * `run:` scripts executed by bash the way the runner would (env with `${{ }}`
 * expressions filled in, GITHUB_OUTPUT read back between steps). What needs
 * root or the network is not run here: `npm ci` and the Debian packages are
 * checked as text, and `coldpath run` is a stub that records its arguments and
 * lays down the run-small fixture as the run directory. `coldpath compare` and
 * `coldpath report` are the real CLI, compiled from these sources.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { benchmarkJson } from '../../../src/reports/benchmark-json.js';
import { readRun } from '../../../src/results/store.js';

const Step = z.object({
  name: z.string(),
  id: z.string().optional(),
  if: z.string().optional(),
  shell: z.string().optional(),
  run: z.string().optional(),
  uses: z.string().optional(),
  with: z.record(z.string(), z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  'working-directory': z.string().optional(),
});
const Action = z.object({
  name: z.string(),
  description: z.string(),
  inputs: z.record(z.string(), z.object({ description: z.string(), required: z.boolean().optional(), default: z.string().optional() })),
  outputs: z.record(z.string(), z.object({ description: z.string(), value: z.string() })),
  runs: z.object({ using: z.literal('composite'), steps: z.array(Step) }),
});
type Step = z.infer<typeof Step>;

const action = Action.parse(parse(readFileSync(join(PACKAGE_ROOT, 'action.yml'), 'utf8')));
const FIXTURE = join(PACKAGE_ROOT, 'test', 'fixtures', 'run-small');
const FIXTURE_RUN_ID = readRun(FIXTURE).runId;
const CACHE = join(PACKAGE_ROOT, 'test', '.cache', 'action');
const COMPILED = join(CACHE, 'dist');

const step = (name: RegExp): Step => {
  const found = action.runs.steps.find((candidate) => name.test(candidate.name));
  if (found === undefined) throw new Error(`action.yml has no step named ${name}`);
  return found;
};

interface Context {
  inputs: Record<string, string>;
  steps: Record<string, Record<string, string>>;
  runnerTemp: string;
}

/** The value of an expression's operand: `inputs.x`, `steps.id.outputs.y`, `github.action_path`, `runner.temp`. */
function operand(path: string, context: Context): string {
  const [root, ...rest] = path.split('.');
  if (root === 'inputs') return context.inputs[rest.join('.')] ?? '';
  if (root === 'steps' && rest[1] === 'outputs') return context.steps[rest[0] ?? '']?.[rest.slice(2).join('.')] ?? '';
  if (path === 'github.action_path') return PACKAGE_ROOT;
  if (path === 'runner.temp') return context.runnerTemp;
  throw new Error(`expression operand ${path} is not known to this test`);
}

const OPERAND = /\b(?:inputs|steps|github|runner)\.[\w.-]+/g;

/** `${{ … }}` in a string, replaced by operand values. */
const substitute = (text: string, context: Context): string => text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => operand(path, context));

/** A step's `if:`: operands, `''`, `==`, `!=`, `&&`, `always()` — the forms action.yml uses. */
function condition(text: string | undefined, context: Context): boolean {
  if (text === undefined) return true;
  const js = text
    .replace(OPERAND, (path) => JSON.stringify(operand(path, context)))
    .replace(/always\(\)/g, 'true')
    .replace(/!=/g, '!==')
    .replace(/([^!=])==([^=])/g, '$1===$2');
  if (!/^[\s"'\w\-./:+%()!=&|]*$/.test(js)) throw new Error(`unexpected condition ${text}`);
  return Boolean(new Function(`return (${js});`)());
}

let sandbox: string;

/** Runs one step's script with bash as the runner would; returns its exit status. Outputs land in context.steps. */
function runStep(s: Step, context: Context, extraEnv: Record<string, string> = {}): { status: number; stderr: string } {
  if (s.run === undefined) throw new Error(`${s.name} has no run:`);
  expect(s.shell, s.name).toBe('bash');
  const output = join(sandbox, `output-${s.id ?? 'anonymous'}`);
  writeFileSync(output, '');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: `${join(sandbox, 'stub-bin')}:${process.env['PATH'] ?? ''}`,
    RUNNER_TEMP: context.runnerTemp,
    GITHUB_OUTPUT: output,
    GITHUB_PATH: join(sandbox, 'github-path'),
    GITHUB_STEP_SUMMARY: join(sandbox, 'step-summary.md'),
    COLDPATH_ARGV_LOG: join(sandbox, 'argv.jsonl'),
    COLDPATH_COMPILED: COMPILED,
    COLDPATH_FIXTURE: FIXTURE,
    COLDPATH_FIXTURE_RUN_ID: FIXTURE_RUN_ID,
    ...Object.fromEntries(Object.entries(s.env ?? {}).map(([key, value]) => [key, substitute(value, context)])),
    ...extraEnv,
  };
  // The runner runs `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run], {
    cwd: s['working-directory'] === undefined ? PACKAGE_ROOT : substitute(s['working-directory'], context),
    env,
    encoding: 'utf8',
  });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(output, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  if (s.id !== undefined) context.steps[s.id] = outputs;
  return { status: result.status ?? -1, stderr: result.stderr };
}

/** Arguments of every `coldpath` call the steps made, in order. */
const coldpathCalls = (): string[][] =>
  existsSync(join(sandbox, 'argv.jsonl'))
    ? readFileSync(join(sandbox, 'argv.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string[])
    : [];

const defaults = (): Record<string, string> => Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));

beforeAll(() => {
  // The real CLI for compare and report: tsc into a cache folder (≈ 2 s), no dist/ needed.
  execFileSync(join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(PACKAGE_ROOT, 'tsconfig.json'), '--outDir', COMPILED, '--sourceMap', 'false'], { stdio: 'pipe' });
  sandbox = mkdtempSync(join(tmpdir(), 'coldpath-action-'));
  const bin = join(sandbox, 'stub-bin');
  mkdirSync(bin);
  // `coldpath`: records its argv; `run` lays down the fixture as the run directory (measuring needs root);
  // everything else is the real CLI.
  writeFileSync(
    join(bin, 'coldpath'),
    `#!/usr/bin/env bash
node -e 'require("node:fs").appendFileSync(process.env.COLDPATH_ARGV_LOG, JSON.stringify(process.argv.slice(1)) + "\\n")' -- "$@"
if [ "$1" = run ]; then
  out=""; while [ $# -gt 0 ]; do if [ "$1" = --out ]; then out="$2"; fi; shift; done
  # COLDPATH_STUB_FIRST_FIXTURE: the first run lays down this fixture instead (e.g. an invalid run).
  if [ -n "\${COLDPATH_STUB_FIRST_FIXTURE:-}" ] && [ ! -e "$COLDPATH_ARGV_LOG.first-used" ]; then
    touch "$COLDPATH_ARGV_LOG.first-used"
    mkdir -p "$out/first" && cp "$COLDPATH_STUB_FIRST_FIXTURE/run.json" "$out/first/"
  else
    mkdir -p "$out/$COLDPATH_FIXTURE_RUN_ID" && cp "$COLDPATH_FIXTURE/run.json" "$out/$COLDPATH_FIXTURE_RUN_ID/"
  fi
  exit "\${COLDPATH_STUB_RUN_EXIT:-0}"
fi
exec node "$COLDPATH_COMPILED/src/cli/main.js" "$@"
`,
  );
  // `sudo` for developers who run the tests without root: the steps use it only then.
  writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
  for (const file of ['coldpath', 'sudo']) chmodSync(join(bin, file), 0o755);
}, 120_000);

afterAll(() => {
  rmSync(sandbox, { recursive: true, force: true });
  rmSync(CACHE, { recursive: true, force: true });
});

describe('action.yml', () => {
  it('is a composite action with the documented inputs and outputs that name real steps', () => {
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['scenario', 'baseline', 'thresholds', 'min-effect']));
    expect(action.inputs['min-effect']?.default).toBe('10');
    const ids = new Set(action.runs.steps.map((s) => s.id).filter((id) => id !== undefined));
    for (const [name, output] of Object.entries(action.outputs)) {
      const id = /steps\.([\w-]+)\.outputs\./.exec(output.value)?.[1];
      expect(ids.has(id ?? ''), `output ${name} reads step ${id}`).toBe(true);
    }
    for (const s of action.runs.steps) expect(s.run !== undefined || s.uses !== undefined, s.name).toBe(true);
  });

  it('installs with npm ci and scripts/install-deps from the action checkout', () => {
    const npm = step(/npm ci/);
    expect(npm.run).toBe('npm ci --no-audit --no-fund');
    expect(npm['working-directory']).toBe('${{ github.action_path }}');
    const deps = step(/Debian/);
    expect(deps.run).toContain('COLDPATH_MINIMAL=1 scripts/install-deps');
    expect(deps['working-directory']).toBe('${{ github.action_path }}');
    expect(statSync(join(PACKAGE_ROOT, 'scripts', 'install-deps')).mode & 0o111).not.toBe(0);
  });

  it('uploads the run directory with actions/upload-artifact pinned to a major version, whatever the gate said', () => {
    const upload = step(/Upload/);
    expect(upload.uses).toMatch(/^actions\/upload-artifact@v\d+$/);
    expect(upload.with?.['path']).toBe('${{ steps.run.outputs.run-dir }}');
    expect(upload.if).toMatch(/^always\(\)/);
    expect(step(/Benchmark JSON/).if).toMatch(/^always\(\)/);
  });

  it('puts a coldpath wrapper of the action checkout on PATH', () => {
    const context: Context = { inputs: defaults(), steps: {}, runnerTemp: join(sandbox, 'runner-temp-path') };
    mkdirSync(context.runnerTemp, { recursive: true });
    expect(runStep(step(/on PATH/), context).status).toBe(0);
    const wrapperDir = readFileSync(join(sandbox, 'github-path'), 'utf8').trim();
    expect(wrapperDir).toBe(join(context.runnerTemp, 'coldpath-bin'));
    expect(readFileSync(join(wrapperDir, 'coldpath'), 'utf8')).toBe(`#!/bin/sh\nexec node "${PACKAGE_ROOT}/bin/coldpath.js" "$@"\n`);
  });

  it('measures, gates against the baseline into the step summary and JUnit, and writes the benchmark JSON', () => {
    const context: Context = {
      inputs: {
        ...defaults(),
        scenario: 'test/fixtures/small.yaml',
        baseline: FIXTURE,
        thresholds: 'gre-proxy:keepalive.p50<+50%\n  keepalive.p99<+200%',
        history: `${FIXTURE}\n  ${FIXTURE}`,
        'allow-env-mismatch': 'true',
        'allow-reference-disagreement': 'true',
      },
      steps: {},
      runnerTemp: join(sandbox, 'runner-temp'),
    };
    mkdirSync(context.runnerTemp, { recursive: true });
    writeFileSync(join(sandbox, 'argv.jsonl'), '');
    const out = join(context.runnerTemp, 'coldpath-reports');
    const runDir = join(out, FIXTURE_RUN_ID);

    expect(runStep(step(/coldpath run/), context).status).toBe(0);
    expect(context.steps['run']?.['run-dir']).toBe(runDir);

    const gate = step(/coldpath compare/);
    expect(condition(gate.if, context)).toBe(true);
    const gated = runStep(gate, context);
    expect(gated.status, gated.stderr).toBe(0);
    expect(readFileSync(join(sandbox, 'step-summary.md'), 'utf8')).toContain('### coldpath compare: ✅ no regression');
    expect(readFileSync(join(runDir, 'gate.xml'), 'utf8')).toMatch(/^<\?xml[^>]*>\s*<testsuites/);
    expect(context.steps['gate']?.['junit']).toBe(join(runDir, 'gate.xml'));

    const benchmark = step(/Benchmark JSON/);
    expect(condition(benchmark.if, context)).toBe(true);
    const written = runStep(benchmark, context);
    expect(written.status, written.stderr).toBe(0);
    const file = context.steps['benchmark']?.['file'] ?? '';
    expect(file).toBe(join(context.runnerTemp, 'coldpath-benchmark.json'));
    expect(readFileSync(file, 'utf8')).toBe(benchmarkJson(readRun(FIXTURE)));

    expect(coldpathCalls()).toEqual([
      ['run', 'test/fixtures/small.yaml', '--out', out],
      ['compare', runDir, runDir, '--min-effect', '10', '--allow-reference-disagreement'],
      [
        'compare',
        FIXTURE,
        runDir,
        '--min-effect',
        '10',
        '--markdown',
        join(sandbox, 'step-summary.md'),
        '--junit',
        join(runDir, 'gate.xml'),
        '--allow-env-mismatch',
        '--allow-reference-disagreement',
        '-t',
        'gre-proxy:keepalive.p50<+50%',
        '-t',
        'keepalive.p99<+200%',
        '--history',
        FIXTURE,
        '--history',
        FIXTURE,
      ],
      ['report', runDir, '--format', 'benchmark-json'],
    ]);
  });

  it('runs the commands the README documents for it', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const context: Context = { inputs: { ...defaults(), baseline: FIXTURE, thresholds: 'keepalive.p99<+200%' }, steps: {}, runnerTemp: join(sandbox, 'runner-temp-readme') };
    mkdirSync(context.runnerTemp, { recursive: true });
    writeFileSync(join(sandbox, 'argv.jsonl'), '');
    for (const s of [step(/coldpath run/), step(/coldpath compare/), step(/Benchmark JSON/)]) expect(runStep(s, context).status, s.name).toBe(0);
    const runDir = context.steps['run']?.['run-dir'] ?? '';
    // Actual values back to the README's placeholders.
    const documented = coldpathCalls().map((argv) =>
      `coldpath ${argv.join(' ')}`
        .replaceAll(runDir, 'RUN_DIR')
        .replaceAll(join(context.runnerTemp, 'coldpath-reports'), '"$RUNNER_TEMP/coldpath-reports"')
        .replaceAll(join(sandbox, 'step-summary.md'), '"$GITHUB_STEP_SUMMARY"')
        .replaceAll(FIXTURE, 'BASELINE')
        .replace(/ -t keepalive\.p99<\+200%$/, ' -t RULE …'),
    );
    expect(documented).toEqual([
      'coldpath run --out "$RUNNER_TEMP/coldpath-reports"',
      'coldpath compare RUN_DIR RUN_DIR --min-effect 10',
      'coldpath compare BASELINE RUN_DIR --min-effect 10 --markdown "$GITHUB_STEP_SUMMARY" --junit RUN_DIR/gate.xml -t RULE …',
      'coldpath report RUN_DIR --format benchmark-json',
    ]);
    for (const command of documented) expect(readme, command).toContain(command);
  });

  it('measures once more when the run is invalid, and gates and uploads the second', () => {
    const context: Context = { inputs: { ...defaults(), baseline: FIXTURE }, steps: {}, runnerTemp: join(sandbox, 'runner-temp-rerun') };
    mkdirSync(context.runnerTemp, { recursive: true });
    writeFileSync(join(sandbox, 'argv.jsonl'), '');
    rmSync(join(sandbox, 'argv.jsonl.first-used'), { force: true });
    const out = join(context.runnerTemp, 'coldpath-reports');
    const first = { COLDPATH_STUB_FIRST_FIXTURE: join(PACKAGE_ROOT, 'test', 'fixtures', 'run-aborted') };
    const measured = runStep(step(/coldpath run/), context, first);
    expect(measured.status, measured.stderr).toBe(0);
    expect(context.steps['run']?.['invalid-run-dir']).toBe(join(out, 'first'));
    expect(context.steps['run']?.['run-dir']).toBe(join(`${out}-rerun`, FIXTURE_RUN_ID));
    expect(coldpathCalls()).toEqual([
      ['run', '--out', out],
      ['compare', join(out, 'first'), join(out, 'first'), '--min-effect', '10'],
      ['run', '--out', `${out}-rerun`],
    ]);
    expect(runStep(step(/coldpath compare/), context).status).toBe(0);
    expect(step(/Upload/).with?.['path']).toBe('${{ steps.run.outputs.run-dir }}');
  });

  it('does not measure again when told not to: the invalid run is gated (exit 1)', () => {
    const context: Context = { inputs: { ...defaults(), baseline: FIXTURE, 'rerun-invalid': 'false' }, steps: {}, runnerTemp: join(sandbox, 'runner-temp-no-rerun') };
    mkdirSync(context.runnerTemp, { recursive: true });
    writeFileSync(join(sandbox, 'argv.jsonl'), '');
    rmSync(join(sandbox, 'argv.jsonl.first-used'), { force: true });
    const out = join(context.runnerTemp, 'coldpath-reports');
    expect(runStep(step(/coldpath run/), context, { COLDPATH_STUB_FIRST_FIXTURE: join(PACKAGE_ROOT, 'test', 'fixtures', 'run-aborted') }).status).toBe(0);
    expect(coldpathCalls()).toEqual([['run', '--out', out]]);
    expect(runStep(step(/coldpath compare/), context).status).toBe(1);
  });

  it('skips the gate without a baseline, and records a failed run directory for the upload', () => {
    const context: Context = { inputs: defaults(), steps: {}, runnerTemp: join(sandbox, 'runner-temp-failed') };
    expect(context.inputs['allow-env-mismatch']).toBe('false');
    expect(context.inputs['allow-reference-disagreement']).toBe('false');
    mkdirSync(context.runnerTemp, { recursive: true });
    writeFileSync(join(sandbox, 'argv.jsonl'), '');
    const run = runStep(step(/coldpath run/), context, { COLDPATH_STUB_RUN_EXIT: '1' });
    expect(run.status).toBe(1);
    expect(context.steps['run']?.['run-dir']).toBe(join(context.runnerTemp, 'coldpath-reports', FIXTURE_RUN_ID));
    const runDir = join(context.runnerTemp, 'coldpath-reports', FIXTURE_RUN_ID);
    // The failed run is valid by compare (the fixture): not measured again.
    expect(coldpathCalls()).toEqual([
      ['run', '--out', join(context.runnerTemp, 'coldpath-reports')],
      ['compare', runDir, runDir, '--min-effect', '10'],
    ]);
    expect(condition(step(/coldpath compare/).if, context)).toBe(false);
    expect(condition(step(/Upload/).if, context)).toBe(true);
    expect(condition(step(/Upload/).if, { ...context, steps: { run: { 'run-dir': '' } } })).toBe(false);
  });
});
