/**
 * How coldpath writes a figure, everywhere: the console, the reports and the
 * gate. A leaf module (imports nothing), so every layer may use it.
 */

/** µs → a short human duration (µs, ms or s with 3 significant digits). */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)}ms`;
  return `${(us / 1_000_000).toPrecision(3)}s`;
}

/** A difference in µs with its sign: `+15µs`, `−3.98ms`. */
export function formatSignedMicros(us: number): string {
  return `${us < 0 ? '−' : '+'}${formatMicros(Math.abs(us))}`;
}

/** A fraction as a percentage with 3 significant digits: 0.0123 → `1.23%`. */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

/** A plain-text table; the first column is left-aligned, the others right-aligned unless `align` says otherwise. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: ReadonlyArray<'left' | 'right'>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const alignment = (i: number): 'left' | 'right' => align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (alignment(i) === 'left' ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
