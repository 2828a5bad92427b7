import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { renderRunReport } from '../src/report/run-report.ts';
import { summaryClock } from '../src/run/index.ts';
import type { RunSummary, TimelinePoint } from '../src/results/index.ts';
import { defineScenario, hours } from '../src/scenario/index.ts';
import { perMinute } from '../src/norms/index.ts';
import { launchChromium } from './helpers/browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-sim-axis-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * 00:00–05:00 at speed 600 (30 s of wall time), then 05:00–06:00 at speed 60 (60 s): on a wall
 * axis 05:00 sits a third of the way along, on the sim axis five sixths.
 */
const scenario = defineScenario({
  name: 'two-speeds',
  description: 'a fast night, a slow morning',
  clock: { start: '2027-03-01T00:00:00+01:00', schedule: [{ speed: 600 }, { from: hours(5), speed: 60 }] },
  flows: [{ flow: 'digid-authenticate' }],
  load: { kind: 'constant', rate: perMinute(60), duration: '6h' },
});

function summaryOf(clock: Pick<RunSummary, 'clock'>): RunSummary {
  const timeline: TimelinePoint[] = [];
  for (let t = 0; t <= 90; t++)
    timeline.push({ t, service: 'digid', requests: 10, failed: 0, p50: 300, p95: 500, p99: 700, max: 900 });
  return {
    scenario: scenario.name,
    runId: 'r',
    engine: 'native',
    target: 'mock',
    speed: 600,
    seconds: 91,
    k6: { metrics: {} },
    timeline,
    server: {},
    ...clock,
  };
}

async function axisOf(html: string, name: string) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`file://${file}`);
  const figure = page.locator('figure.chart').first();
  const read = await figure.evaluate((f) => ({
    label: f.querySelector('text.label')?.textContent ?? '',
    ticks: [...f.querySelectorAll('text.tick[text-anchor="middle"]')].map((t) => ({
      text: t.textContent ?? '',
      x: t.getBoundingClientRect().x + t.getBoundingClientRect().width / 2,
    })),
    marks: [...f.querySelectorAll('line.mark')].map((m) => ({
      label: m.getAttribute('data-label'),
      x: m.getBoundingClientRect().x,
    })),
    axis: (() => {
      const r = f.querySelectorAll('line.axis')[1]!.getBoundingClientRect();
      return { x0: r.x, x1: r.x + r.width };
    })(),
  }));
  const context = await page.locator('dl.context').innerText();
  await page.close();
  return { ...read, context };
}

describe('the run report under a speed schedule (Debian chromium)', () => {
  it('draws its timelines in sim time, labelled so, with the speed segments marked', async () => {
    const clock = summaryClock(scenario);
    expect(clock.clock?.schedule).toEqual([
      { from: 0, speed: 600 },
      { from: 5 * 3_600_000, speed: 60 },
    ]);
    const a = await axisOf(renderRunReport(summaryOf(clock), []), 'sim');
    expect(a.label).toMatch(/^sim time/);
    expect(a.ticks.map((t) => t.text)).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00', '05:00', '06:00']);
    expect(a.marks.map((m) => m.label)).toEqual(['speed 600', 'speed 60']);
    // The mark where speed 60 starts is on the 05:00 tick, five sixths along the axis (a wall axis puts it at a third).
    const five = a.ticks.find((t) => t.text === '05:00')!;
    const mark = a.marks[1]!;
    expect(Math.abs(mark.x - five.x)).toBeLessThan(2);
    expect((mark.x - a.axis.x0) / (a.axis.x1 - a.axis.x0)).toBeCloseTo(5 / 6, 2);
    expect(a.context).toMatch(/speed schedule \(sim\)\s+00:00 ×600, 05:00 ×60/);
  });

  it('one speed keeps wall seconds', async () => {
    const a = await axisOf(renderRunReport(summaryOf({}), []), 'wall');
    expect(a.label).toBe('wall time since start (s)');
    expect(a.marks).toEqual([]);
    expect(a.ticks.map((t) => Number(t.text)).every((n) => Number.isFinite(n) && n <= 90)).toBe(true);
  });
});
