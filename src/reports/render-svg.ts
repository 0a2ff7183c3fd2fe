/**
 * Renders a Vega-Lite spec to a standalone SVG string in Node, with no browser
 * and no network: compile → parse → headless view → SVG. Element ids are
 * prefixed per chart, because one HTML page holds many SVGs and a duplicate id
 * (clip paths, gradients, the hatch pattern) would let one chart borrow
 * another's definitions.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { HATCH_DEFS, HATCH_FILL } from './hatch.js';

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return standalone(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

function standalone(svg: string, idPrefix: string): string {
  const withDefs = svg.includes(HATCH_FILL) ? svg.replace(/<svg\b[^>]*>/, (open) => `${open}${HATCH_DEFS}`) : svg;
  const ids = new Set([...withDefs.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1] ?? ''));
  if (ids.size === 0) return withDefs;
  return withDefs
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${idPrefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${idPrefix}-${id})` : whole))
    .replace(/href="#([^"]+)"/g, (whole, id: string) => (ids.has(id) ? `href="#${idPrefix}-${id}"` : whole));
}
