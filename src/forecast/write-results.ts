import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmittedScenario } from './emit-scenario.ts';
import { forecastJson } from './forecast-json.ts';
import { hourlyCsv } from './hourly-csv.ts';
import { htmlReport } from './html-report.ts';
import type { ForecastResult } from './run-forecast.ts';

export const RESULT_FILES = { json: 'forecast.json', csv: 'hours.csv', html: 'report.html' } as const;

/** Writes forecast.json, hours.csv and report.html into `dir`. */
export function writeForecastResults(
  r: ForecastResult,
  dir: string,
  emitted?: EmittedScenario,
): { json: string; csv: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const files = {
    json: join(dir, RESULT_FILES.json),
    csv: join(dir, RESULT_FILES.csv),
    html: join(dir, RESULT_FILES.html),
  };
  writeFileSync(files.json, `${JSON.stringify(forecastJson(r, emitted), null, 2)}\n`);
  writeFileSync(files.csv, hourlyCsv(r));
  writeFileSync(files.html, htmlReport(r, emitted));
  return files;
}
