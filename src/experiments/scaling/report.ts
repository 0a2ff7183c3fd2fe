/** How a scaling result reads: the figures, the controller's actions, proxies and load over time. */
import { VEGA_LITE_SCHEMA, type Block, type ChartFigure } from '../../report-data.js';
import { ms, percentileText, tallyText, timelineSpec } from '../report-format.js';
import type { ScalingMeasured, ScalingResult } from '../types.js';

export function scalingReport(e: ScalingResult): { blocks: Block[]; charts: ChartFigure[] } {
  const m = e.measured;
  if (m === undefined) return { blocks: [], charts: [] };
  const blocks: Block[] = [
    {
      type: 'table',
      table: {
        title: `${e.name}: the pool under load`,
        note: 'Reaction: from the controller seeing the threshold crossed to the first flow counted on the new proxy.',
        header: ['figure', 'value'],
        rows: [
          ['requests', tallyText(m.tally)],
          ['latency p50 / p99 (corrected)', `${percentileText(m.histogram, 50)} / ${percentileText(m.histogram, 99)}`],
          ['reaction times (crossing → first flow on the new proxy)', m.reactionUs.length === 0 ? '–' : m.reactionUs.map((v) => ms(v)).join(', ')],
          ['peak proxies', String(m.peakProxies)],
          ['pool at max', m.atMax === null ? 'no' : `from ${ms(m.atMax.firstAtUs)}, wanted ${m.atMax.desired}`],
          ['modeled ENI time per scale-out (not slept)', ms(m.modeledEniUs)],
        ],
      },
    },
    {
      type: 'table',
      table: {
        title: `${e.name}: controller actions`,
        note: 'Times from the start of load; waited is crossing → action (sampling and cooldown), provision is the plan applied.',
        header: ['at', 'action', 'proxy', 'metric', 'desired', 'serving', 'waited', 'provision', 'reaction', 'drained / flows cut'],
        rows: m.events.map((ev) => [
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
      },
    },
  ];
  return { blocks, charts: scalingCharts(e.name, m) };
}

function scalingCharts(name: string, m: ScalingMeasured): ChartFigure[] {
  const proxies = m.proxiesOverTime.flatMap(([at, serving, draining]) => [
    { t: at / 1_000_000, state: 'serving', proxies: serving },
    { t: at / 1_000_000, state: 'draining', proxies: draining },
  ]);
  const metric = m.metricOverTime.map(([at, value]) => ({ t: at / 1_000_000, value }));
  const stages = m.stageStartsUs.map((at, i) => ({ t: at / 1_000_000, label: `stage ${i + 1}` }));
  return [
    {
      title: `${name}: proxies and load over time`,
      spec: {
        $schema: VEGA_LITE_SCHEMA,
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
              {
                data: { values: metric },
                mark: 'line',
                encoding: { x: { field: 't', type: 'quantitative', title: 'time since start of load (s)' }, y: { field: 'value', type: 'quantitative', title: 'pool metric' } },
              },
              { data: { values: stages }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
            ],
          },
        ],
      },
    },
    {
      title: `${name}: responses over time while the pool scales`,
      spec: timelineSpec(
        m.timeline,
        'time since start of load (s)',
        1_000_000,
        stages.map((s) => ({ at: s.t, label: s.label })),
      ),
    },
  ];
}
