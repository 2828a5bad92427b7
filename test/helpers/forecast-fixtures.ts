import {
  FORECAST_COLUMNS,
  readForecastCsv,
  readProfilesJson,
  type Forecast,
  type ProfileSet,
} from '../../src/forecast/index.ts';

export const HEADER = FORECAST_COLUMNS.map((c) => c.name).join(',');

export interface RowInput {
  readonly month: string;
  readonly oin: string;
  readonly naam: string;
  readonly messages?: number;
  readonly attachmentPct?: number;
  readonly notifications?: number;
  readonly digid?: number;
  readonly machtigen?: number;
  readonly validation?: number;
  readonly alles?: number;
  readonly bsnLijst?: number;
  readonly mutatiebasis?: number;
}

export const BD = { oin: '00000001003214345000', naam: 'Belastingdienst' } as const;
export const UWV = { oin: '00000001005401014000', naam: 'UWV' } as const;

export function row(r: RowInput): string {
  return [
    r.month,
    r.oin,
    r.naam,
    r.messages ?? 0,
    r.attachmentPct ?? 0,
    r.notifications ?? 0,
    r.digid ?? 0,
    r.machtigen ?? 0,
    r.validation ?? 0,
    r.alles ?? 0,
    r.bsnLijst ?? 0,
    r.mutatiebasis ?? 0,
  ].join(',');
}

export function csv(rows: readonly RowInput[]): string {
  return `${HEADER}\n${rows.map(row).join('\n')}\n`;
}

export function forecastOf(rows: readonly RowInput[], file = 'test.csv'): Forecast {
  return readForecastCsv(csv(rows), file, { kind: 'forecast' });
}

export function profilesOf(json: unknown, file = 'profiles.json'): ProfileSet {
  return readProfilesJson(JSON.stringify(json, null, 2), file);
}

/** 24 hourly weights with weight 1 in the given local hours only. */
export function onlyHours(...hours: number[]): number[] {
  return Array.from({ length: 24 }, (_, h) => (hours.includes(h) ? 1 : 0));
}

/** 7 weekday weights (Monday first) with weight 1 on the given ISO weekdays only. */
export function onlyWeekdays(...days: number[]): number[] {
  return Array.from({ length: 7 }, (_, d) => (days.includes(d + 1) ? 1 : 0));
}
