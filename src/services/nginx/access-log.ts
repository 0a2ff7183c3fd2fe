/**
 * nginx's access log in coldpath's format (`NGINX_LOG_FORMAT`): one line per
 * request, `$remote_addr $connection $status $request_uri`. `$remote_addr` is
 * the peer address nginx itself saw: the path check of an nginx service reads
 * the source address from here.
 */
import { NGINX_WITNESS_PREFIX } from './config.js';

export interface NginxAccessEntry {
  /** `$remote_addr`. */
  address: string;
  /** `$connection`: nginx's serial number of the connection. */
  connection: number;
  status: number;
  /** `$request_uri` as logged (nginx escapes `"`, `\` and bytes outside printable ASCII as `\xHH`). */
  uri: string;
}

/** Parses the access log; lines not in the format (none are expected) are skipped. */
export function parseAccessLog(text: string): NginxAccessEntry[] {
  const entries: NginxAccessEntry[] = [];
  for (const line of text.split('\n')) {
    const [address, connection, status, uri, ...rest] = line.trim().split(' ');
    if (address === undefined || connection === undefined || status === undefined || uri === undefined || rest.length > 0) continue;
    if (!/^\d+$/.test(connection) || !/^\d{3}$/.test(status)) continue;
    entries.push({ address, connection: Number(connection), status: Number(status), uri });
  }
  return entries;
}

/** The URI of the witness request named `name`. */
export function witnessUri(name: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`witness name ${JSON.stringify(name)}: letters, digits, _ and - only`);
  return `${NGINX_WITNESS_PREFIX}${name}`;
}

/** Answered witness requests named `name` per source address (each witness makes one request on its own connection). */
export function witnessSources(entries: readonly NginxAccessEntry[], name: string): Record<string, number> {
  const uri = witnessUri(name);
  const sources: Record<string, number> = {};
  for (const entry of entries) if (entry.uri === uri && entry.status === 200) sources[entry.address] = (sources[entry.address] ?? 0) + 1;
  return sources;
}
