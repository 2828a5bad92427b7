import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromLocal } from '../src/clock/index.ts';
import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  VALIDATION_QUERIES_PER_HOUR,
} from '../src/norms/index.ts';
import { emitScenario, readForecastCsv, runForecast } from '../src/forecast/index.ts';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { runScenario } from '../src/run/runner.ts';
import { wallProfile } from '../src/scenario/index.ts';
import { BD, forecastOf, onlyHours, profilesOf } from './helpers/forecast-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const K6 = join(ROOT, '.tools', 'bin', 'k6');

describe('--emit-scenario: from the forecast to a load test', () => {
  it('emits the peak minutes as a constant load, within the wall budget and below the wall rate', async () => {
    // The shipped example's peak is DigiD on 1 March 2028 20:00 (tax filing): too much for a whole hour at ≤ 1,200 requests/s.
    const forecast = readForecastCsv(
      readFileSync(join(ROOT, 'scenarios/forecasts/example.csv'), 'utf8'),
      'scenarios/forecasts/example.csv',
      { kind: 'forecast' },
    );
    const r = runForecast({ forecast });
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-emit-'));
    const e = emitScenario(r, {
      name: 'peak-hour',
      window: 'hour',
      scenariosDir: dir,
      srcDir: SRC,
      wallBudgetSeconds: 50,
      maxWallRate: 1200,
      source: 'example.csv',
    });
    expect(e.simStart).toBeGreaterThanOrEqual(fromLocal(2028, 3, 1, 20));
    expect(e.simStart + e.simMinutes * 60_000).toBeLessThanOrEqual(fromLocal(2028, 3, 1, 21));
    expect(e.wallSeconds).toBeLessThanOrEqual(50);
    expect(e.peakWallRate).toBeLessThanOrEqual(1200);
    expect(e.notes[0]).toMatch(/covers its \d+ busiest minutes/);
    const [scenario] = await loadScenarios(dir, ['peak-hour']);
    expect(scenario!.clock).toMatchObject({
      start: expect.stringMatching(/^2028-03-01T20:\d\d:00\+01:00$/),
      speed: e.speed,
    });
    expect(scenario!.flows.map((f) => f.flow)).toEqual([
      'deliver-batch',
      'digid-authenticate',
      'machtigen-check',
      'validation-query',
    ]);
    // The k6 plan in wall time: the peak rate in requests/s and the duration the emitter promised.
    const wall = wallProfile(scenario!);
    expect(wall.durationMs / 1000).toBeCloseTo(e.wallSeconds, 6);
    expect(e.expected.find((x) => x.normId === DIGID_AUTHENTICATIONS_PER_MINUTE.id)).toMatchObject({ status: 'fail' });

    // The day as a day-curve: 24 hourly shares of the busiest hour, starting at local midnight.
    // A day of DigiD load cannot run in 50 s below 1,200 requests/s: the emitter refuses, with the wall time it would need.
    expect(() =>
      emitScenario(r, {
        name: 'peak-day',
        window: 'day',
        scenariosDir: dir,
        srcDir: SRC,
        wallBudgetSeconds: 50,
        maxWallRate: 1200,
        source: 'example.csv',
      }),
    ).toThrow(
      /--peak: day: 2028-03-01 peaks at [\d,.]+ requests per sim second; .* the speed can be at most \d+, so the day takes [\d,]+ s of wall time, over --wall-budget 50 s\. Use --peak hour/,
    );
    expect(existsSync(join(dir, 'peak-day.ts'))).toBe(false);
    const day = emitScenario(r, {
      name: 'peak-day',
      window: 'day',
      scenariosDir: dir,
      srcDir: SRC,
      wallBudgetSeconds: 14_400,
      maxWallRate: 1200,
      source: 'example.csv',
    });
    expect(day.wallSeconds).toBeLessThanOrEqual(14_400);
    const [dayScenario] = await loadScenarios(dir, ['peak-day']);
    expect(dayScenario!.clock.start).toBe('2028-03-01T00:00:00+01:00');
    const load = dayScenario!.load;
    if (load.kind !== 'day-curve') throw new Error(`expected a day-curve, got ${load.kind}`);
    const hourly = [...load.hourly];
    expect(hourly).toHaveLength(24);
    expect(Math.max(...hourly)).toBe(1);
    expect(hourly.indexOf(1)).toBe(20);
    // The day offers the forecast's letters of that day (the busiest day of the horizon), give or take the shares' rounding.
    const dayPeak = r.checks.rows.find((c) => c.normId === 'berichtenbox.messages-per-day')!;
    expect(dayPeak.peakAt).toBe(fromLocal(2028, 3, 1));
    const predicted = day.expected.find((x) => x.normId === 'berichtenbox.messages-per-day')!.predicted;
    expect(Math.abs(predicted - dayPeak.peak) / dayPeak.peak).toBeLessThan(1e-3);
    // The hour window offers its minutes' letters: 5 busiest minutes of an hour of about 141 letters a minute.
    const hourLetters = e.expected.find((x) => x.normId === 'berichtenbox.messages-per-hour')!;
    expect(hourLetters.predicted).toBeCloseTo(
      e.flows.find((f) => f.flow === 'deliver-batch')!.perMinute * e.simMinutes,
      1,
    );
  });

  it('the committed scenarios/forecast-peak.ts is what the shipped example emits', () => {
    const forecast = readForecastCsv(
      readFileSync(join(ROOT, 'scenarios/forecasts/example.csv'), 'utf8'),
      'scenarios/forecasts/example.csv',
      { kind: 'forecast' },
    );
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-committed-'));
    const e = emitScenario(runForecast({ forecast }), {
      name: 'forecast-peak',
      window: 'hour',
      scenariosDir: dir,
      srcDir: SRC,
      wallBudgetSeconds: 50,
      maxWallRate: 1200,
      source: 'scenarios/forecasts/example.csv',
    });
    const committed = join(ROOT, 'scenarios', 'forecast-peak.ts');
    expect(existsSync(committed)).toBe(true);
    const imports = (s: string): string =>
      s.replace(/from '[^']*\/(scenario|norms)\/index\.ts'/g, "from 'SRC/$1/index.ts'");
    expect(imports(readFileSync(committed, 'utf8'))).toBe(imports(e.source));
    expect(existsSync(join(ROOT, 'k6', 'forecast-peak.js'))).toBe(true);
  });

  it("runs with real k6 against the mock, and the verdict is the forecast's prediction", async () => {
    // 684,000 authentications (11,400 a minute), 30,000 Machtigen transactions (500 a minute) and 600
    // validation queries (10 a minute), all on Monday 1 March 2027 20:00-21:00.
    const forecast = forecastOf([{ month: '2027-03', ...BD, digid: 684_000, machtigen: 30_000, validation: 600 }]);
    const profiles = profilesOf({
      profiles: {
        'one-evening': {
          hourly: onlyHours(20),
          weekly: [1, 1, 1, 1, 1, 1, 1],
          periods: [{ from: '03-02', to: '03-31', factor: 0 }],
        },
      },
      assign: [{ afnemer: BD.oin, profile: 'one-evening' }],
    });
    const r = runForecast({ forecast, profiles });
    expect(r.checks.rows.find((c) => c.normId === DIGID_AUTHENTICATIONS_PER_MINUTE.id)).toMatchObject({
      peak: 11_400,
      status: 'fail',
    });
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-k6-'));
    // At most 800 requests/s and 30 s of wall time: the two busiest sim minutes at speed 4 (about 790 requests/s).
    const e = emitScenario(r, {
      name: 'forecast-k6-test',
      window: 'hour',
      scenariosDir: join(dir, 'scenarios'),
      srcDir: SRC,
      wallBudgetSeconds: 30,
      maxWallRate: 800,
      source: 'test',
    });
    expect({ speed: e.speed, minutes: e.simMinutes, start: e.simStart, wallSeconds: e.wallSeconds }).toEqual({
      speed: 4,
      minutes: 2,
      start: fromLocal(2027, 3, 1, 20),
      wallSeconds: 30,
    });
    expect(e.expected).toEqual([
      {
        normId: DIGID_AUTHENTICATIONS_PER_MINUTE.id,
        limit: DIGID_AUTHENTICATIONS_PER_MINUTE.limit,
        predicted: 11_400,
        status: 'fail',
      },
      {
        normId: MACHTIGEN_TRANSACTIONS_PER_MINUTE.id,
        limit: MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit,
        predicted: 500,
        status: 'pass',
      },
      {
        normId: VALIDATION_QUERIES_PER_HOUR.id,
        limit: VALIDATION_QUERIES_PER_HOUR.limit,
        predicted: 20,
        status: 'pass',
      },
    ]);
    const [scenario] = await loadScenarios(join(dir, 'scenarios'), ['forecast-k6-test']);
    const log: string[] = [];
    const result = await runScenario({
      scenario: scenario!,
      outDir: join(dir, 'results'),
      k6Path: K6,
      log: (l) => log.push(l),
    });
    expect(result.error, log.slice(-20).join('\n')).toBeUndefined();
    expect(result.exitCode, JSON.stringify(result.rows.map((x) => [x.normId, x.measured, x.status]))).toBe(1);
    for (const want of e.expected) {
      const row = result.rows.find((x) => x.normId === want.normId);
      expect(row?.status, want.normId).toBe(want.status);
      // The mock counts what k6 offered in its busiest sim minute (or hour): the forecast's figure, give or take k6's pacing.
      expect(
        Math.abs(row!.measured! - want.predicted) / want.predicted,
        `${want.normId} measured ${row!.measured}`,
      ).toBeLessThan(0.1);
    }
    expect(result.rows.filter((x) => x.status === 'fail').map((x) => x.normId)).toEqual([
      DIGID_AUTHENTICATIONS_PER_MINUTE.id,
    ]);
  }, 120_000);
});
