import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MINUTE, fromLocal } from '../src/clock/index.ts';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { runScenario } from '../src/run/runner.ts';
import {
  actualsLines,
  attributeLoad,
  breachPeriods,
  compareActuals,
  emitScenarioSet,
  forecastJson,
  htmlReport,
  peakContributors,
  readForecastCsv,
  runForecast,
  terminalSummary,
} from '../src/forecast/index.ts';
import { BD, UWV, csv, forecastOf, onlyHours, profilesOf } from './helpers/forecast-fixtures.ts';

const SVB = { oin: '00000001002220647000', naam: 'SVB' } as const;

describe('actuals: the forecast is the base, the sign is kept, every deviation is listed', () => {
  it('labels 12 % under forecast as under, lists every figure over the rule grouped by afnemer, and flags unknown rows', () => {
    const forecast = forecastOf([
      { month: '2027-01', ...BD, messages: 1000, digid: 2000 },
      { month: '2027-01', ...UWV, messages: 1000 },
      { month: '2027-01', ...SVB, messages: 1000 },
      { month: '2027-02', ...BD, messages: 1000 },
      { month: '2027-02', ...UWV, messages: 1000 },
      { month: '2027-02', ...SVB, messages: 1000 },
    ]);
    const actuals = readForecastCsv(
      csv([
        { month: '2027-01', ...BD, messages: 880, digid: 2300 },
        { month: '2027-01', ...UWV, messages: 1050 },
        { month: '2027-01', ...SVB, messages: 1200 },
        { month: '2027-02', ...BD, messages: 700 },
        { month: '2027-02', ...UWV, messages: 1000 },
        { month: '2027-02', ...SVB, messages: 1000 },
        { month: '2027-01', oin: '00000001999999999000', naam: 'Nieuw', messages: 5 },
        { month: '2027-03', ...BD, messages: 900 },
      ]),
      'actuals.csv',
      { kind: 'actuals' },
    );
    const a = compareActuals(forecast, actuals);
    const dev = (oin: string, month: string, column: string): number | undefined =>
      a.rows.find((x) => x.oin === oin && x.month === month && x.column === column)?.deviationPct;
    expect(dev(BD.oin, '2027-01', 'messages')).toBeCloseTo(-12, 10);
    expect(dev(BD.oin, '2027-01', 'digid_authentications')).toBeCloseTo(15, 10);
    expect(dev(SVB.oin, '2027-01', 'messages')).toBeCloseTo(20, 10);
    expect(dev(BD.oin, '2027-02', 'messages')).toBeCloseTo(-30, 10);
    expect(a.rows.filter((x) => x.status === 'fail')).toHaveLength(5);
    const text = actualsLines(a).join('\n');
    expect(text).toContain('5 of ');
    expect(text).toMatch(
      /Belastingdienst \(00000001003214345000\):\n {4}2027-01: messages −12\.0 % under forecast \(forecast 1,000, actual 880\); digid_authentications \+15\.0 % over forecast[^\n]*\n {4}2027-02: messages −30\.0 % under forecast/,
    );
    expect(text).toMatch(/SVB \(00000001002220647000\):\n {4}2027-01: messages \+20\.0 % over forecast/);
    expect(text).toMatch(/Nieuw[^\n]*\n {4}2027-01: messages not forecast/);
    expect(text).not.toMatch(/UWV/);
    expect(text).toMatch(
      /not compared, afnemers not in the forecast[^:]*: 1\n {4}actuals\.csv:8: 2027-01 00000001999999999000/,
    );
    expect(text).toMatch(/not compared, months outside the forecast's horizon: 1\n {4}actuals\.csv:9: 2027-03/);
  });
});

const ROOT = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/bbsim.js', 'forecast', ...args], {
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

describe('bbsim forecast --emit-scenario on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-cli-'));
  // 10,500 DigiD logins a minute on Monday 1 March 2027 20:00-21:00: a predicted breach.
  const file = join(dir, 'tax evening.csv');
  writeFileSync(file, csv([{ month: '2027-03', ...BD, digid: 630_000 }]));
  const profiles = join(dir, 'profiles.json');
  writeFileSync(
    profiles,
    JSON.stringify({
      profiles: {
        'one-evening': {
          hourly: onlyHours(20),
          weekly: [1, 1, 1, 1, 1, 1, 1],
          periods: [{ from: '03-02', to: '03-31', factor: 0 }],
        },
      },
      assign: [{ afnemer: BD.oin, profile: 'one-evening' }],
    }),
  );

  it('exits 0 once the scenario is written although a breach is predicted, under a name of its own, and refuses to replace a file it did not write', async () => {
    const scenarios = join(dir, 'scenarios');
    const r = await cli(
      file,
      '--profiles',
      profiles,
      '--emit-scenario',
      '--scenarios',
      scenarios,
      '--out',
      join(dir, 'out1'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/norms breached: digid\.authentications-per-minute/);
    expect(r.stdout).toContain('run: bbsim run tax-evening-peak');
    expect(readFileSync(join(scenarios, 'tax-evening-peak.ts'), 'utf8')).toContain(
      "expectBreaches: ['digid.authentications-per-minute']",
    );
    // Without --emit-scenario the breach is exit 1, as before.
    expect((await cli(file, '--profiles', profiles, '--out', join(dir, 'out2'))).code).toBe(1);
    // Regenerating from the same forecast replaces its own file.
    expect(
      (await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--out', join(dir, 'out3')))
        .code,
    ).toBe(0);

    // A hand-written scenario and the shipped forecast-peak.ts (emitted from another forecast) are not replaced.
    const hand = join(scenarios, 'hand.ts');
    writeFileSync(hand, '// my own scenario\n');
    copyFileSync(join(ROOT, 'scenarios', 'forecast-peak.ts'), join(scenarios, 'forecast-peak.ts'));
    const refusedHand = await cli(
      file,
      '--profiles',
      profiles,
      '--emit-scenario',
      '--scenarios',
      scenarios,
      '--scenario-name',
      'hand',
      '--out',
      join(dir, 'out4'),
    );
    expect(refusedHand.code).toBe(2);
    expect(refusedHand.stderr).toContain(
      `${hand}: exists and was not written by \`bbsim forecast --emit-scenario\`: not replaced (choose another --scenario-name, or --overwrite)`,
    );
    expect(readFileSync(hand, 'utf8')).toBe('// my own scenario\n');
    const refusedShipped = await cli(
      file,
      '--profiles',
      profiles,
      '--emit-scenario',
      '--scenarios',
      scenarios,
      '--scenario-name',
      'forecast-peak',
      '--out',
      join(dir, 'out5'),
    );
    expect(refusedShipped.code).toBe(2);
    expect(refusedShipped.stderr).toContain(
      `was emitted from scenarios/forecasts/example.csv, not from ${file}: not replaced`,
    );
    expect(readFileSync(join(scenarios, 'forecast-peak.ts'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'scenarios', 'forecast-peak.ts'), 'utf8'),
    );
    const forced = await cli(
      file,
      '--profiles',
      profiles,
      '--emit-scenario',
      '--scenarios',
      scenarios,
      '--scenario-name',
      'hand',
      '--overwrite',
      '--out',
      join(dir, 'out6'),
    );
    expect(forced.code).toBe(0);
    expect(readFileSync(hand, 'utf8')).toContain('// Emitted by `bbsim forecast --emit-scenario`');
  }, 120_000);

  it('says how it read a --trace time the DST change skips, names an out-of-range one in local time, and warns of a short horizon once', async () => {
    const dst = await cli(file, '--profiles', profiles, '--trace', '2027-03-28T02:30', '--out', join(dir, 'out7'));
    expect(dst.code).toBe(1);
    expect(dst.stdout).toContain(
      'warning: --trace 2027-03-28T02:30: that local time does not exist in Europe/Amsterdam (the clocks skip from 02:00 to 03:00 that night); traced 03:30 instead',
    );
    expect(dst.stdout.match(/the forecast covers 1 months/g)).toHaveLength(1);
    const outside = await cli(file, '--profiles', profiles, '--trace', '2027-05-01T10:00', '--out', join(dir, 'out8'));
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain(
      '--trace: Sat 2027-05-01 10:00 (Europe/Amsterdam) is outside the horizon, Mon 2027-03-01 00:00 to Thu 2027-04-01 00:00 (2027-03 to 2027-03)',
    );
    expect(outside.stderr).not.toContain(':0:0');
  }, 60_000);
});

const TOESLAGEN = { oin: '00000001822477348000', naam: 'Dienst Toeslagen' } as const;
const oneDay = (hour: number) => ({
  hourly: onlyHours(hour),
  weekly: [1, 1, 1, 1, 1, 1, 1],
  periods: [{ from: '03-02', to: '03-31', factor: 0 }],
});

describe('who is in a breach: load followed through the queues', () => {
  // The Belastingdienst offers 400,000 notifying letters at 01:00 on Monday 1 March 2027: intake admits 150,000 an
  // hour, the rest is refused and redelivered in the hours after. Toeslagen offers 1,000 at 02:00.
  const forecast = forecastOf([
    { month: '2027-03', ...BD, messages: 400_000, notifications: 400_000 },
    { month: '2027-03', ...TOESLAGEN, messages: 1000, notifications: 1000 },
  ]);
  const profiles = profilesOf({
    profiles: { 'bd-night': oneDay(1), 'toeslagen-night': oneDay(2) },
    assign: [
      { afnemer: BD.oin, profile: 'bd-night' },
      { afnemer: TOESLAGEN.oin, profile: 'toeslagen-night' },
    ],
  });
  const r = runForecast({ forecast, profiles });
  const at = (hour: number): number => (fromLocal(2027, 3, 1, hour) - r.horizon.start) / MINUTE;

  it("attributes the 02:00 notifications to the Belastingdienst's redelivered backlog, not to who offered letters that hour", () => {
    // 02:00-03:00: 150,000 letters admitted, all of them the Belastingdienst's backlog (FIFO by first offering).
    expect(r.hourly.notifIn[at(2) / 60]).toBeCloseTo(150_000, 0);
    // What the old attribution did: only the letters offered that hour, all Toeslagen's.
    expect(attributeLoad(r, 'notifications', 'offered', at(2), at(3))[0]).toMatchObject({
      naam: TOESLAGEN.naam,
      sharePct: 100,
    });
    const who = attributeLoad(r, 'notifications', 'notification-queue', at(2), at(3));
    expect(who[0]).toMatchObject({ naam: BD.naam });
    expect(who[0]!.amount).toBeCloseTo(150_000, 0);
    expect(who[0]!.sharePct).toBeCloseTo(100, 6);
    // Every period over notificaties.per-hour, with who: 01:00 until the backlog is through, all the Belastingdienst's
    // until Toeslagen's letters (behind it in the queue) come up.
    const periods = breachPeriods(r).filter((p) => p.normId === 'notificaties.per-hour');
    expect(periods).toHaveLength(1);
    expect(periods[0]).toMatchObject({ from: fromLocal(2027, 3, 1, 1), to: fromLocal(2027, 3, 1, 3), windows: 2 });
    expect(periods[0]!.who.map((c) => c.naam)).toEqual([BD.naam]);
    const peak = peakContributors(r).find((p) => p.normId === 'notificaties.per-hour')!;
    expect(peak.contributors[0]).toMatchObject({ naam: BD.naam });
  });

  it('lists every period in the terminal, the report and the JSON', () => {
    const text = terminalSummary(r);
    expect(text).toMatch(
      /notificaties\.per-hour: 1 period\n {4}Mon 2027-03-01 01:00 – 03:00 \(2 h\): peak 150,000 notifications\/hour at 01:00, 20\.0 % over 125,000; Belastingdienst 100 %/,
    );
    expect(text).toMatch(
      /berichtenbox\.messages-per-hour: 1 period\n {4}Mon 2027-03-01 01:00 – 02:00 \(1 h\): peak 400,000 letters\/hour at 01:00, 166\.7 % over 150,000; Belastingdienst 100 %/,
    );
    const json = forecastJson(r) as {
      breachPeriods: { normId: string; from: string; to: string; who: { naam: string }[] }[];
    };
    expect(json.breachPeriods.find((p) => p.normId === 'notificaties.per-hour')).toMatchObject({
      from: '2027-03-01T01:00:00+01:00',
      to: '2027-03-01T03:00:00+01:00',
      who: [{ naam: BD.naam }],
    });
    expect(htmlReport(r)).toContain('<section id="breach-periods">');
  });
});

describe('subscription breaches have their who, and the lead time is in human units', () => {
  // bsn-lijst requests every night: SVB 120, UWV 66, in March 2027 (night-window profile): 186 against 150 a night.
  const forecast = forecastOf([
    { month: '2027-03', ...SVB, bsnLijst: 120 * 31 },
    { month: '2027-03', ...UWV, bsnLijst: 66 * 31 },
  ]);
  const r = runForecast({ forecast });

  it('names the afnemers of each night over the quota and of the requests that waited too long', () => {
    const nights = breachPeriods(r).filter((p) => p.normId === 'abonnementservice.night-bsn-lijst');
    expect(nights.length).toBeGreaterThan(0);
    for (const p of nights) {
      expect(p.who.map((c) => c.naam)).toEqual([SVB.naam, UWV.naam]);
      expect(p.who[0]!.sharePct).toBeCloseTo((120 / 186) * 100, 1);
    }
    const lead = breachPeriods(r).filter((p) => p.normId === 'abonnementservice.lead-time');
    expect(lead.length).toBeGreaterThan(0);
    expect(lead.every((p) => p.series === 'subsBsnLijst' && p.who[0]!.naam === SVB.naam)).toBe(true);
    const row = r.checks.rows.find((c) => c.normId === 'abonnementservice.lead-time')!;
    const text = terminalSummary(r);
    // The wait grows by 36 requests a night: about a week by the end of March.
    expect(text).toMatch(
      new RegExp(
        `abonnementservice\\.lead-time\\s+per item\\s+4 h\\s+${(row.peak / 86_400).toFixed(1).replace('.', '\\.')} days\\s+\\w{3} [\\d-]+ [\\d:]+\\s+${Math.round(row.peak / 14_400)}× the 4 h norm`,
      ),
    );
    expect(text).not.toMatch(/−\d{3,}[\d.]* %/);
    expect(text).toMatch(
      /abonnementservice\.lead-time: \d+ periods?\n {4}[^\n]*\[subsBsnLijst\]: peak [\d.]+ (days|h)[^\n]*× the 4 h norm; SVB 65 %, UWV 35 %/,
    );
    expect(text).toMatch(
      /abonnementservice\.night-bsn-lijst: \d+ periods?\n {4}[^\n]*: peak 1\d\d requests\/night[^\n]*% over 150; SVB 65 %, UWV 35 %/,
    );
  });
});

describe('a predicted parking breach is emitted and replayed with real k6', () => {
  it("expects the parking breach, names what it cannot reach, and the run's verdict fails exactly what the scenario expects", async () => {
    // 226,800 letters on Monday 1 March 2027 20:00-21:00: 63 letters/s against 45/s, and 226,800 against 150,000 an hour.
    const forecast = forecastOf([{ month: '2027-03', ...BD, messages: 226_800, attachmentPct: 10 }]);
    const profiles = profilesOf({
      profiles: { 'one-evening': oneDay(20) },
      assign: [{ afnemer: BD.oin, profile: 'one-evening' }],
    });
    const r = runForecast({ forecast, profiles });
    const predicted = r.checks.rows
      .filter((c) => c.status === 'fail')
      .map((c) => c.normId)
      .sort();
    expect(predicted).toEqual(['berichtenbox.messages-per-hour', 'berichtenbox.parked-per-second']);
    expect(r.checks.rows.find((c) => c.normId === 'berichtenbox.parked-per-second')!.peak).toBeCloseTo(63, 6);
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-parking-'));
    // This shared 2-core machine takes about 2,000 letters a wall second: 1,500 at most, 15 batches of 100. The
    // parking breach replays in the hour's 11 busiest minutes (the mock counts parking over 300 sim s); the hour's
    // 226,800 letters get a scenario of their own, a whole hour that needs a minute of wall time (not run here).
    const e = emitScenarioSet(r, {
      name: 'parking-peak',
      window: 'hour',
      scenariosDir: join(dir, 'scenarios'),
      srcDir: join(ROOT, 'src'),
      wallBudgetSeconds: 30,
      maxWallRate: 15,
      maxWallLetters: 1500,
      source: 'test',
    });
    expect({ minutes: e.simMinutes, speed: e.speed }).toEqual({ minutes: 11, speed: 23 });
    const expectedFails = e.expected.filter((x) => x.status === 'fail').map((x) => x.normId);
    expect(expectedFails).toEqual(['berichtenbox.parked-per-second']);
    expect(e.expected.find((x) => x.normId === 'berichtenbox.parked-per-second')).toMatchObject({
      predicted: 63,
      status: 'fail',
    });
    expect(e.source).toContain("expectBreaches: ['berichtenbox.parked-per-second']");
    // Every predicted breach is expected by an emitted scenario: the per-hour one by a whole hour of letters, which
    // also breaches the notifications (the mock notifies every letter; this forecast has none), and says so.
    const hour = e.more?.find((x) => x.name === 'parking-peak-berichtenbox-messages-per-hour');
    expect(hour?.expected.filter((x) => x.status === 'fail').map((x) => x.normId)).toEqual([
      'berichtenbox.parked-per-second',
      'berichtenbox.messages-per-hour',
      'notificaties.per-hour',
    ]);
    expect(hour!.notes.join('\n')).toContain(
      'the mock notifies every letter it processes: 150,000 notifications in the busiest hour where the forecast has 0',
    );
    expect(e.notes).toContain(
      "the emitted load also breaches notificaties.per-hour, which the forecast does not predict (see each scenario's notes)",
    );
    const replayed = [e, ...(e.more ?? [])].flatMap((x) =>
      x.expected.filter((y) => y.status === 'fail').map((y) => y.normId),
    );
    expect(predicted.every((id) => replayed.includes(id))).toBe(true);
    const [scenario] = await loadScenarios(join(dir, 'scenarios'), ['parking-peak']);
    const log: string[] = [];
    const result = await runScenario({
      scenario: scenario!,
      outDir: join(dir, 'results'),
      k6Path: join(ROOT, '.tools', 'bin', 'k6'),
      log: (l) => log.push(l),
    });
    expect(result.error, log.slice(-20).join('\n')).toBeUndefined();
    const failed = result.rows
      .filter((x) => x.status === 'fail')
      .map((x) => x.normId)
      .sort();
    expect(failed, JSON.stringify(result.rows.map((x) => [x.normId, x.measured, x.status]))).toEqual(expectedFails);
    const parking = result.rows.find((x) => x.normId === 'berichtenbox.parked-per-second')!;
    expect(Math.abs(parking.measured! - 63) / 63, `parking measured ${parking.measured}`).toBeLessThan(0.15);
  }, 150_000);
});
