/**
 * Looks into coldpath's namespaces: links, nft named counters, conntrack
 * entries, a process's children. Every command runs inside the node (`InNode`:
 * on this machine or through the node's agent; argv, no shell); nothing here changes kernel state but `flushConntrack`,
 * which empties the connection-tracking table of one of coldpath's own namespaces.
 */
import type { InNode } from './kernel-driver.js';

/** Packets of every named counter of an nft table (missing table → {}). */
export async function readCounters(inNode: InNode, table: string): Promise<Record<string, number>> {
  const result = await inNode(['nft', '-j', 'list', 'counters', 'table', 'ip', table], { timeoutMs: 5000 });
  if (result.exitCode !== 0) return {};
  const parsed = JSON.parse(result.stdout) as { nftables: Array<{ counter?: { name: string; packets: number } }> };
  const counters: Record<string, number> = {};
  for (const item of parsed.nftables) if (item.counter !== undefined) counters[item.counter.name] = item.counter.packets;
  return counters;
}

/** Connection-tracking entries in a namespace (its own table); null when unreadable. */
export async function conntrackCount(inNode: InNode): Promise<number | null> {
  const result = await inNode(['cat', '/proc/sys/net/netfilter/nf_conntrack_count'], { timeoutMs: 5000 });
  return result.exitCode === 0 ? Number(result.stdout.trim()) : null;
}

/** Empties a namespace's conntrack table (conntrack-tools); false when that failed or the tool is missing. */
export async function flushConntrack(inNode: InNode): Promise<boolean> {
  const result = await inNode(['conntrack', '--flush'], { timeoutMs: 5000 });
  return result.exitCode === 0;
}

/** Names of the links in a namespace (`ip -o link show`, without the `@peer` suffix). */
export async function linkNames(inNode: InNode): Promise<Set<string>> {
  const result = await inNode(['ip', '-o', 'link', 'show'], { timeoutMs: 5000 });
  if (result.exitCode !== 0) throw new Error(`ip -o link show: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
  return parseLinkNames(result.stdout);
}

export function parseLinkNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return names;
}

/**
 * TCP entries of a namespace's conntrack table by state, and by conntrack
 * mark (hex), read from /proc/net/nf_conntrack inside the namespace.
 */
export async function conntrackTcp(inNode: InNode): Promise<{ byState: Record<string, number>; establishedByMark: Record<string, number> }> {
  const result = await inNode(['cat', '/proc/net/nf_conntrack'], { timeoutMs: 5000 });
  return parseConntrack(result.exitCode === 0 ? result.stdout : '');
}

export function parseConntrack(text: string): { byState: Record<string, number>; establishedByMark: Record<string, number> } {
  const byState: Record<string, number> = {};
  const establishedByMark: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /\btcp\s+6\s+\d+\s+([A-Z_]+)\b/.exec(line);
    if (match === null) continue;
    const state = match[1] ?? 'UNKNOWN';
    byState[state] = (byState[state] ?? 0) + 1;
    if (state === 'ESTABLISHED') {
      const mark = /\bmark=(\d+)/.exec(line)?.[1] ?? '0';
      const hex = `0x${Number(mark).toString(16)}`;
      establishedByMark[hex] = (establishedByMark[hex] ?? 0) + 1;
    }
  }
  return { byState, establishedByMark };
}

/** Direct children of a process (e.g. keepalived's VRRP child), read on the node's machine (its pid is that machine's). */
export async function childPids(inNode: InNode, pid: number): Promise<number[]> {
  const result = await inNode(['cat', `/proc/${pid}/task/${pid}/children`], { timeoutMs: 5000 });
  return result.exitCode === 0 ? parsePids(result.stdout) : [];
}

export function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((word) => /^\d+$/.test(word))
    .map(Number);
}

/** Conntrack statistics of a namespace (summed over CPUs), e.g. insert_failed, drop, clashres. */
export async function conntrackStats(inNode: InNode): Promise<Record<string, number>> {
  const result = await inNode(['cat', '/proc/net/stat/nf_conntrack'], { timeoutMs: 5000 });
  return result.exitCode === 0 ? parseConntrackStats(result.stdout) : {};
}

export function parseConntrackStats(text: string): Record<string, number> {
  const [header, ...rows] = text.trim().split('\n');
  const names = (header ?? '').trim().split(/\s+/);
  const sums: Record<string, number> = {};
  for (const row of rows) {
    row
      .trim()
      .split(/\s+/)
      .forEach((value, i) => {
        const name = names[i];
        if (name !== undefined && name !== 'entries') sums[name] = (sums[name] ?? 0) + Number.parseInt(value, 16);
      });
  }
  return sums;
}
