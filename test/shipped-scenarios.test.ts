import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { NORMS } from '../src/norms/index.ts';
import { runScenario } from '../src/run/index.ts';
import type { RunSummary, VerdictRow } from '../src/results/index.ts';
import { scenarioWallMs, type Scenario } from '../src/scenario/index.ts';
import { launchChromium } from './helpers/browser.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const SHIPPED = [
  'smoke',
  'digid-peak',
  'intake-burst',
  'bulk-hour',
  'presentation-p999',
  'validation-hour',
  'subscription-night',
  'notifications-day',
  'tax-filing-evening',
  'peak-day',
];
/** Whole sim days, minutes of wall time: their shortened variants run in test/peak-day.test.ts, the whole day in bench/peak-day. */
const LONG = new Set(['peak-day']);
const out = mkdtempSync(join(tmpdir(), 'bbsim-shipped-'));
let scenarios: Scenario[];
let browser: Browser | undefined;

beforeAll(async () => {
  scenarios = await loadScenarios(join(ROOT, 'scenarios'), []);
});
afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('shipped scenarios', () => {
  it('every scenario the issue names is shipped, with its k6 script, and runs in under a minute of wall time', async () => {
    const names = scenarios.map((s) => s.name).filter((n) => !n.startsWith('forecast-'));
    expect(names.sort()).toEqual([...SHIPPED].sort());
    for (const s of scenarios) {
      if (!LONG.has(s.name)) expect(scenarioWallMs(s), s.name).toBeLessThan(55_000);
      // The committed script is valid for the real k6 (freshness is `bbsim generate --check` in CI).
      const { stdout } = await promisify(execFile)(K6, ['inspect', join(ROOT, 'k6', `${s.name}.js`)], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const inspected = JSON.parse(stdout) as { scenarios?: Record<string, { executor: string }> };
      expect(
        Object.values(inspected.scenarios ?? {}).every((x) => x.executor === 'ramping-arrival-rate'),
        s.name,
      ).toBe(true);
    }
  }, 120_000);

  it('the committed k6 scripts type-check against @types/k6', async () => {
    const r = await promisify(execFile)('npx', ['tsc', '-p', join(ROOT, 'k6', 'tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    // And the check can fail: a script calling a k6 API wrongly is refused.
    const dir = mkdtempSync(join(ROOT, 'k6', '.tmp-typecheck-'));
    try {
      copyFileSync(join(ROOT, 'k6', 'tsconfig.json'), join(dir, 'tsconfig.json'));
      const bad = "import http from 'k6/http';\nexport default function () { http.get(42, { tags: 'x' }); }\n";
      await import('node:fs').then((fs) => fs.writeFileSync(join(dir, 'bad.js'), bad));
      const b = await promisify(execFile)('npx', ['tsc', '-p', join(dir, 'tsconfig.json')], {
        cwd: ROOT,
        encoding: 'utf8',
      }).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      expect(b).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  // Each shipped scenario (smoke runs in the quick-start test) against a fresh mock with real k6.
  // Norms judged in sim time by the mock (capacity, processing, lead times) must come out exactly as
  // designed. Latency norms are wall time and depend on how busy this machine is (CI runs other test
  // files beside this one), so they are held to their norm only where the load is light
  // (presentation-p999); elsewhere they must at least be measured.
  for (const name of SHIPPED.filter((n) => n !== 'smoke' && !LONG.has(n))) {
    it(`${name}: the verdict breaches exactly the norms it is designed to breach`, async () => {
      const scenario = scenarios.find((s) => s.name === name)!;
      const t0 = performance.now();
      const result = await runScenario({ scenario, outDir: out, k6Path: K6, log: () => undefined });
      expect(result.exitCode, result.error).not.toBe(2);
      const latency = new Set(NORMS.filter((n) => n.quantity === 'latency').map((n) => n.id));
      const judged = name === 'presentation-p999' ? result.rows : result.rows.filter((r) => !latency.has(r.normId));
      const failed = judged.filter((r) => r.status === 'fail').map((r) => `${r.normId} (${r.measured})`);
      expect(failed.map((f) => f.split(' ')[0]).sort(), failed.join(', ')).toEqual([...scenario.expectBreaches].sort());
      for (const r of result.rows.filter((x) => latency.has(x.normId))) expect(r.measured, r.normId).toBeGreaterThan(0);
      expect(performance.now() - t0).toBeLessThan(90_000);
      const summary = JSON.parse(readFileSync(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
      expect(summary.timeline.length).toBeGreaterThan(10);
      // A busy machine may cost k6 a few iterations; more than 2 % would change what was offered.
      const iterations = summary.k6.metrics['iterations']?.values['count'] ?? 0;
      expect(summary.k6.metrics['dropped_iterations']?.values['count'] ?? 0).toBeLessThanOrEqual(iterations * 0.02);
      if (name === 'tax-filing-evening') await checkReportInBrowser(result.dir, result.rows);
    }, 150_000);
  }
});

/** report.html in Debian's chromium: every chart drawn with data, no console errors, the table = verdict.json. */
async function checkReportInBrowser(dir: string, rows: readonly VerdictRow[]): Promise<void> {
  browser ??= await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) errors.push(`network request ${r.url()}`);
  });
  await page.goto(`file://${join(dir, 'report.html')}`);
  const charts = await page.$$eval('figure.chart', (fs) =>
    fs.map((f) => ({
      points: Number(f.getAttribute('data-points')),
      paths: f.querySelectorAll('path.series').length,
      box: f.getBoundingClientRect().height,
    })),
  );
  expect(charts.length).toBeGreaterThanOrEqual(5); // latency for digid, presentatie, machtigen + throughput + failures
  for (const c of charts) {
    expect(c.points).toBeGreaterThan(0);
    expect(c.paths).toBeGreaterThan(0);
    expect(c.box).toBeGreaterThan(100);
  }
  const table = await page.$$eval('table.verdict tbody tr', (trs) =>
    trs.map((tr) => ({ norm: tr.getAttribute('data-norm'), status: tr.querySelector('td.status')?.textContent })),
  );
  expect(table).toEqual(
    rows.map((r) => ({ norm: r.normId, status: r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'n/a' })),
  );
  const verdict = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8')) as { rows: VerdictRow[] };
  expect(table.map((t) => t.norm)).toEqual(verdict.rows.map((r) => r.normId));
  expect(await page.textContent('#outcome')).toContain(
    rows.some((r) => r.status === 'fail') ? 'Norm breached' : 'Every checked norm holds',
  );
  await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  expect(readdirSync(dir)).toContain('report.png');
  expect(errors).toEqual([]);
  await page.close();
}
