import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromLocal } from '../src/clock/index.ts';
import { emitScenarioSet, runForecast } from '../src/forecast/index.ts';
import { BD, forecastOf, onlyHours, profilesOf } from './helpers/forecast-fixtures.ts';
import { expectedFails, predictedOf, runSet } from './helpers/forecast-replay.ts';

const ROOT = resolve(import.meta.dirname, '..');
const oneDay = (hour: number) => ({
  hourly: onlyHours(hour),
  weekly: [1, 1, 1, 1, 1, 1, 1],
  periods: [{ from: '03-02', to: '03-31', factor: 0 }],
});

// About 60 s: 156,000 letters through the mock at 3,000 a wall second (a per-hour count of 125,000 cannot be shown with fewer).
describe('every predicted breach is replayable: a notification hour', () => {
  it('a notification hour over 125,000: the whole hour of letters replayed, its notifications breached and nothing else', async () => {
    // The Belastingdienst's 140,000 notifying letters on Monday 1 March 2027 20:00-21:00: within the 150,000 letters an
    // hour and the 45/s parking, over the 125,000 notifications an hour.
    const forecast = forecastOf([{ month: '2027-03', ...BD, messages: 140_000, notifications: 140_000 }]);
    const profiles = profilesOf({
      profiles: { 'one-evening': oneDay(20) },
      assign: [{ afnemer: BD.oin, profile: 'one-evening' }],
    });
    const r = runForecast({ forecast, profiles });
    const predicted = predictedOf(r);
    expect(predicted).toEqual(['notificaties.per-hour']);
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-notif-'));
    // At most 3,000 letters a wall second (batches of 500; a busy 2-core machine takes about 4,500): the hour in about
    // 47 s, from 5 s before it (k6's start-up lag). Faster, a loaded mock falls behind and k6 bunches its batches.
    const e = emitScenarioSet(r, {
      name: 'bd',
      window: 'hour',
      scenariosDir: join(dir, 'scenarios'),
      srcDir: join(ROOT, 'src'),
      wallBudgetSeconds: 50,
      maxWallRate: 1200,
      maxWallLetters: 3000,
      source: 'test',
    });
    expect(e.more).toBeUndefined();
    expect(e.simStart).toBeLessThan(fromLocal(2027, 3, 1, 20));
    expect(e.source).toContain('batchSize: 500');
    expect(e.source).toContain("expectBreaches: ['notificaties.per-hour']");
    expect(e.expected.find((x) => x.normId === 'notificaties.per-hour')).toMatchObject({
      predicted: 140_000,
      status: 'fail',
    });
    expect(expectedFails(e)).toEqual(predicted);
    const runs = await runSet(e, dir);
    expect(runs[0]!.failed, runs[0]!.rows).toEqual(predicted);
    const measured = (JSON.parse(runs[0]!.rows) as [string, number, string][]).find(
      ([id]) => id === 'notificaties.per-hour',
    )![1];
    // The mock enqueues a notification per processed letter: the forecast's 140,000, give or take k6's pacing.
    expect(Math.abs(measured - 140_000) / 140_000, `notifications measured ${measured}`).toBeLessThan(0.08);
  }, 150_000);
});
