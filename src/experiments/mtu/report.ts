/** How an MTU result reads: each size and variant, each encapsulation's latency, the tenant collision. */
import { decodeHistogram, summarize } from '../../metrics/histogram.js';
import { VEGA_LITE_SCHEMA, type Block, type ChartFigure } from '../../report-data.js';
import { ms, percentileText } from '../report-format.js';
import type { MtuMeasured, MtuResult } from '../types.js';

export function mtuReport(e: MtuResult): { blocks: Block[]; charts: ChartFigure[] } {
  const m = e.measured;
  if (m === undefined) return { blocks: [], charts: [] };
  const blocks: Block[] = [
    {
      type: 'text',
      text: `Tunnel ${m.tunnel}: MTU ${m.tunnelMtu} on a ${m.underlayMtu}-byte underlay; the clamp sets MSS ${m.clampedMss}. Reference MTUs: ${Object.entries(m.theoreticalMtu)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    },
    {
      type: 'table',
      table: {
        title: `${e.name}: sizes through the tunnel`,
        note: 'Downloads (GET /bytes/N) and uploads (POST) with the MSS clamp on or off and path-MTU discovery allowed or blocked; a black hole shows as timeouts.',
        header: ['direction', 'clamp', 'PMTUD', 'bytes', 'verdict', 'ok / requests', 'first request', 'p50', 'ICMP sent / dropped'],
        rows: m.cases.map((c) => [
          c.direction,
          c.clamp ? 'on' : 'off',
          c.pmtud,
          String(c.bytes),
          c.verdict,
          `${c.ok} / ${c.requests}`,
          ms(c.firstUs),
          percentileText(c.histogram, 50),
          `${c.icmp.sentByProxy} / ${c.icmp.droppedAtService}`,
        ]),
      },
    },
  ];
  if (m.encapsulations.length > 0) {
    blocks.push({
      type: 'table',
      table: {
        title: `${e.name}: latency by encapsulation`,
        note: 'Keep-alive requests through the same proxy with each encapsulation this kernel has, and with none.',
        header: ['encapsulation', 'MTU', 'p50', 'p99', 'note'],
        rows: m.encapsulations.map((x) => [
          x.encapsulation,
          x.mtu === undefined ? '–' : String(x.mtu),
          percentileText(x.histogram, 50),
          percentileText(x.histogram, 99),
          x.available ? '' : `not on this kernel: ${x.reason ?? ''}`,
        ]),
      },
    });
  }
  const t = m.tenantCollision;
  if (t !== undefined) {
    blocks.push(
      {
        type: 'table',
        table: {
          title: `${e.name}: two tenants on one proxy`,
          note: "A second tenant's tunnel between the same endpoints, with the same key and with its own.",
          header: ['attempt', 'command', 'kernel answer'],
          rows: [
            ['same key', t.sameKey.command, t.sameKey.error === null ? 'accepted' : t.sameKey.error],
            ['distinct key', t.distinctKey.command, t.distinctKey.ok ? 'accepted' : (t.distinctKey.error ?? '')],
          ],
        },
      },
      { type: 'text', text: t.explanation },
      { type: 'text', text: `QEMU tier: ${t.qemuScenario}` },
    );
  }
  const charts = m.encapsulations.some((x) => x.histogram !== undefined) ? [encapsulationChart(e.name, m)] : [];
  return { blocks, charts };
}

function encapsulationChart(name: string, m: MtuMeasured): ChartFigure {
  const values = m.encapsulations.flatMap((x) => {
    if (x.histogram === undefined) return [];
    const s = summarize(decodeHistogram(x.histogram));
    return [
      { encapsulation: x.encapsulation, percentile: 'p50', us: s.p50 },
      { encapsulation: x.encapsulation, percentile: 'p99', us: s.p99 },
    ];
  });
  return {
    title: `${name}: keep-alive latency through the proxy by encapsulation`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
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
