/** How a NAT result reads: each step's load and what the proxy's NAT did with it, the failing step, the remedy. */
import type { Block, ChartFigure } from '../../report-data.js';
import { errorsText, percentileText, round1, tallyText, timelineSpec } from '../report-format.js';
import type { NatResult } from '../types.js';

export function natReport(e: NatResult): { blocks: Block[]; charts: ChartFigure[] } {
  const m = e.measured;
  if (m === undefined) return { blocks: [], charts: [] };
  const blocks: Block[] = [
    {
      type: 'text',
      text: `MASQUERADE limited to ports ${m.ports.first}–${m.ports.last} (${m.ports.count}); conntrack TIME_WAIT ${m.timeWaitSeconds} s${m.conntrackLimit === null ? '' : `; emulated conntrack limit ${m.conntrackLimit}`}.`,
    },
    {
      type: 'table',
      table: {
        title: `${e.name}: steps`,
        note: 'New connections per second through the proxy, with idle connections held open to the same destination; latency is coordinated-omission corrected.',
        header: ['new conn/s', 'held open (opened)', 'ok / requests', 'errors', 'p50', 'p99', 'conntrack peak', 'NAT clashes dropped', 'ct limit refused'],
        rows: m.steps.map((s) => [
          String(s.rate),
          `${s.held.requested} (${s.held.opened})`,
          `${s.ok} / ${s.requests}`,
          errorsText(s.errors),
          percentileText(s.histogram, 50),
          percentileText(s.histogram, 99),
          String(s.conntrackPeak),
          String(s.insertFailed),
          String(s.conntrackRefused),
        ]),
      },
    },
    {
      type: 'text',
      text: `Connections start failing: ${m.failingAt === null ? 'not within the steps run' : `at ${m.failingAt.rate} new conn/s with ${m.failingAt.held} held open (${m.exhausted ?? '?'} exhausted)`}.`,
    },
    { type: 'text', text: `Ports ÷ TIME_WAIT (a kernel that keeps closed connections' ports): ${round1(m.timeWaitRate)} new conn/s per destination and address.` },
    { type: 'text', text: `Remedy: ${m.remedy.advice}` },
  ];
  if (m.spread !== undefined) {
    blocks.push({
      type: 'text',
      text: `Measured remedy — the failing step again with SNAT spread over ${m.spread.addresses.join(' and ')}: ${tallyText(m.spread.tally)}, held ${m.spread.held.opened}/${m.spread.held.requested}.`,
    });
  }
  const chart = { title: `${e.name}: responses over time (NAT steps)`, spec: timelineSpec(m.timeline, 'time since start of load (s)', 1_000_000, []) };
  return { blocks, charts: [chart] };
}
