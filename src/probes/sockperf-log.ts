/** sockperf's `--full-log` CSV, read where sockperf ran (probes/sockperf-client.ts). */

/** Round-trip times (µs) from `packet, txTime(sec), rxTime(sec), rtt(usec)` rows; headers and separators skipped. */
export function parseFullLog(text: string): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',');
    if (fields.length !== 4) continue;
    const rtt = Number(fields[3]);
    if (/^\s*\d+\s*$/.test(fields[0] ?? '') && Number.isFinite(rtt) && rtt > 0) values.push(rtt);
  }
  return values;
}
