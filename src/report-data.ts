/**
 * Report content as plain data: tables, paragraphs and charts that every
 * renderer (Markdown, HTML, CSV) places the same way. A leaf module, so the
 * layers that produce report content (reports/, experiments/) share it
 * without importing each other.
 */

export interface Table {
  title: string;
  /** One sentence on what the figures are. */
  note: string;
  header: string[];
  rows: string[][];
}

/** Which columns hold figures (judged by the first row), to right-align them in every renderer. */
export function figureColumns(table: Table): boolean[] {
  return table.header.map((_, i) => /^[\d–−+]/.test(table.rows[0]?.[i] ?? ''));
}

/** A chart: a vega-lite spec with its data inline, and its title. */
export interface ChartFigure {
  title: string;
  spec: object;
}

/** A piece of a section, in reading order. */
export type Block = { type: 'text'; text: string } | { type: 'table'; table: Table };

/** What a section shows below its heading: text and tables in order, charts on top. */
export interface SectionContent {
  blocks: Block[];
  charts: ChartFigure[];
}

/** The vega-lite version every chart spec declares (the renderer is vega-lite 6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
