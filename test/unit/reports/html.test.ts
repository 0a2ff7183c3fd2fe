import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chartData } from '../../../src/reports/chart-data.js';
import { chartSpecs } from '../../../src/reports/chart-specs.js';
import { escapeHtml, htmlReport } from '../../../src/reports/html.js';
import { missingData } from '../../../src/reports/completeness.js';
import { writeReports } from '../../../src/reports/write.js';
import { loadRun } from './helpers.js';

/** What is left of the page once links a reader may click and the SVG namespaces are taken out. */
const withoutLinksAndNamespaces = (html: string): string => html.replace(/<a href="https?:\/\/[^"]+">[^<]*<\/a>/g, '').replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]+"/g, '');

describe('report.html', () => {
  const small = loadRun('run-small');
  let rendered: Promise<string> | undefined;
  const page = (): Promise<string> => (rendered ??= htmlReport(small));

  it('holds one figure with an inline SVG per chart spec', async () => {
    const html = await page();
    for (const chart of chartSpecs(chartData(small))) {
      expect(html, chart.id).toMatch(new RegExp(`<figure class="chart" id="chart-${chart.id}"><figcaption>.*?</figcaption><svg `));
    }
  });

  it('is self-contained: no script, stylesheet link, image, font or fetchable URL, and a CSP that forbids them', async () => {
    const html = await page();
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    for (const forbidden of ['<script', '<link', '<img', '<iframe', '@import', '@font-face', 'src=']) expect(html).not.toContain(forbidden);
    expect(withoutLinksAndNamespaces(html)).not.toMatch(/https?:\/\//);
  });

  it('holds the verdict, the tables, the environment and the resolved scenario', async () => {
    const html = await page();
    for (const text of [
      'Verdict',
      'Cold path per instance',
      'Cost per request over baseline',
      'ENI as bursts grow',
      'Cold start per path',
      'Path cost over baseline',
      'Repetitions',
      'All figures (µs)',
      'Environment',
      'Resolved scenario',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain(small.fingerprint.gitSha);
    expect(html).toContain('firstRequestTimeoutMs: 10000');
  });

  it('is the same on every render', async () => {
    expect(await htmlReport(small)).toBe(await page());
  });

  it('says plainly what an aborted run is missing', async () => {
    const aborted = loadRun('run-aborted');
    const html = await htmlReport(aborted);
    expect(html).toContain('<aside class="missing"><h2>Missing from this run</h2>');
    for (const gap of missingData(aborted)) expect(html).toContain(`<li>${escapeHtml(gap.text)}</li>`);
    expect(html).toContain('gre-proxy skipped (aborted: run interrupted before this path)');
  });

  it('escapes text that comes from the run', async () => {
    const run = loadRun('run-aborted');
    run.notes = ['<script>alert(1)</script> & "quoted"'];
    const html = await htmlReport(run);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quoted&#34;');
  });
});

describe('writeReports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coldpath-reports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every report file of a run', async () => {
    const written = await writeReports(loadRun('run-aborted'), dir);
    const files = readdirSync(dir).sort();
    expect(files).toEqual([...written].sort());
    for (const name of ['summary.csv', 'phases.csv', 'report.md', 'report.html', 'trace.json', 'eni.coldstart-modeled.hgrm']) expect(files).toContain(name);
  });
});
