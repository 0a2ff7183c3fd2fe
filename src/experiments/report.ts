/**
 * Report pieces for the proxy-operations experiments, as pure functions of
 * run.json: a Markdown section per experiment with its figures, and
 * vega-lite specs (data inline) for the charts. The report renderer
 * (src/reports) places them; run.json files written before experiments
 * existed have no `experiments` field and render nothing.
 */
import { decodeHistogram, summarize } from '../metrics/histogram.js';
import type { RunResult } from '../results/types.js';
import type { ErrorTally, ExperimentResult, FailoverResult, MtuResult, NatResult, ScalingResult, Timeline } from './types.js';

/** The experiments of a run; [] for run.json files that predate them. */
export function experimentsOf(run: Pick<RunResult, 'experiments'> | { experiments?: ExperimentResult[] }): ExperimentResult[] {
  return (run as { experiments?: ExperimentResult[] }).experiments ?? [];
}

// ── Markdown ────────────────────────────────────────────────────────────────

export function experimentsMarkdown(run: RunResult): string {
  const experiments = experimentsOf(run);
  if (experiments.length === 0) return '';
  const sections = experiments.map((e) => {
    const head = [`### ${e.kind}: ${e.name} — ${e.outcome}`, ''];
    if (e.message !== undefined) head.push(`> ${e.message}${e.hint === undefined ? '' : ` (hint: ${e.hint})`}`, '');
    const body = bodyOf(e);
    const notes = e.notes.length === 0 ? [] : ['', ...e.notes.map((note) => `- ${note}`)];
    return [...head, ...body, ...notes].join('\n');
  });
  return ['## Proxy operations', '', ...sections.flatMap((section) => [section, ''])].join('\n').trimEnd() + '\n';
}

function bodyOf(e: ExperimentResult): string[] {
  switch (e.kind) {
    case 'failover':
      return failoverMd(e);
    case 'mtu':
      return mtuMd(e);
    case 'nat':
      return natMd(e);
    case 'scaling':
      return scalingMd(e);
  }
}

function failoverMd(e: FailoverResult): string[] {
  const c = e.config;
  const lines = [`Mode **${c.mode}**, advert_int ${c.advertIntervalMs} ms, priorities ${c.priorities.active}/${c.priorities.standby}, VIPs ${c.vips.platform} (platform) / ${c.vips.user} (user), ${c.tunnel} tunnels.`, ''];
  const m = e.measured;
  if (m === undefined) return lines;
  lines.push(
    table(
      ['figure', 'value'],
      [
        ['verdict', m.verdict],
        ['VRRP bound (3 × advert_int + skew)', `${ms(m.bound.masterDownUs)} (skew ${ms(m.bound.skewUs)})`],
        ['VIPs on the standby after', `platform ${ms(m.vipOnStandbyUs.platform)}, user ${ms(m.vipOnStandbyUs.user)}`],
        ['VIPs off the failed proxy after', `platform ${ms(m.vipOffActiveUs.platform)}, user ${ms(m.vipOffActiveUs.user)}`],
        ['gap without a successful response', `${ms(m.gapUs)}${m.gapWindowUs === null ? '' : ` (${ms(m.gapWindowUs[0])} → ${ms(m.gapWindowUs[1])})`}`],
        ['traffic resumed after', ms(m.resumedUs)],
        ['requests', tallyText(m.tally)],
        ['split brain (both held the platform VIP)', ms(m.duplicateVipUs)],
        ['mid-flow packets dropped instead of reset', String(m.unsolicitedDropped)],
        ...(m.thawAtUs === undefined ? [] : [['thawed at / gap after thaw', `${ms(m.thawAtUs)} / ${ms(m.thawGapUs ?? null)}`]]),
        ['sources seen by the service', Object.entries(m.sources).map(([a, n]) => `${a} (${n})`).join(', ') || '–'],
      ],
    ),
    '',
    table(
      ['stream', 'rate/s', 'ok / requests', 'errors', 'gap', 'p50', 'p99', 'connections at fault → survived / lost / reopened'],
      m.streams.map((s) => [
        `${s.metric} (${s.instance})`,
        String(s.rate),
        `${s.ok} / ${s.requests}`,
        errorsText(s.errors),
        ms(s.gapUs),
        pct(s.histogram, 50),
        pct(s.histogram, 99),
        s.metric === 'keepalive' ? `${s.connections.atFault} → ${s.connections.survived} / ${s.connections.lost} / ${s.connections.openedAfter}` : `${s.connections.openedAfter} opened after`,
      ]),
    ),
  );
  const transitions = m.transitions.filter((t) => t.atUs > -1_000_000);
  if (transitions.length > 0) lines.push('', `keepalived: ${transitions.map((t) => `${t.node} ${t.instance} ${t.state} at ${ms(t.atUs)}`).join('; ')}`);
  return lines;
}

function mtuMd(e: MtuResult): string[] {
  const m = e.measured;
  if (m === undefined) return [];
  const lines = [
    `Tunnel ${m.tunnel}: MTU ${m.tunnelMtu} on a ${m.underlayMtu}-byte underlay; the clamp sets MSS ${m.clampedMss}. Reference MTUs: ${Object.entries(m.theoreticalMtu).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    table(
      ['direction', 'clamp', 'PMTUD', 'bytes', 'verdict', 'ok / requests', 'first request', 'p50', 'ICMP sent / dropped'],
      m.cases.map((c) => [c.direction, c.clamp ? 'on' : 'off', c.pmtud, String(c.bytes), c.verdict, `${c.ok} / ${c.requests}`, ms(c.firstUs), pct(c.histogram, 50), `${c.icmp.sentByProxy} / ${c.icmp.droppedAtService}`]),
    ),
  ];
  if (m.encapsulations.length > 0) {
    lines.push(
      '',
      table(
        ['encapsulation', 'MTU', 'p50', 'p99', 'note'],
        m.encapsulations.map((x) => [x.encapsulation, x.mtu === undefined ? '–' : String(x.mtu), x.histogram === undefined ? '–' : pct(x.histogram, 50), x.histogram === undefined ? '–' : pct(x.histogram, 99), x.available ? '' : `not on this kernel: ${x.reason ?? ''}`]),
      ),
    );
  }
  const t = m.tenantCollision;
  if (t !== undefined) {
    lines.push(
      '',
      '**Two tenants on one proxy without a key.**',
      '',
      `- same key: \`${t.sameKey.command}\` → ${t.sameKey.error === null ? 'accepted' : `\`${t.sameKey.error}\``}`,
      `- distinct key: \`${t.distinctKey.command}\` → ${t.distinctKey.ok ? 'accepted' : `\`${t.distinctKey.error ?? ''}\``}`,
      '',
      t.explanation,
      '',
      `QEMU tier: ${t.qemuScenario}`,
    );
  }
  return lines;
}

function natMd(e: NatResult): string[] {
  const m = e.measured;
  if (m === undefined) return [];
  const lines = [
    `MASQUERADE limited to ports ${m.ports.first}–${m.ports.last} (${m.ports.count}); conntrack TIME_WAIT ${m.timeWaitSeconds} s${m.conntrackLimit === null ? '' : `; emulated conntrack limit ${m.conntrackLimit}`}.`,
    '',
    table(
      ['new conn/s', 'held open (opened)', 'ok / requests', 'errors', 'p50', 'p99', 'conntrack peak', 'NAT clashes dropped', 'ct limit refused'],
      m.steps.map((s) => [String(s.rate), `${s.held.requested} (${s.held.opened})`, `${s.ok} / ${s.requests}`, errorsText(s.errors), pct(s.histogram, 50), pct(s.histogram, 99), String(s.conntrackPeak), String(s.insertFailed), String(s.conntrackRefused)]),
    ),
    '',
    `Connections start failing: ${m.failingAt === null ? 'not within the steps run' : `at ${m.failingAt.rate} new conn/s with ${m.failingAt.held} held open (${m.exhausted ?? '?'} exhausted)`}.`,
    `Ports ÷ TIME_WAIT (a kernel that keeps closed connections' ports): ${round(m.timeWaitRate)} new conn/s per destination and address.`,
    `Remedy: ${m.remedy.advice}`,
  ];
  if (m.spread !== undefined) {
    lines.push(`Measured remedy — the failing step again with SNAT spread over ${m.spread.addresses.join(' and ')}: ${tallyText(m.spread.tally)}, held ${m.spread.held.opened}/${m.spread.held.requested}.`);
  }
  return lines;
}

function scalingMd(e: ScalingResult): string[] {
  const m = e.measured;
  if (m === undefined) return [];
  return [
    table(
      ['figure', 'value'],
      [
        ['requests', tallyText(m.tally)],
        ['latency p50 / p99 (corrected)', `${pct(m.histogram, 50)} / ${pct(m.histogram, 99)}`],
        ['reaction times (crossing → first flow on the new proxy)', m.reactionUs.length === 0 ? '–' : m.reactionUs.map((v) => ms(v)).join(', ')],
        ['peak proxies', String(m.peakProxies)],
        ['pool at max', m.atMax === null ? 'no' : `from ${ms(m.atMax.firstAtUs)}, wanted ${m.atMax.desired}`],
        ['modeled ENI time per scale-out (not slept)', ms(m.modeledEniUs)],
      ],
    ),
    '',
    table(
      ['at', 'action', 'proxy', 'metric', 'desired', 'serving', 'waited', 'provision', 'reaction', 'drained / flows cut'],
      m.events.map((ev) => [
        ms(ev.atUs),
        ev.action,
        ev.proxy ?? '–',
        String(ev.metric),
        String(ev.desired),
        String(ev.serving),
        ms(ev.waitedUs ?? null),
        ms(ev.provisionUs ?? null),
        ms(ev.reactionUs ?? null),
        ev.action === 'remove' ? `${ev.drained === true ? 'yes' : 'no'} / ${ev.flowsCut ?? 0}` : '',
      ]),
    ),
  ];
}

// ── charts (vega-lite) ──────────────────────────────────────────────────────

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function experimentsChartSpecs(run: RunResult): Array<{ title: string; spec: object }> {
  const charts: Array<{ title: string; spec: object }> = [];
  for (const e of experimentsOf(run)) {
    switch (e.kind) {
      case 'failover':
        if (e.measured !== undefined) charts.push(failoverChart(e));
        break;
      case 'mtu':
        if (e.measured !== undefined && e.measured.encapsulations.some((x) => x.histogram !== undefined)) charts.push(encapsulationChart(e));
        break;
      case 'nat':
        if (e.measured !== undefined) charts.push({ title: `${e.name}: responses over time (NAT steps)`, spec: timelineSpec(e.measured.timeline, 'time since start of load (s)', 1_000_000, []) });
        break;
      case 'scaling':
        if (e.measured !== undefined) charts.push(...scalingCharts(e));
        break;
    }
  }
  return charts;
}

/** Successful and failed responses per bucket around the fault, with the fault, the VIP move and VRRP's bound marked. */
function failoverChart(e: FailoverResult): { title: string; spec: object } {
  const m = e.measured as NonNullable<FailoverResult['measured']>;
  const marks: Array<{ at: number; label: string }> = [
    { at: 0, label: 'fault' },
    { at: m.bound.masterDownUs / 1000, label: 'VRRP bound' },
  ];
  if (m.vipOnStandbyUs.platform !== null) marks.push({ at: m.vipOnStandbyUs.platform / 1000, label: 'VIP moved' });
  if (m.thawAtUs !== undefined) marks.push({ at: m.thawAtUs / 1000, label: 'thaw' });
  return { title: `${e.name}: responses per ${m.timeline.bucketUs / 1000} ms around the failover (${e.config.mode})`, spec: timelineSpec(m.timeline, 'time since the fault (ms)', 1000, marks) };
}

function timelineSpec(t: Timeline, axis: string, unitUs: number, marks: ReadonlyArray<{ at: number; label: string }>): object {
  const values = t.ok.flatMap((ok, i) => {
    const at = (t.startUs + i * t.bucketUs) / unitUs;
    return [
      { t: at, outcome: 'ok', count: ok },
      { t: at, outcome: 'failed', count: t.failed[i] ?? 0 },
    ];
  });
  return {
    $schema: SCHEMA,
    width: 640,
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: axis },
          y: { field: 'count', type: 'quantitative', title: 'responses per bucket' },
          color: { field: 'outcome', type: 'nominal', scale: { domain: ['ok', 'failed'], range: ['#2b7bba', '#d62728'] } },
        },
      },
      ...(marks.length === 0
        ? []
        : [
            {
              data: { values: marks.map((m) => ({ t: m.at, label: m.label })) },
              layer: [
                { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
                { mark: { type: 'text', align: 'left', dx: 3, dy: -90, fontSize: 10 }, encoding: { x: { field: 't', type: 'quantitative' }, text: { field: 'label' } } },
              ],
            },
          ]),
    ],
  };
}

function encapsulationChart(e: MtuResult): { title: string; spec: object } {
  const m = e.measured as NonNullable<MtuResult['measured']>;
  const values = m.encapsulations.flatMap((x) => {
    if (x.histogram === undefined) return [];
    const s = summarize(decodeHistogram(x.histogram));
    return [
      { encapsulation: x.encapsulation, percentile: 'p50', us: s.p50 },
      { encapsulation: x.encapsulation, percentile: 'p99', us: s.p99 },
    ];
  });
  return {
    title: `${e.name}: keep-alive latency through the proxy by encapsulation`,
    spec: {
      $schema: SCHEMA,
      width: 360,
      height: 200,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'encapsulation', type: 'nominal', title: null },
        xOffset: { field: 'percentile' },
        y: { field: 'us', type: 'quantitative', title: 'latency (µs)' },
        color: { field: 'percentile', type: 'nominal' },
      },
    },
  };
}

function scalingCharts(e: ScalingResult): Array<{ title: string; spec: object }> {
  const m = e.measured as NonNullable<ScalingResult['measured']>;
  const proxies = m.proxiesOverTime.flatMap(([at, serving, draining]) => [
    { t: at / 1_000_000, state: 'serving', proxies: serving },
    { t: at / 1_000_000, state: 'draining', proxies: draining },
  ]);
  const metric = m.metricOverTime.map(([at, value]) => ({ t: at / 1_000_000, value }));
  const stages = m.stageStartsUs.map((at, i) => ({ t: at / 1_000_000, label: `stage ${i + 1}` }));
  return [
    {
      title: `${e.name}: proxies and load over time`,
      spec: {
        $schema: SCHEMA,
        vconcat: [
          {
            width: 640,
            height: 140,
            data: { values: proxies },
            mark: { type: 'line', interpolate: 'step-after' },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'time since start of load (s)' },
              y: { field: 'proxies', type: 'quantitative', title: 'proxies', axis: { tickMinStep: 1 } },
              color: { field: 'state', type: 'nominal' },
            },
          },
          {
            width: 640,
            height: 140,
            layer: [
              { data: { values: metric }, mark: 'line', encoding: { x: { field: 't', type: 'quantitative', title: 'time since start of load (s)' }, y: { field: 'value', type: 'quantitative', title: 'pool metric' } } },
              { data: { values: stages }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
            ],
          },
        ],
      },
    },
    { title: `${e.name}: responses over time while the pool scales`, spec: timelineSpec(m.timeline, 'time since start of load (s)', 1_000_000, stages.map((s) => ({ at: s.t, label: s.label }))) },
  ];
}

// ── formatting ──────────────────────────────────────────────────────────────

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`| ${head.map(escape).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

/** µs → "12.3 ms" (or "–"). */
export function ms(us: number | null | undefined): string {
  if (us === null || us === undefined) return '–';
  const value = us / 1000;
  return `${Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ms`;
}

function pct(histogram: string, percentile: number): string {
  if (histogram === '') return '–';
  const h = decodeHistogram(histogram);
  if (h.totalCount === 0) return '–';
  const us = h.getValueAtPercentile(percentile);
  return us >= 1000 ? ms(us) : `${us} µs`;
}

function tallyText(t: ErrorTally): string {
  return `${t.ok} ok / ${t.requests}${t.failed > 0 ? `, ${t.failed} failed (${errorsText(t.errors)})` : ''}`;
}

function errorsText(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? '–' : entries.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

const round = (value: number): number => Math.round(value * 10) / 10;
