import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { SCREENSHOT_DIR, launchChromium } from './helpers/browser.ts';
import { BD, UWV, csv } from './helpers/forecast-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const EXAMPLE = 'scenarios/forecasts/example.csv';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/bbsim.js', 'forecast', ...args], {
      cwd: ROOT,
      timeout: 90_000,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bbsim forecast on the shipped example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-report-'));
  const out = join(dir, 'out');
  let result: { code: number; stdout: string; stderr: string };
  let browser: Browser | undefined;

  beforeAll(async () => {
    result = await cli(
      EXAMPLE,
      '--profiles',
      'scenarios/forecasts/example-profiles.json',
      '--actuals',
      'scenarios/forecasts/example-actuals.csv',
      '--trace',
      '2028-03-01T20:50',
      '--emit-scenario',
      '--scenarios',
      join(dir, 'scenarios'),
      '--out',
      out,
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('prints the summary, exits 0 with the scenario written (its expectBreaches carry the breaches) and writes JSON, CSV per hour and HTML', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /berichtenbox\.messages-per-hour\s+hour\s+150,000 letters\/hour\s+192,652\s+Wed 2028-03-01 20:00\s+−28\.4 %\s+174\/13,127\s+BREACH/,
    );
    expect(result.stdout).toContain('Where letters are when:');
    expect(result.stdout).toMatch(
      /the [\d,]+ letters offered at Wed 2028-03-01 20:50 are refused at first and admitted by 21:00/,
    );
    expect(result.stdout).toContain(
      'norms breached: berichtenbox.parked-per-second, digid.authentications-per-minute, berichtenbox.messages-per-hour, mijnoverheid.forecast-deviation',
    );
    const json = JSON.parse(readFileSync(join(out, 'forecast.json'), 'utf8')) as {
      breached: boolean;
      horizon: { months: number; hours: number; afnemers: number };
      checks: { normId: string; status: string }[];
      queues: { refusedFirstOffering: number; offered: number; processed: number };
      actuals: { failing: number };
      emittedScenario: { name: string };
      days: unknown[];
    };
    expect(json.breached).toBe(true);
    expect(json.horizon).toMatchObject({ months: 18, afnemers: 12 });
    expect(json.checks).toHaveLength(15);
    expect(json.queues.processed).toBeCloseTo(json.queues.offered, 3);
    expect(json.queues.refusedFirstOffering).toBeGreaterThan(0);
    expect(json.actuals.failing).toBe(2);
    expect(json.emittedScenario.name).toBe('example-peak');
    expect(json.days).toHaveLength(547);
    const hours = readFileSync(join(out, 'hours.csv'), 'utf8').trimEnd().split('\n');
    expect(hours).toHaveLength(json.horizon.hours + 1);
    expect(hours[0]).toMatch(/^hour_start,letters_offered,letters_offered_peak_minute,letters_refused,/);
    expect(hours[1]).toMatch(/^2027-01-01T00:00:00\+01:00,/);
    expect(existsSync(join(dir, 'scenarios', 'example-peak.ts'))).toBe(true);
  });

  it('renders a self-contained report in chromium: charts, heat map, tables, no console errors, nothing fetched', async () => {
    const page = await browser!.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    const fetched: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith('file:')) fetched.push(url);
      return url.startsWith('file:') ? route.continue() : route.abort();
    });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    await expect(page.title()).resolves.toMatch(/bbsim forecast/);
    expect((await page.locator('#verdict').textContent())?.trim()).toBe('norms breached');
    expect(await page.locator('#checks tbody tr').count()).toBe(15);
    expect(await page.locator('#checks tbody tr.fail').count()).toBe(3);
    // Load against the norm (8 charts) and queues (6), each an inline SVG with its line drawn.
    expect(await page.locator('figure.chart:not(.heat) svg').count()).toBe(14);
    expect(await page.locator('figure.chart:not(.heat) svg path.series').count()).toBe(14);
    expect(await page.locator('#chart-messages-hour svg line.norm').count()).toBe(1);
    expect(await page.locator('#chart-messages-hour svg circle.over').count()).toBeGreaterThan(0);
    // The line really has a point per day of the horizon: 547 path commands, and says so.
    const line = page.locator('#chart-messages-day path.series');
    expect((await line.getAttribute('d'))?.match(/[ML]/g)).toHaveLength(547);
    expect(await line.getAttribute('data-points')).toBe('547');
    // Heat map: 18 months × 24 hours, and rendered with a size.
    expect(await page.locator('#heatmap rect').count()).toBe(18 * 24);
    const box = await page.locator('#heatmap svg').boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    expect(await page.locator('#traces li').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#worst-hours tbody tr').count()).toBe(10);
    expect(await page.locator('#contributors tbody tr').count()).toBe(8);
    expect(await page.locator('#contributors tbody tr.fail').first().textContent()).toMatch(/Belastingdienst/);
    expect(await page.locator('#duties tbody tr').count()).toBe(12);
    expect(await page.locator('#deviations tbody tr').count()).toBe(2);
    expect(await page.locator('#emitted').textContent()).toContain('bbsim run example-peak');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'forecast-report.png'), fullPage: false });
    expect(errors).toEqual([]);
    expect(fetched).toEqual([]);
    await page.close();
  });
});

describe('bbsim forecast exit codes and help', () => {
  it('exits 0 when every norm holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-ok-'));
    const file = join(dir, 'small.csv');
    const rows = ['2027-01', '2027-02'].flatMap((month) => [
      { month, ...BD, messages: 100_000, notifications: 50_000, digid: 1000 },
      { month, ...UWV, messages: 20_000 },
    ]);
    writeFileSync(file, csv(rows));
    const r = await cli(file, '--out', join(dir, 'out'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every norm holds over the whole horizon');
    expect(r.stdout).toContain(
      'warning: the forecast covers 2 months (0.7 quarters); the SNO asks for a rolling forecast of 6 quarters',
    );
  });

  it('documents the columns, exit codes and examples in --help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('subscriptions_mutatiebasis');
    expect(r.stdout).toContain('Exit codes: 0 every norm holds, 1 a norm is breached, 2 bad input');
    expect(r.stdout).toContain(
      '$ bbsim forecast scenarios/forecasts/example.csv --emit-scenario && bbsim run example-peak',
    );
  });
});
