/** What two tenants' traffic shows, per tenant and in one plain sentence: pure functions of what was measured. */
import type { ErrorTally, TenantOutcome } from '../types.js';

/**
 * One tenant: answered and counted only at its own side, or not. Requests
 * that failed on the way (a timeout) do not make it undelivered when the
 * rest arrived where they should: the tally shows them.
 */
export function tenantVerdict(path: TenantOutcome['path'], tally: ErrorTally, counted: TenantOutcome['counted']): TenantOutcome['verdict'] {
  if (path === 'none' || tally.requests === 0) return 'not-sent';
  // Arriving at the other tenant's side is the worse failure, even when every request was answered.
  if (counted.other > 0) return 'misdelivered';
  return tally.ok > 0 && counted.own > 0 ? 'delivered' : 'failed';
}

/** The kernel's words in a refusal: `RTNETLINK answers: File exists` → `File exists`. */
export function kernelWords(error: string): string {
  return error.replace(/^(RTNETLINK answers|Error):\s*/i, '').trim();
}

const names: Record<string, string> = { gre: 'GRE', ipip: 'IPIP', vxlan: 'VXLAN' };
const keyWord = (tunnel: string): string => (tunnel === 'vxlan' ? 'VNIs' : 'keys');

/** works only when both tenants have their own tunnel and each tenant's traffic reached its own side, and only it. */
export function tenantsVerdict(tunnel: string, tenants: readonly TenantOutcome[]): { verdict: 'works' | 'broke'; summary: string } {
  const name = names[tunnel] ?? tunnel;
  const broken: string[] = [];
  for (const t of tenants) {
    const other = t.tenant === 'A' ? 'B' : 'A';
    if (!t.tunnel.created) {
      const refusal = t.tunnel.attempts.find((a) => a.error !== null)?.error ?? null;
      const why = refusal === null ? 'refused' : `refused (${kernelWords(refusal)})`;
      broken.push(
        t.key === null
          ? `${name} has no key: tenant ${t.tenant}'s tunnel between the same endpoints was ${why} — a proxy cannot serve two tenants from one host over ${name}`
          : `tenant ${t.tenant}'s ${name} tunnel (key ${t.key}) between the same endpoints was ${why}`,
      );
    }
    const via = t.path === 'shared' ? ` (sent through tenant ${other}'s tunnel)` : '';
    if (t.verdict === 'misdelivered')
      broken.push(`tenant ${t.tenant}'s traffic${via} arrived at tenant ${other}'s side: ${t.counted.other} packet(s) from tenant ${other}'s ENI, ${t.counted.own} from its own`);
    if (t.verdict === 'failed') broken.push(`tenant ${t.tenant}'s requests${via} failed: ${t.tally.ok} of ${t.tally.requests} answered, ${t.counted.own} packet(s) counted at its own side`);
  }
  if (broken.length > 0) return { verdict: 'broke', summary: `${capitalize(broken.join('; '))}.` };
  const keys = tenants.map((t) => t.key).filter((k): k is number => k !== null);
  return { verdict: 'works', summary: `${name} ${keyWord(tunnel)} ${keys.join(' and ')}: both tenants' traffic delivered to their own side.` };
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
