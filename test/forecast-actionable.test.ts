import { describe, expect, it } from 'vitest';
import { readForecastCsv, actualsLines, compareActuals } from '../src/forecast/index.ts';
import { BD, UWV, csv, forecastOf } from './helpers/forecast-fixtures.ts';

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
