import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { compareHtml, compareRuns, DEFAULT_BUDGETS, loadRuns } from '../src/compare/index.ts';
import { LatencyHistogram } from '../src/results/histogram.ts';
import { PRESENTATION_P999, DIGID_PROCESSING_TIME } from '../src/norms/index.ts';
import { createPrng, uniform } from '../src/random/index.ts';
import { renderRunReport } from '../src/report/run-report.ts';
import { verdictRows, writeResults } from '../src/run/index.ts';
import { requestsByService, type RunSummary, type TimelinePoint } from '../src/results/index.ts';
import { capacityStats } from './helpers/capacity-figures.ts';
import { launchChromium } from './helpers/browser.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-report-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A one-hour native-engine run, made up but shaped like a real one: a point per second for three
 * services, histograms per service and flow, and the verdict of its figures.
 */
function hourRun(name: string, seed: number, slowerMs = 0): { dir: string; summary: RunSummary } {
  const next = createPrng(seed);
  const services = ['digid', 'presentatie', 'digid-machtigen'];
  const timeline: TimelinePoint[] = [];
  const hist = new Map(services.map((s) => [s, new LatencyHistogram()]));
  for (let t = 0; t < 3600; t++) {
    for (const service of services) {
      const base = service === 'presentatie' ? 5 + slowerMs : 300;
      const xs = Array.from({ length: 20 }, () => base * (0.5 + uniform(next)) * (uniform(next) < 0.01 ? 4 : 1));
      for (const x of xs) hist.get(service)!.recordMs(x);
      xs.sort((a, b) => a - b);
      timeline.push({
        t,
        service,
        requests: 20,
        failed: uniform(next) < 0.01 ? 1 : 0,
        p50: xs[10]!,
        p95: xs[18]!,
        p99: xs[19]!,
        max: xs[19]!,
      });
    }
  }
  const trend = (h: LatencyHistogram): Record<string, number> => ({ ...h.trend() });
  const k6 = {
    metrics: {
      http_reqs: { values: { count: 216_000, rate: 60 } },
      [`http_req_duration{service:presentatie}`]: { values: trend(hist.get('presentatie')!) },
      [`http_req_duration{service:digid}`]: { values: trend(hist.get('digid')!) },
    },
  };
  const summary: RunSummary = {
    scenario: 'hour',
    runId: name,
    engine: 'native',
    target: 'mock',
    speed: 1,
    seconds: 3600,
    k6,
    timeline,
    server: { digid: { capacity: capacityStats('digid', [], 100) } },
    histograms: {
      service: Object.fromEntries([...hist.entries()].map(([k, h]) => [k, h.encode()])),
      flow: {
        'burger-reads:presentatie': hist.get('presentatie')!.encode(),
        'burger-reads:digid': hist.get('digid')!.encode(),
      },
    },
    context: {
      scenarioHash: '0123456789abcdef',
      bbsimVersion: '0.1.0',
      node: process.version,
      cores: 2,
      cpuModel: 'test',
      speed: 1,
      startedAt: new Date(0).toISOString(),
    },
  };
  const runDir = join(dir, name);
  mkdirSync(runDir, { recursive: true });
  writeResults(
    runDir,
    summary,
    verdictRows([PRESENTATION_P999.id, DIGID_PROCESSING_TIME.id], k6, summary.server, requestsByService(timeline)),
  );
  return { dir: runDir, summary };
}

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) errors.push(`network request ${r.url()}`);
  });
  await page.goto(`file://${file}`);
  return { page, errors };
}

async function chartsDrawn(page: Page): Promise<void> {
  const charts = await page.$$eval('figure.chart', (fs) =>
    fs.map((f) => ({
      points: Number(f.getAttribute('data-points')),
      paths: f.querySelectorAll('path.series').length,
      h: f.getBoundingClientRect().height,
      w: f.getBoundingClientRect().width,
    })),
  );
  expect(charts.length).toBeGreaterThanOrEqual(4);
  for (const c of charts) {
    expect(c.points).toBeGreaterThan(0);
    expect(c.paths).toBeGreaterThan(0);
    expect(c.h).toBeGreaterThan(150);
    // Readable on a laptop: two charts side by side at most, none wider than the screen.
    expect(c.w).toBeGreaterThan(400);
    expect(c.w).toBeLessThan(1366);
  }
}

describe('reports in a real browser (Debian chromium)', () => {
  it('report.html of a one-hour run: under 2 MB, offline, every chart drawn, the table is verdict.json', async () => {
    const run = hourRun('hour-a', 1);
    const file = join(run.dir, 'report.html');
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    expect(statSync(join(run.dir, 'summary.json')).size).toBeLessThan(2 * 1024 * 1024);
    const { page, errors } = await open(file);
    await chartsDrawn(page);
    const verdict = JSON.parse(readFileSync(join(run.dir, 'verdict.json'), 'utf8')) as {
      rows: { normId: string; status: string }[];
    };
    const table = await page.$$eval('table.verdict tbody tr', (trs) =>
      trs.map((tr) => ({ norm: tr.getAttribute('data-norm'), status: tr.querySelector('td.status')?.textContent })),
    );
    expect(table).toEqual(
      verdict.rows.map((r) => ({
        norm: r.normId,
        status: r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'n/a',
      })),
    );
    await page.screenshot({ path: join(run.dir, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the compare page: both runs overlaid, every chart drawn, the regression table, no console errors', async () => {
    const a = hourRun('hour-b', 2);
    const b = hourRun('hour-c', 3, 20);
    const baseline = loadRuns(a.dir);
    const current = loadRuns(b.dir);
    const result = compareRuns(baseline, current, DEFAULT_BUDGETS, { baseline: a.dir, current: b.dir });
    expect(
      result.figures.find((f) => f.scope === 'service' && f.name === 'presentatie' && f.figure === 'p50')?.verdict,
    ).toBe('regression');
    const file = join(dir, 'compare.html');
    writeFileSync(file, compareHtml(result, baseline, current));
    expect(statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    const { page, errors } = await open(file);
    await chartsDrawn(page);
    // Each overlay chart carries a baseline (dashed) and a current line.
    const overlays = await page.$$eval('figure.chart', (fs) =>
      fs.map((f) => [...f.querySelectorAll('path.series')].map((p) => p.getAttribute('stroke-dasharray') !== null)),
    );
    for (const o of overlays) expect(o).toEqual([true, false]);
    expect(await page.textContent('#outcome')).toMatch(/\d+ regression/);
    const rows = await page.$$eval('tr.regression', (trs) => trs.length);
    expect(rows).toBe(result.regressions);
    await page.screenshot({ path: join(dir, 'compare.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('`bbsim report <run> --screenshot` renders the report again and saves report.png with the run', async () => {
    const run = hourRun('hour-d', 4);
    rmSync(join(run.dir, 'report.html'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin', 'bbsim.js'), 'report', run.dir, '--screenshot'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(stdout).toContain('report.png');
    expect(existsSync(join(run.dir, 'report.html'))).toBe(true);
    expect(statSync(join(run.dir, 'report.png')).size).toBeGreaterThan(10_000);
    expect(renderRunReport(run.summary, [])).toContain('<svg');
  }, 60_000);
});
