/**
 * PostgreSQL's `pg_stat_activity` as the orchestrator's psql prints it
 * (`-A -t -F '|'`: unaligned, tuples only): one `application_name|client_addr`
 * line per backend. `client_addr` is the peer address the server itself sees:
 * the path check of a PostgreSQL service reads the source address from here.
 */

/** The query: the named connections only, their address as text (`host()` drops the /32). */
export function activityQuery(applicationName: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(applicationName)) throw new Error(`application_name ${JSON.stringify(applicationName)}: letters, digits, _ and - only`);
  return `SELECT application_name, host(client_addr) FROM pg_stat_activity WHERE application_name = '${applicationName}';`;
}

export interface PostgresActivityEntry {
  applicationName: string;
  /** '' when the backend has no TCP peer (none here: the server has no Unix socket). */
  clientAddr: string;
}

/** Parses psql's `-A -t -F '|'` output of `activityQuery`; blank lines are skipped. */
export function parseActivity(text: string): PostgresActivityEntry[] {
  const entries: PostgresActivityEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const bar = line.lastIndexOf('|');
    if (bar < 0) continue;
    entries.push({ applicationName: line.slice(0, bar), clientAddr: line.slice(bar + 1).trim() });
  }
  return entries;
}

/** Connections per source address among `entries`. */
export function activitySources(entries: readonly PostgresActivityEntry[]): Record<string, number> {
  const sources: Record<string, number> = {};
  for (const entry of entries) sources[entry.clientAddr] = (sources[entry.clientAddr] ?? 0) + 1;
  return sources;
}
