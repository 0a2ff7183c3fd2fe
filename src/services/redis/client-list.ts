/**
 * Redis `CLIENT LIST`: one line per connected client, `key=value` fields
 * separated by spaces (`id=7 addr=198.19.0.12:41822 laddr=… name=… …`).
 * Its `addr` is the peer address the server itself sees: the path check of a
 * Redis service reads the source address from here.
 */

export interface RedisClientEntry {
  id: string;
  /** `addr` as Redis wrote it: `ip:port`, `[ip6]:port` or (older servers) `ip6:port`. */
  addr: string;
  /** The source address alone. */
  address: string;
  /** `CLIENT SETNAME` name; '' when none. */
  name: string;
  fields: Record<string, string>;
}

/** The address part of `addr`: the text before the last colon, without IPv6 brackets. */
export function addressOf(addr: string): string {
  const colon = addr.lastIndexOf(':');
  const host = colon < 0 ? addr : addr.slice(0, colon);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Parses `CLIENT LIST` output; lines without an `addr=` field (other replies, blank lines) are skipped. */
export function parseClientList(text: string): RedisClientEntry[] {
  const entries: RedisClientEntry[] = [];
  for (const line of text.split('\n')) {
    const fields: Record<string, string> = {};
    for (const word of line.trim().split(' ')) {
      const equals = word.indexOf('=');
      if (equals > 0) fields[word.slice(0, equals)] = word.slice(equals + 1);
    }
    const addr = fields['addr'];
    if (addr === undefined) continue;
    entries.push({ id: fields['id'] ?? '', addr, address: addressOf(addr), name: fields['name'] ?? '', fields });
  }
  return entries;
}

/** Connections per source address among `entries`. */
export function sourcesOf(entries: readonly RedisClientEntry[]): Record<string, number> {
  const sources: Record<string, number> = {};
  for (const entry of entries) sources[entry.address] = (sources[entry.address] ?? 0) + 1;
  return sources;
}
