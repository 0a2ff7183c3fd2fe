/**
 * report.html in a real browser: `coldpath report` (the compiled CLI, so the
 * same path `coldpath run` takes) renders the fixtures, headless Chromium
 * opens the page from disk, and we check that every chart drew marks and that
 * the page asked the network for nothing. A screenshot is kept in
 * test/.artifacts/ for a human look. Needs Debian's `chromium`; never skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { chartData } from '../../src/reports/chart-data.js';
import { chartSpecs } from '../../src/reports/chart-specs.js';
import { readRun } from '../../src/results/store.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(PACKAGE_ROOT, 'test', '.artifacts');
const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');

let context: BrowserContext;
const scratch = mkdtempSync(join(tmpdir(), 'coldpath-report-html-'));

/** Renders a fixture's reports with the compiled CLI into a fresh directory. */
function renderWithCli(fixture: string): string {
  const out = join(scratch, fixture);
  execFileSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'coldpath.js'), 'report', join(FIXTURES, fixture), '--out', out], { stdio: 'pipe', timeout: 120_000 });
  return out;
}

interface PageCheck {
  requests: string[];
  charts: Array<{ id: string; svgs: number; marks: number; width: number; height: number }>;
  text: string;
}

async function openReport(dir: string, screenshot?: string): Promise<PageCheck> {
  const url = pathToFileURL(join(dir, 'report.html')).href;
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  // Anything but the page itself is refused (and recorded above): the report must not need it.
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  const charts = await page.$$eval('figure.chart', (figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      return {
        id: figure.id,
        svgs: figure.querySelectorAll('svg').length,
        // Vega draws every mark (lines, bars, symbols) as a path or a shape inside a mark group.
        marks: svg === null ? 0 : svg.querySelectorAll('g[class^="mark-"] path, g[class^="mark-"] rect, g[class^="mark-"] line').length,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
      };
    }),
  );
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's page API, not a DOM node: the rendered text is what a reader sees
  const text = await page.innerText('body');
  if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { requests, charts, text };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`report.html tests need headless Chromium at ${CHROMIUM}: install the Debian package \`chromium\` (apt-get install chromium). Do not run \`npx playwright install\`.`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'coldpath-chromium-')), {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('`coldpath report` writes every report file', () => {
    const files = readdirSync(renderWithCli('run-small'));
    for (const name of ['summary.csv', 'phases.csv', 'report.md', 'report.html', 'trace.json', 'eni.keepalive.hgrm', 'eni.coldstart-modeled.hgrm']) expect(files).toContain(name);
  });

  it('draws every chart as a non-empty SVG and makes no network request', async () => {
    const dir = join(scratch, 'run-small');
    const check = await openReport(dir, join(ARTIFACTS, 'report.png'));
    expect(check.requests).toEqual([pathToFileURL(join(dir, 'report.html')).href]);
    const expected = chartSpecs(chartData(readRun(join(FIXTURES, 'run-small')))).map((chart) => `chart-${chart.id}`);
    expect(check.charts.map((chart) => chart.id)).toEqual(expected);
    for (const chart of check.charts) {
      expect(chart.svgs, chart.id).toBe(1);
      expect(chart.marks, `${chart.id} has no marks`).toBeGreaterThan(0);
      expect(chart.width * chart.height, `${chart.id} has no area`).toBeGreaterThan(0);
    }
    expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
  });

  it('renders an aborted run, saying what is missing, still without network', async () => {
    const dir = renderWithCli('run-aborted');
    const check = await openReport(dir, join(ARTIFACTS, 'report-aborted.png'));
    expect(check.requests).toEqual([pathToFileURL(join(dir, 'report.html')).href]);
    expect(check.text).toContain('Missing from this run');
    expect(check.text).toContain('peering skipped (aborted: run interrupted before this path): nothing was measured.');
    for (const chart of check.charts) expect(chart.marks, chart.id).toBeGreaterThan(0);
  });
});
