/**
 * Wording helpers shared by the Markdown and HTML reports, so both say the
 * same thing the same way. Plain text only: each renderer escapes for itself.
 */

/** A ratio as `1.42×` (one decimal from 10× up: more digits would be noise). */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** Failure counts by reason, largest first: `eni-quota ×3, subnet-exhausted ×2`. */
export function formatReasons(reasons: Readonly<Record<string, number>>): string {
  return Object.entries(reasons)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, count]) => `${reason} ×${count}`)
    .join(', ');
}
