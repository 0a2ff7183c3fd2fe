/** How a failover result reads: what happened and when, per stream, and responses around the fault. */
import type { Block, ChartFigure } from '../../report-data.js';
import { errorsText, ms, percentileText, tallyText, timelineSpec } from '../report-format.js';
import type { FailoverResult } from '../types.js';

export function failoverReport(e: FailoverResult): { blocks: Block[]; charts: ChartFigure[] } {
  const c = e.config;
  const blocks: Block[] =
    c === undefined
      ? []
      : [
          {
            type: 'text',
            text: `Mode ${c.mode}, advert_int ${c.advertIntervalMs} ms, priorities ${c.priorities.active}/${c.priorities.standby}, VIPs ${c.vips.platform} (platform) / ${c.vips.user} (user), ${c.tunnel} tunnels.`,
          },
        ];
  const m = e.measured;
  if (m === undefined) return { blocks, charts: [] };
  blocks.push(
    {
      type: 'table',
      table: {
        title: `${e.name}: the failover`,
        note: 'Times are from the fault; the gap is the longest span without a successful response (all streams) that overlaps the failover.',
        header: ['figure', 'value'],
        rows: [
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
          [
            'sources seen by the service',
            Object.entries(m.sources)
              .map(([a, n]) => `${a} (${n})`)
              .join(', ') || '–',
          ],
        ],
      },
    },
    {
      type: 'table',
      table: {
        title: `${e.name}: streams`,
        note: 'One stream per function instance; latency is coordinated-omission corrected.',
        header: ['stream', 'rate/s', 'ok / requests', 'errors', 'gap', 'p50', 'p99', 'connections at fault → survived / lost / reopened'],
        rows: m.streams.map((s) => [
          `${s.metric} (${s.instance})`,
          String(s.rate),
          `${s.ok} / ${s.requests}`,
          errorsText(s.errors),
          ms(s.gapUs),
          percentileText(s.histogram, 50),
          percentileText(s.histogram, 99),
          s.metric === 'keepalive' ? `${s.connections.atFault} → ${s.connections.survived} / ${s.connections.lost} / ${s.connections.openedAfter}` : `${s.connections.openedAfter} opened after`,
        ]),
      },
    },
  );
  const transitions = m.transitions.filter((t) => t.atUs > -1_000_000);
  if (transitions.length > 0) blocks.push({ type: 'text', text: `keepalived: ${transitions.map((t) => `${t.node} ${t.instance} ${t.state} at ${ms(t.atUs)}`).join('; ')}` });
  const marks: Array<{ at: number; label: string }> = [
    { at: 0, label: 'fault' },
    { at: m.bound.masterDownUs / 1000, label: 'VRRP bound' },
  ];
  if (m.vipOnStandbyUs.platform !== null) marks.push({ at: m.vipOnStandbyUs.platform / 1000, label: 'VIP moved' });
  if (m.thawAtUs !== undefined) marks.push({ at: m.thawAtUs / 1000, label: 'thaw' });
  const chart = {
    title: `${e.name}: responses per ${m.timeline.bucketUs / 1000} ms around the failover${c === undefined ? '' : ` (${c.mode})`}`,
    spec: timelineSpec(m.timeline, 'time since the fault (ms)', 1000, marks),
  };
  return { blocks, charts: [chart] };
}
