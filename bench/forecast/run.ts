/**
 * bench/forecast: the whole forecast pipeline over 18 months at minute resolution — read the CSV,
 * spread every afnemer, simulate the queues, check every norm, trace, DigiD duties — for 400
 * afnemers (the SNO's number of suppliers) and for 4,000 to show how it scales. Target: < 1 s for
 * 400. Writing the result files (JSON, CSV per hour, HTML) is timed separately.
 *
 *   node bin/run-ts.js bench/forecast/run.ts [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FORECAST_HORIZON_QUARTERS, SUPPORTED_SUPPLIERS } from '../../src/norms/index.ts';
import { readForecastCsv, readProfilesJson, runForecast, writeForecastResults } from '../../src/forecast/index.ts';
import { num, table } from '../lib/table.ts';
import { syntheticForecast } from './synthetic-forecast.ts';

const MONTHS = FORECAST_HORIZON_QUARTERS.limit * 3;
const TARGET_MS = 1000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 5;
// Yearly volumes of the order INTERFACES.md gives (82 M letters in 2019, 545 M authentications in 2021).
const LETTERS_PER_YEAR = 82_000_000;
const AUTH_PER_YEAR = 545_000_000;

interface Measure { afnemers: number; rows: number; minutes: number; msMedian: number; msMin: number; steps: Record<string, number>; writeMs: number }

function measure(afnemers: number): Measure {
  const { csv, profiles } = syntheticForecast(afnemers, MONTHS, LETTERS_PER_YEAR, AUTH_PER_YEAR);
  const times: number[] = [];
  let steps: Record<string, number> = {};
  let last: ReturnType<typeof runForecast> | undefined;
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const forecast = readForecastCsv(csv, 'synthetic.csv', { kind: 'forecast' });
    const set = readProfilesJson(profiles, 'synthetic-profiles.json');
    const t1 = performance.now();
    last = runForecast({ forecast, profiles: set });
    const t2 = performance.now();
    if (i > 0) times.push(t2 - t0); // the first run warms the JIT up
    steps = { read: t1 - t0, ...last.timings };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-forecast-'));
  const tw = performance.now();
  writeForecastResults(last!, dir);
  const writeMs = performance.now() - tw;
  rmSync(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { afnemers, rows: afnemers * MONTHS, minutes: last!.horizon.minutes, msMedian: times[Math.floor(times.length / 2)]!, msMin: times[0]!, steps, writeMs };
}

const results = [measure(SUPPORTED_SUPPLIERS.limit), measure(SUPPORTED_SUPPLIERS.limit * 10)];
console.log(`bbsim forecast bench: ${MONTHS} months at minute resolution, ${RUNS} runs each after one warm-up (node ${process.version})\n`);
console.log(table(['afnemers', 'rows', 'minutes', 'median ms', 'min ms', 'target', 'write files ms'], results.map((r) => [
  num(r.afnemers), num(r.rows), num(r.minutes), num(r.msMedian, 0), num(r.msMin, 0), r.afnemers === SUPPORTED_SUPPLIERS.limit ? (r.msMedian < TARGET_MS ? `< ${TARGET_MS} ms MET` : `< ${TARGET_MS} ms MISSED`) : '—', num(r.writeMs, 0),
])));
console.log('\nSteps of the last run (ms):');
console.log(table(['afnemers', ...Object.keys(results[0]!.steps)], results.map((r) => [num(r.afnemers), ...Object.values(r.steps).map((v) => num(v, 1))])));
