/**
 * The console view of a run: progress on stderr while it runs, a summary
 * table on stdout at the end. It only subscribes to run events.
 */
import cliProgress from 'cli-progress';
import type { RunEvent, RunEvents } from '../engine/events.js';
import type { PairedDifference } from '../metrics/paired.js';
import { costsOverBaseline, referenceP50 } from '../results/path-costs.js';
import { summarizeRun, type PathSummary } from '../results/summary.js';
import type { RunResult } from '../results/types.js';
import { REAL_SERVER_KINDS, realServerKindOf } from '../scenario/real-servers.js';
import { METRICS } from '../scenario/schema.js';
import { formatMicros, formatSignedMicros, table } from '../format.js';

export function attachConsole(events: RunEvents, stream: NodeJS.WriteStream = process.stderr): () => void {
  const interactive = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  const say = (text: string): void => {
    bar?.stop();
    bar = undefined;
    stream.write(`${text}\n`);
  };
  return events.subscribe((event: RunEvent) => {
    switch (event.type) {
      case 'stage':
        say(`• ${event.message}`);
        break;
      case 'note':
        say(`! ${event.message}`);
        break;
      case 'block-start':
        say(`▶ repetition ${event.repetition + 1}/${event.repetitions}, path ${event.slot + 1}/${event.paths}: ${event.strategy}`);
        break;
      case 'burst-start':
        if (interactive) {
          bar = new cliProgress.SingleBar(
            { format: `  burst K=${event.size} (rep ${event.repetition + 1}) {bar} {value}/{total}`, stream, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.size, 0);
        }
        break;
      case 'instance-done':
        bar?.update(event.done);
        break;
      case 'burst-done':
        say(`  burst K=${event.size}: cold start p50 ${formatMicros(event.p50Us)} p99 ${formatMicros(event.p99Us)}${event.failed > 0 ? `, ${event.failed} failed` : ''}`);
        break;
      case 'warm-done':
        say(
          `  ${event.metric}: p50 ${formatMicros(event.p50Us)} p99 ${formatMicros(event.p99Us)}${event.errors > 0 ? `, ${event.errors} errors` : ''}` +
            ` (warm-up ${event.warmupRequests} requests${event.converged ? '' : ', NOT steady at the time limit'})`,
        );
        break;
      case 'reference-done':
        say(`  reference (sockperf ping-pong): p50 ${formatMicros(event.p50Us)} p99 ${formatMicros(event.p99Us)}`);
        break;
      case 'settle':
        if (!event.completed) say(`  ! did not settle after ${event.after} within ${Math.round(event.waitedMs)} ms: ${event.pending ?? ''}`);
        break;
      case 'path-done':
        say(`■ ${event.strategy}: ${event.outcome}${event.detail === undefined ? '' : ` — ${event.detail}`}`);
        break;
      case 'teardown':
        say('• tearing down');
        break;
      default:
        break;
    }
  });
}

const cell = (summary: { count: number; p50: number; p99: number }): string => (summary.count === 0 ? '–' : `${formatMicros(summary.p50)} / ${formatMicros(summary.p99)}`);

/** `+16µs ±4µs`: the mean cost and half its 95 % interval. */
const costCell = (difference: PairedDifference | undefined): string => {
  if (difference === undefined) return '–';
  const half = Number.isFinite(difference.high) ? ` ±${formatMicros((difference.high - difference.low) / 2)}` : '';
  return `${formatSignedMicros(difference.mean)}${half}`;
};

export function summaryTable(run: RunResult): string {
  const paths = summarizeRun(run);
  const costs = costsOverBaseline(run);
  const header = ['path', 'cold path', 'modeled ctrl plane', 'keep-alive', 'echo', 'sockperf', 'cost: keep-alive', 'cost: echo', 'cost: sockperf', 'failures', 'per 100 inst.', 'path check'];
  const rows = paths.map((p: PathSummary) => {
    const failures =
      Object.entries(p.coldStart.failures)
        .map(([reason, count]) => `${reason}:${count}`)
        .join(' ') || '0';
    const r = p.resourcesPer100;
    const resources =
      [
        r.userVpcInterfaces > 0 ? `${r.userVpcInterfaces} ENI` : '',
        r.userSubnetIps > 0 ? `${r.userSubnetIps} IP` : '',
        r.routeEntries > 0 ? `${r.routeEntries} rt` : '',
        r.proxies > 0 ? `${r.proxies} px` : '',
        r.peeringConnections > 0 ? `${r.peeringConnections} peer` : '',
      ]
        .filter(Boolean)
        .join(' ') || 'none';
    const cost = costs.find((item) => item.strategy === p.strategy);
    const path = run.paths.find((item) => item.strategy === p.strategy);
    const reference = path === undefined ? undefined : referenceP50(path);
    const disagrees = cost?.agreement.some((item) => !item.ok) === true;
    return [
      p.strategy + (p.outcome === 'completed' ? '' : ` (${p.outcome})`),
      cell(p.coldStart.network),
      cell(p.coldStart.modeled),
      p.warm.keepalive === undefined ? '–' : cell(p.warm.keepalive),
      p.warm.echo === undefined ? '–' : cell(p.warm.echo),
      reference === undefined ? '–' : formatMicros(reference),
      costCell(cost?.warm.keepalive),
      costCell(cost?.warm.echo),
      costCell(cost?.reference) + (disagrees ? ' (!)' : ''),
      failures,
      resources,
      p.verified === undefined ? '–' : p.verified ? 'ok' : 'FAILED',
    ];
  });
  const lines = [
    `run ${run.runId} — ${run.outcome}; p50 / p99; scenario ${run.scenarioSource}`,
    table(header, rows),
    run.scenario.burst.firstRequest === 'service'
      ? "cold path = per-instance network phases (namespace + container link + attach + the real server's first connect, TLS, authentication and first query); queueing, runtime start and loading its client are in report.md, apart;"
      : 'cold path = per-instance network phases (namespace + container link + attach + first connect + TTFB); queueing and runtime start are in report.md, apart;',
    'modeled = control-plane time drawn from the cited profile, in virtual time, never added to measured figures;',
    'cost = p50 over baseline, mean of the repetitions ± half the 95 % CI; sockperf = the reference (TCP ping-pong, same container and service); (!) = coldpath and sockperf disagree beyond the bound.',
  ];
  // A real server's metrics (services of kind redis, postgres, nginx) get a line of their own per kind rather than columns every run would carry empty.
  for (const kind of REAL_SERVER_KINDS) {
    const metrics = METRICS.filter((metric) => realServerKindOf(metric) === kind);
    const measured = paths.flatMap((p) => {
      const parts = metrics.flatMap((metric) => {
        const summary = p.warm[metric];
        if (summary === undefined) return [];
        // A new connection's set-up in phases: their p50s, under the total.
        const phases = Object.entries(summary.phases ?? {}).map(([phase, part]) => `${phase} ${formatMicros(part.p50)}`);
        return [`${metric} ${cell(summary)}${phases.length === 0 ? '' : ` (p50: ${phases.join(' + ')})`}`];
      });
      return parts.length === 0 ? [] : [`${p.strategy} ${parts.join(', ')}`];
    });
    if (measured.length > 0) lines.push(`${kind} (p50 / p99): ${measured.join('; ')}`);
  }
  for (const experiment of run.experiments) {
    const verdict = experiment.kind === 'failover' ? experiment.measured?.verdict : undefined;
    lines.push(
      `experiment ${experiment.name} (${experiment.kind}): ${experiment.outcome}${verdict === undefined ? '' : `, ${verdict}`}${experiment.message === undefined ? '' : ` — ${experiment.message}`}`,
    );
  }
  if (run.tunnel !== null) lines.push(`tunnel: ${run.tunnel.used} (${run.tunnel.reason})`);
  for (const note of run.notes) lines.push(`note: ${note}`);
  if (run.error !== undefined) lines.push(`error: ${run.error.message}${run.error.hint === undefined ? '' : ` (hint: ${run.error.hint})`}`);
  return lines.join('\n');
}
