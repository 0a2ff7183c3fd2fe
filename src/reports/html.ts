/**
 * report.html: one self-contained page (inline CSS and SVG; no script, font
 * or request of any kind, enforced by its Content-Security-Policy) that a
 * reviewer can attach to a design document. Everything on it is rendered
 * from run.json; the only times on it are the run's own.
 */
import { stringify as toYaml } from 'yaml';
import type { AgentClock, RunResult } from '../results/types.js';
import { chartData } from './chart-data.js';
import { chartSpecs, type ChartSection, type ChartSpec } from './chart-specs.js';
import { missingData } from './completeness.js';
import { EXPERIMENTS_HEADING, experimentSections } from './experiments.js';
import { environmentLine, runHeadline } from './headline.js';
import { otherMachines } from '../results/machines.js';
import { HTML_STYLE } from './html-style.js';
import { runSummaries } from './summaries.js';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './render-svg.js';
import { burstTable, coldStartTable, figureColumns, metricTable, modelTable, pathCostTable, repetitionsTable, resourcesTable, warmTable, type Table } from './tables.js';
import { computeVerdict, verdictContext } from './verdict.js';
import { verdictLines } from './verdict-text.js';

export async function htmlReport(run: RunResult): Promise<string> {
  const paths = runSummaries(run);
  const charts = chartSpecs(chartData(run));
  // One at a time, in order: the page comes out the same on every render.
  const figures = new Map<string, string>();
  for (const chart of charts) figures.set(chart.id, figure(chart, await renderSvg(chart.spec, `chart-${chart.id}`)));
  const section = (name: ChartSection, empty: string): string => {
    const html = charts.filter((chart) => chart.section === name).map((chart) => figures.get(chart.id) ?? '');
    return html.length > 0 ? html.join('\n') : `<p class="empty">${escapeHtml(empty)}</p>`;
  };
  const gaps = missingData(run);
  const body = [
    `<header><h1>coldpath run ${escapeHtml(run.runId)} <span class="outcome ${escapeHtml(run.outcome)}">${escapeHtml(run.outcome)}</span></h1>`,
    `<p>${escapeHtml(runHeadline(run))}</p><p class="env">${escapeHtml(environmentLine(run))}</p></header>`,
    gaps.length > 0 ? `<aside class="missing"><h2>Missing from this run</h2><ul>${gaps.map((gap) => `<li>${escapeHtml(gap.text)}</li>`).join('')}</ul></aside>` : '',
    ...run.notes.map((note) => `<aside class="note"><strong>Note:</strong> ${escapeHtml(note)}</aside>`),
    '<section id="verdict"><h2>Verdict</h2><ul>',
    ...verdictLines(computeVerdict(paths, verdictContext(run))).map((line) => `<li><strong>${escapeHtml(line.topic)}:</strong> ${escapeHtml(line.text)}</li>`),
    '</ul></section>',
    `<section id="cold-start"><h2>Cold start</h2>${section('cold-start', 'No instance completed a cold start.')}${tableHtml(coldStartTable(paths))}</section>`,
    `<section id="bursts"><h2>Bursts</h2>${section('bursts', 'No burst was measured.')}${tableHtml(burstTable(paths))}</section>`,
    `<section id="path-cost">${tableHtml(pathCostTable(run), 'h2')}</section>`,
    `<section id="warm"><h2>Warm requests</h2>${section('warm', 'No warm request was measured.')}${tableHtml(warmTable(paths))}</section>`,
    `<section id="resources"><h2>Resources</h2>${section('resources', 'No burst recorded its resources.')}${tableHtml(resourcesTable(paths))}</section>`,
    await experimentsHtml(run),
    `<section id="repetitions">${tableHtml(repetitionsTable(run), 'h2')}</section>`,
    `<section id="figures">${tableHtml(metricTable(run), 'h2')}</section>`,
    `<section id="model">${tableHtml(modelTable(run), 'h2')}</section>`,
    `<section id="environment"><h2>Environment</h2>${environmentHtml(run)}</section>`,
    `<section id="scenario"><h2>Resolved scenario</h2><p>From <code>${escapeHtml(run.scenarioSource)}</code>, every default filled in, as the run used it.</p><pre>${escapeHtml(toYaml(run.scenario))}</pre></section>`,
    `<footer>Measured with coldpath ${escapeHtml(run.fingerprint.coldpath)}; rendered from its run.json (schema ${escapeHtml(run.schema)} v${run.schemaVersion}). Exact values: summary.csv, phases.csv, *.hgrm; per-instance timelines: trace.json (open in Perfetto).</footer>`,
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Self-containment is enforced, not just intended: the browser refuses any fetch this page would make.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>coldpath ${escapeHtml(run.runId)} (${escapeHtml(run.outcome)})</title>`,
    `<style>${HTML_STYLE}</style></head>`,
    `<body>${body.filter((part) => part !== '').join('\n')}</body></html>`,
    '',
  ].join('\n');
}

/** The proxy-operations experiments: per experiment its outcome, charts, text and tables, and notes. */
async function experimentsHtml(run: RunResult): Promise<string> {
  const sections = experimentSections(run);
  if (sections.length === 0) return '';
  const parts: string[] = [];
  let chartIndex = 0;
  for (const section of sections) {
    parts.push(`<h3>${escapeHtml(section.title)} <span class="outcome ${escapeHtml(section.outcome)}">${escapeHtml(section.outcome)}</span></h3>`);
    if (section.problem !== undefined) parts.push(`<aside class="note">${escapeHtml(section.problem)}</aside>`);
    for (const chart of section.charts) {
      const svg = await renderSvg(chart.spec as TopLevelSpec, `experiment-${chartIndex++}`);
      parts.push(`<figure class="chart"><figcaption><strong>${escapeHtml(chart.title)}</strong></figcaption>${svg}</figure>`);
    }
    for (const block of section.blocks) parts.push(block.type === 'text' ? `<p>${linkify(escapeHtml(block.text))}</p>` : tableHtml(block.table, 'h4'));
    if (section.notes.length > 0) parts.push(`<ul>${section.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`);
  }
  return `<section id="experiments"><h2>${EXPERIMENTS_HEADING}</h2>${parts.join('\n')}</section>`;
}

function figure(chart: ChartSpec, svg: string): string {
  return `<figure class="chart" id="chart-${escapeHtml(chart.id)}"><figcaption><strong>${escapeHtml(chart.title)}</strong> ${escapeHtml(chart.caption)}</figcaption>${svg}</figure>`;
}

/** A table under its own heading: h3 inside a section, h2 when it is the section. */
function tableHtml(table: Table, heading: 'h2' | 'h3' | 'h4' = 'h3'): string {
  if (table.rows.length === 0) return '';
  const numeric = figureColumns(table);
  const cell = (tag: 'th' | 'td', text: string, index: number): string => `<${tag}${numeric[index] === true ? ' class="num"' : ''}>${linkify(escapeHtml(text))}</${tag}>`;
  return [
    `<${heading}>${escapeHtml(table.title)}</${heading}>`,
    `<p class="note">${escapeHtml(table.note)}</p>`,
    `<table><thead><tr>${table.header.map((text, i) => cell('th', text, i)).join('')}</tr></thead>`,
    `<tbody>${table.rows.map((row) => `<tr>${row.map((text, i) => cell('td', text, i)).join('')}</tr>`).join('\n')}</tbody></table>`,
  ].join('');
}

function environmentHtml(run: RunResult): string {
  const f = run.fingerprint;
  const rows: Array<[string, string]> = [
    ['host', f.hostname],
    ['kernel', f.kernel],
    ['os', f.os],
    ['cpu', `${f.cpuModel} × ${f.cpuCount}`],
    [
      'cpu placement',
      `${f.cpuPlacement.placement}; probes [${f.cpuPlacement.probes.join(', ')}], services [${f.cpuPlacement.services.join(', ')}], burst probes [${f.cpuPlacement.burstProbes.join(', ')}]`,
    ],
    ['clock', f.clock],
    ['node', f.node],
    ['iproute2', f.iproute2],
    ['nft', f.nft],
    [
      'tunnels the kernel has',
      Object.entries(f.tunnelSupport)
        .map(([name, ok]) => `${name} ${ok ? 'yes' : 'no'}`)
        .join(', '),
    ],
    ['tunnel used', run.tunnel === null ? 'none' : `${run.tunnel.used} (asked ${run.tunnel.requested}): ${run.tunnel.reason}`],
    ['coldpath', `${f.coldpath}, git ${f.gitSha}`],
    // A run across machines: each other machine as its agent described it (the rows above are the coordinator's).
    ...otherMachines(run).map((agent): [string, string] => [`machine ${agent.host}`, machineDetail(agent)]),
    ['command', run.command.join(' ')],
    ['run', `${run.runId} (tag ${run.tag}), ${run.startedAt} → ${run.finishedAt}`],
  ];
  return `<table class="kv"><tbody>${rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</tbody></table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Table cells cite sources as `<https://…>`; a link is only followed if the reader clicks it. */
function linkify(escaped: string): string {
  return escaped.replace(/&#60;(https?:\/\/[^\s&]+)&#62;/g, (_, url: string) => `<a href="${url}">${url}</a>`);
}

/** Everything run.json says of one agent's machine. */
function machineDetail(agent: AgentClock): string {
  const m = agent.machine;
  const parts = [agent.hostname, agent.kernel === undefined ? undefined : `kernel ${agent.kernel}`, agent.coldpath === undefined ? undefined : `coldpath ${agent.coldpath}`];
  if (m !== undefined) parts.push(m.os, `${m.cpuModel} × ${m.cpuCount}`, `node ${m.node}`, m.iproute2, m.nft, `sockperf ${m.sockperf}`);
  return parts.filter((part) => part !== undefined).join('; ');
}
