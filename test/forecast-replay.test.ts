import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromLocal } from '../src/clock/index.ts';
import { emitScenarioSet, runForecast } from '../src/forecast/index.ts';
import { BD, UWV, forecastOf, onlyHours, profilesOf } from './helpers/forecast-fixtures.ts';
import { expectedFails, predictedOf, runSet, setOf } from './helpers/forecast-replay.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SVB = { oin: '00000001002220647000', naam: 'SVB' } as const;
const oneDay = (hour: number) => ({
  hourly: onlyHours(hour),
  weekly: [1, 1, 1, 1, 1, 1, 1],
  periods: [{ from: '03-02', to: '03-31', factor: 0 }],
});

describe('every predicted breach is replayable: the runs of the emitted set fail exactly what the forecast predicts', () => {
  it('a subscription night over its quota: its night replayed, the quota and the lead time of the requests over it breached', async () => {
    // SVB asks 186 BSN lists a night in March 2027 (the night-window profile): 150 a night is the norm.
    const r = runForecast({ forecast: forecastOf([{ month: '2027-03', ...SVB, bsnLijst: 186 * 31 }]) });
    const predicted = predictedOf(r);
    expect(predicted).toEqual(['abonnementservice.lead-time', 'abonnementservice.night-bsn-lijst']);
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-night-'));
    const e = emitScenarioSet(r, {
      name: 'svb',
      window: 'hour',
      scenariosDir: join(dir, 'scenarios'),
      srcDir: join(ROOT, 'src'),
      wallBudgetSeconds: 8,
      maxWallRate: 1200,
      source: 'test',
    });
    const night = e.more?.find((x) => x.name === 'svb-abonnementservice-night-bsn-lijst');
    expect(night, e.notes.join('\n')).toBeDefined();
    const peakNight = r.checks.rows.find((c) => c.normId === 'abonnementservice.night-bsn-lijst')!;
    expect(night!.simStart).toBe(peakNight.peakAt);
    expect(night!.expected.find((x) => x.normId === 'abonnementservice.night-bsn-lijst')).toMatchObject({
      predicted: peakNight.peak,
      status: 'fail',
    });
    expect(night!.source).toContain(
      "expectBreaches: ['abonnementservice.night-bsn-lijst', 'abonnementservice.lead-time']",
    );
    // The set expects exactly what the forecast predicts, and names nothing as left out.
    expect([...new Set(setOf(e).flatMap(expectedFails))].sort()).toEqual(predicted);
    expect(e.notes.filter((n) => /not replayed|not reached|does not predict/.test(n))).toEqual([]);
    const runs = await runSet(e, dir);
    for (const run of runs)
      expect(run.failed, `${run.name}: ${run.rows}`).toEqual(expectedFails(setOf(e).find((x) => x.name === run.name)!));
    expect([...new Set(runs.flatMap((x) => x.failed))].sort()).toEqual(predicted);
  }, 90_000);
});

describe('the set names a scenario per peak it replays and says what no short run can show', () => {
  it('a notification peak away from the peak hour gets its own whole hour of letters; a day of letters over 2.5 million is named with the wall time it needs', () => {
    // DigiD peaks on 1 March 20:00 (the peak hour); UWV's 130,000 notifying letters come at 09:00 on 2 March; the
    // Belastingdienst offers 2,600,000 letters on 3 March 00:00-24:00 (its own profile).
    const forecast = forecastOf([
      { month: '2027-03', ...BD, digid: 11_000 * 60, messages: 2_600_000 },
      { month: '2027-03', ...UWV, messages: 130_000, notifications: 130_000 },
    ]);
    const only = (day: string, hours: number[]) => ({
      hourly: onlyHours(...hours),
      weekly: [1, 1, 1, 1, 1, 1, 1],
      periods: [
        { from: '03-01', to: `03-${String(Number(day) - 1).padStart(2, '0')}`, factor: 0 },
        { from: `03-${String(Number(day) + 1).padStart(2, '0')}`, to: '03-31', factor: 0 },
      ],
    });
    const profiles = profilesOf({
      profiles: {
        'bd-digid': oneDay(20),
        'bd-day': only(
          '03',
          Array.from({ length: 24 }, (_, i) => i),
        ),
        'uwv-morning': only('02', [9]),
      },
      assign: [
        { afnemer: BD.oin, service: 'digid', profile: 'bd-digid' },
        { afnemer: BD.oin, service: 'messages', profile: 'bd-day' },
        { afnemer: UWV.oin, profile: 'uwv-morning' },
      ],
    });
    const r = runForecast({ forecast, profiles });
    const predicted = predictedOf(r);
    expect(predicted).toEqual(
      expect.arrayContaining([
        'berichtenbox.messages-per-day',
        'digid.authentications-per-minute',
        'notificaties.per-hour',
      ]),
    );
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-set-'));
    const e = emitScenarioSet(r, {
      name: 'mix',
      window: 'hour',
      scenariosDir: join(dir, 'scenarios'),
      srcDir: join(ROOT, 'src'),
      wallBudgetSeconds: 50,
      maxWallRate: 1200,
      source: 'test',
    });
    const notif = e.more?.find((x) => x.name === 'mix-notificaties-per-hour');
    expect(notif, JSON.stringify(e.more?.map((x) => x.name))).toBeDefined();
    expect(notif!.simStart).toBeLessThan(fromLocal(2027, 3, 2, 9));
    expect(notif!.simStart + notif!.simMinutes * 60_000).toBe(fromLocal(2027, 3, 2, 10));
    expect(notif!.flows).toEqual([{ flow: 'deliver-batch', perMinute: 130_000 / 60 }]);
    expect(expectedFails(notif!)).toEqual(['notificaties.per-hour']);
    expect(notif!.notes.join('\n')).toMatch(/the load starts \d+ sim minutes \(5 s of wall time\) before the hour/);
    // Every predicted breach is expected by a scenario of the set, or named in the notes with why.
    const replayed = new Set(setOf(e).flatMap(expectedFails));
    for (const id of predicted) {
      if (replayed.has(id)) continue;
      expect(
        e.notes.some((n) => n.includes(id)),
        `${id} neither replayed nor named: ${e.notes.join('\n')}`,
      ).toBe(true);
    }
    expect(e.notes).toContainEqual(
      expect.stringMatching(
        /^predicted, not replayed: berichtenbox\.messages-per-day \(2,600,000 a day\) needs a day of letters, about 650 s of wall time at 4,000 letters\/s$/,
      ),
    );
  });
});
