/** Small text helpers for the console: durations and fixed-width tables. */

/** µs → a short human duration (µs, ms or s with 3 significant digits). */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)}ms`;
  return `${(us / 1_000_000).toPrecision(3)}s`;
}

/** A plain-text table; the first column is left-aligned, the others right-aligned unless `align` says otherwise. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: ReadonlyArray<'left' | 'right'>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const alignment = (i: number): 'left' | 'right' => align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (alignment(i) === 'left' ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
