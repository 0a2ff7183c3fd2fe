/**
 * The coldpath command line. Each subcommand lives in src/commands/; this
 * file parses arguments and maps errors to exit codes:
 * 0 ok · 1 failure (compare: an invalid run) · 2 bad input · 3 missing environment · 99 regression · 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CompareCommandOptions } from '../commands/compare.js';
import type { RunCommandOptions } from '../commands/run.js';
import { formatError, inputError, isColdpathError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

// Commands are imported when they run: the report renderer alone (vega) costs ≈ 0.5 s to load.
const COLDPATH_VERSION = (JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string }).version;

const program = new Command();
program
  .name('coldpath')
  .description('How should a serverless function reach resources inside a user VPC? Measures ENI, peering and a pre-warmed GRE proxy for real, in network namespaces.')
  .version(COLDPATH_VERSION)
  .showHelpAfterError()
  .exitOverride();

let exitCode = 0;

/** The regression gate's options, shared by `compare` and `run --baseline`. */
function withGateOptions(command: Command, prefix: string): Command {
  return command
    .option('-t, --threshold <rule...>', `${prefix}per-metric rules such as keepalive.p99<+10% or coldpath.p50<50ms`)
    .option('--min-effect <percent>', `${prefix}smallest change of a warm median (p50) that counts, in percent; tails and cold starts default to 100 % unless -t`, '10')
    .option('--allow-env-mismatch', `${prefix}compare even when the environment fingerprints differ`)
    .option('--allow-reference-disagreement', `${prefix}a path cost that disagrees with sockperf's beyond its bound is a note instead of an invalid run (exit 1)`)
    .option('--keep-disturbed', `${prefix}keep every repetition in the intervals; by default, with ≥ 5 repetitions a side, ones far from their side's median (Hampel's rule) are set aside`)
    .option('--history <run...>', `${prefix}more runs of BASE's build (directories or run.json): with BASE ≥ 3, warm medians are judged by each run's fastest repetition against the runs' spread`)
    .option('--require-steady', `${prefix}with ≥ 5 repetitions a side, a run whose repetitions spread by more than the effect gated is invalid (exit 1: measure again)`)
    .option('--markdown <file>', `${prefix}also append the verdict as Markdown (e.g. $GITHUB_STEP_SUMMARY)`)
    .option('--junit <file>', `${prefix}also write the verdict as JUnit XML`);
}

const runCommand = program
  .command('run')
  .description('build the topology, measure every path of the scenario, write reports/<run-id>/')
  .argument('[scenario]', 'scenario file (YAML or JSON); the built-in default when omitted')
  .option('-s, --strategies <list>', 'comma-separated paths to run, overriding the scenario (baseline,eni,peering,gre-proxy)')
  .option('-o, --out <dir>', 'directory for run results', 'reports')
  .option('-r, --repetitions <n>', 'override the scenario repetitions')
  .option('-q, --quiet', 'no progress output')
  .option(
    '--hosts <file>',
    "inventory (YAML): executor local sends every node's kernel plans through one local agent; executor ssh places the nodes on the inventory's machines and drives their agents (docs/hosts.md)",
  )
  .option('-b, --baseline <run>', 'compare with this earlier run (run.json or its directory) and exit 99 on a regression, 1 when either run is invalid');
withGateOptions(runCommand, 'with --baseline: ').action(async (scenario: string | undefined, options: RunCommandOptions) => {
  const { runCommandMain } = await import('../commands/run.js');
  exitCode = (await runCommandMain(scenario, options)).exitCode;
});

program
  .command('doctor')
  .description('check privileges, tools and kernel features; exit 0 when the default scenario can run')
  .action(async () => {
    const { doctorCommand } = await import('../commands/doctor.js');
    exitCode = await doctorCommand();
  });

program
  .command('plan')
  .description('print the ordered commands a run would execute, as a shell script')
  .argument('[scenario]', 'scenario file; the built-in default when omitted')
  .option('-f, --format <format>', "shell (this host, namespaces), hosts (one machine per node), json, kubernetes (the node agents' manifests; needs --hosts)", 'shell')
  .option('-s, --strategies <list>', 'comma-separated paths to plan')
  .option('--hosts <file>', "inventory of machines (YAML): --format hosts prints each machine's plan; --format kubernetes the agents' manifests")
  .action(async (scenario: string | undefined, options: { format?: string; strategies?: string; hosts?: string }) => {
    const { planCommand } = await import('../commands/plan.js');
    exitCode = planCommand(scenario, options);
  });

program
  .command('clean')
  .description('remove every leftover of coldpath runs that are no longer running, and nothing else')
  .option('--hosts <file>', "inventory (YAML): also clean every machine in it, through each machine's agent (docs/hosts.md)")
  .action(async (options: { hosts?: string }) => {
    const { cleanCommand } = await import('../commands/clean.js');
    exitCode = await cleanCommand(options);
  });

program
  .command('report')
  .description('render every report of a run again from its run.json (report.md, report.html, CSV, hgrm, hlog, metrics.prom, benchmark.json, trace.json)')
  .argument('<run>', 'run directory (reports/<run-id>) or its run.json')
  .option('-o, --out <dir>', 'write the files here instead of the run directory (--format files)')
  .option('-f, --format <format>', 'files (write every report), openmetrics or benchmark-json (print that one to stdout)', 'files')
  .action(async (run: string, options: { out?: string; format?: string }) => {
    const { reportCommand } = await import('../commands/report.js');
    exitCode = await reportCommand(run, options);
  });

const compareCommand = program
  .command('compare')
  .description('compare two runs per path and metric; exit 99 when something regressed, 1 when either run is invalid')
  .argument('<base>', 'the reference run (directory or run.json)')
  .argument('<new>', 'the run under test (directory or run.json)');
withGateOptions(compareCommand, '').action(async (base: string, next: string, options: CompareCommandOptions) => {
  const { compareCommand: compare } = await import('../commands/compare.js');
  exitCode = compare(base, next, options);
});

program
  .command('schema')
  .description("print the scenario's JSON Schema (for editors)")
  .option('--run', "print run.json's JSON Schema instead")
  .option('--agent', "print the agent protocol's JSON Schema instead")
  .action(async (options: { run?: boolean; agent?: boolean }) => {
    const { agentJsonSchema, runJsonSchema, scenarioJsonSchema } = await import('../commands/schema.js');
    if (options.run === true && options.agent === true) throw inputError('--agent', 'prints one schema; --run asks for another', 'pass --run or --agent, not both');
    const schema = options.run === true ? runJsonSchema() : options.agent === true ? agentJsonSchema() : scenarioJsonSchema();
    process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  });

program
  .command('agent')
  .description('serve the node agent protocol on stdin/stdout (one JSON object per line; docs/agent-protocol.md), for a coordinator on this or another machine')
  .action(async () => {
    const { agentCommand } = await import('../commands/agent.js');
    exitCode = await agentCommand();
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`${formatError(error)}\n`);
    exitCode = isColdpathError(error) ? error.processExitCode : 1;
  }
}
process.exitCode = exitCode;
