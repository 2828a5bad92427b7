import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { readForecastCsv, actualsLines, compareActuals } from '../src/forecast/index.ts';
import { BD, UWV, csv, forecastOf, onlyHours } from './helpers/forecast-fixtures.ts';

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
    const actuals = readForecastCsv(csv([
      { month: '2027-01', ...BD, messages: 880, digid: 2300 },
      { month: '2027-01', ...UWV, messages: 1050 },
      { month: '2027-01', ...SVB, messages: 1200 },
      { month: '2027-02', ...BD, messages: 700 },
      { month: '2027-02', ...UWV, messages: 1000 },
      { month: '2027-02', ...SVB, messages: 1000 },
      { month: '2027-01', oin: '00000001999999999000', naam: 'Nieuw', messages: 5 },
      { month: '2027-03', ...BD, messages: 900 },
    ]), 'actuals.csv', { kind: 'actuals' });
    const a = compareActuals(forecast, actuals);
    const dev = (oin: string, month: string, column: string): number | undefined => a.rows.find((x) => x.oin === oin && x.month === month && x.column === column)?.deviationPct;
    expect(dev(BD.oin, '2027-01', 'messages')).toBeCloseTo(-12, 10);
    expect(dev(BD.oin, '2027-01', 'digid_authentications')).toBeCloseTo(15, 10);
    expect(dev(SVB.oin, '2027-01', 'messages')).toBeCloseTo(20, 10);
    expect(dev(BD.oin, '2027-02', 'messages')).toBeCloseTo(-30, 10);
    expect(a.rows.filter((x) => x.status === 'fail')).toHaveLength(5);
    const text = actualsLines(a).join('\n');
    expect(text).toContain('5 of ');
    expect(text).toMatch(/Belastingdienst \(00000001003214345000\):\n {4}2027-01: messages −12\.0 % under forecast \(forecast 1,000, actual 880\); digid_authentications \+15\.0 % over forecast[^\n]*\n {4}2027-02: messages −30\.0 % under forecast/);
    expect(text).toMatch(/SVB \(00000001002220647000\):\n {4}2027-01: messages \+20\.0 % over forecast/);
    expect(text).toMatch(/Nieuw[^\n]*\n {4}2027-01: messages not forecast/);
    expect(text).not.toMatch(/UWV/);
    expect(text).toMatch(/not compared, afnemers not in the forecast[^:]*: 1\n {4}actuals\.csv:8: 2027-01 00000001999999999000/);
    expect(text).toMatch(/not compared, months outside the forecast's horizon: 1\n {4}actuals\.csv:9: 2027-03/);
  });
});

const ROOT = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/bbsim.js', 'forecast', ...args], { cwd: ROOT, timeout: 90_000, maxBuffer: 16 << 20 });
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
  writeFileSync(profiles, JSON.stringify({
    profiles: { 'one-evening': { hourly: onlyHours(20), weekly: [1, 1, 1, 1, 1, 1, 1], periods: [{ from: '03-02', to: '03-31', factor: 0 }] } },
    assign: [{ afnemer: BD.oin, profile: 'one-evening' }],
  }));

  it('exits 0 once the scenario is written although a breach is predicted, under a name of its own, and refuses to replace a file it did not write', async () => {
    const scenarios = join(dir, 'scenarios');
    const r = await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--out', join(dir, 'out1'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/norms breached: digid\.authentications-per-minute/);
    expect(r.stdout).toContain('run: bbsim run tax-evening-peak');
    expect(readFileSync(join(scenarios, 'tax-evening-peak.ts'), 'utf8')).toContain("expectBreaches: ['digid.authentications-per-minute']");
    // Without --emit-scenario the breach is exit 1, as before.
    expect((await cli(file, '--profiles', profiles, '--out', join(dir, 'out2'))).code).toBe(1);
    // Regenerating from the same forecast replaces its own file.
    expect((await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--out', join(dir, 'out3'))).code).toBe(0);

    // A hand-written scenario and the shipped forecast-peak.ts (emitted from another forecast) are not replaced.
    const hand = join(scenarios, 'hand.ts');
    writeFileSync(hand, '// my own scenario\n');
    copyFileSync(join(ROOT, 'scenarios', 'forecast-peak.ts'), join(scenarios, 'forecast-peak.ts'));
    const refusedHand = await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--scenario-name', 'hand', '--out', join(dir, 'out4'));
    expect(refusedHand.code).toBe(2);
    expect(refusedHand.stderr).toContain(`${hand}: exists and was not written by \`bbsim forecast --emit-scenario\`: not replaced (choose another --scenario-name, or --overwrite)`);
    expect(readFileSync(hand, 'utf8')).toBe('// my own scenario\n');
    const refusedShipped = await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--scenario-name', 'forecast-peak', '--out', join(dir, 'out5'));
    expect(refusedShipped.code).toBe(2);
    expect(refusedShipped.stderr).toContain(`was emitted from scenarios/forecasts/example.csv, not from ${file}: not replaced`);
    expect(readFileSync(join(scenarios, 'forecast-peak.ts'), 'utf8')).toBe(readFileSync(join(ROOT, 'scenarios', 'forecast-peak.ts'), 'utf8'));
    const forced = await cli(file, '--profiles', profiles, '--emit-scenario', '--scenarios', scenarios, '--scenario-name', 'hand', '--overwrite', '--out', join(dir, 'out6'));
    expect(forced.code).toBe(0);
    expect(readFileSync(hand, 'utf8')).toContain('// Emitted by `bbsim forecast --emit-scenario`');
  }, 120_000);

  it('says how it read a --trace time the DST change skips, names an out-of-range one in local time, and warns of a short horizon once', async () => {
    const dst = await cli(file, '--profiles', profiles, '--trace', '2027-03-28T02:30', '--out', join(dir, 'out7'));
    expect(dst.code).toBe(1);
    expect(dst.stdout).toContain('warning: --trace 2027-03-28T02:30: that local time does not exist in Europe/Amsterdam (the clocks skip from 02:00 to 03:00 that night); traced 03:30 instead');
    expect(dst.stdout.match(/the forecast covers 1 months/g)).toHaveLength(1);
    const outside = await cli(file, '--profiles', profiles, '--trace', '2027-05-01T10:00', '--out', join(dir, 'out8'));
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('--trace: Sat 2027-05-01 10:00 (Europe/Amsterdam) is outside the horizon, Mon 2027-03-01 00:00 to Thu 2027-04-01 00:00 (2027-03 to 2027-03)');
    expect(outside.stderr).not.toContain(':0:0');
  }, 60_000);
});
