/** How a tenants result reads: what broke (or that nothing did) first, then each tenant's tunnel and where its traffic arrived. */
import type { Block, ChartFigure } from '../../report-data.js';
import { errorsText } from '../report-format.js';
import type { TenantOutcome, TenantsResult } from '../types.js';

const PATHS: Record<TenantOutcome['path'], string> = { own: 'its own tunnel', shared: "the other tenant's tunnel", none: 'not sent' };

export function tenantsReport(e: TenantsResult): { blocks: Block[]; charts: ChartFigure[] } {
  const m = e.measured;
  if (m === undefined) return { blocks: [], charts: [] };
  const blocks: Block[] = [
    { type: 'text', text: `${m.verdict === 'works' ? 'Works' : 'Broke'} (${m.tunnel}, both tenants between ${m.endpoints.host} and ${m.endpoints.proxy}): ${m.summary}` },
    {
      type: 'table',
      table: {
        title: `${e.name}: two tenants on one host and one proxy`,
        note: "Each tenant's tunnel between the same underlay endpoints; packets of its requests counted at the user service by the ENI they left the proxy from.",
        header: ['tenant', 'key', 'tunnel', 'sent through', 'ok / requests', 'errors', 'from own ENI', "from other's ENI", 'verdict'],
        rows: m.tenants.map((t) => [
          t.tenant,
          t.key === null ? 'none' : String(t.key),
          t.tunnel.created ? 'created' : `refused: ${t.tunnel.attempts.find((a) => a.error !== null)?.error ?? ''}`,
          PATHS[t.path],
          `${t.tally.ok} / ${t.tally.requests}`,
          errorsText(t.tally.errors),
          String(t.counted.own),
          String(t.counted.other),
          t.verdict,
        ]),
      },
    },
  ];
  const tried = m.tenants.flatMap((t) => t.tunnel.attempts.map((a) => `${a.command} → ${a.error ?? 'accepted'}`));
  if (tried.length > 0) blocks.push({ type: 'text', text: `The second tenant's tunnel, as the kernel was asked for it: ${tried.join('; ')}.` });
  return { blocks, charts: [] };
}
