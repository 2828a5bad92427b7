/**
 * bench/forecast: the whole forecast pipeline over 18 months at minute resolution — read the CSV,
 * spread every afnemer, simulate the queues, check every norm, trace, DigiD duties — for 400
 * afnemers (the SNO's number of suppliers) and for 4,000 to show how it scales. Target: < 1 s for
 * 400 and for 4,000. Writing the result files (JSON, CSV per hour, HTML) and the breach periods with who is
 * in them are timed separately, and so is the start-up of the command itself (node, tsx and the imports,
 * measured as `bbsim forecast --help`), which a whole `bbsim forecast` run pays on top.
 *
 *   node bin/run-ts.js bench/forecast/run.ts [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FORECAST_HORIZON_QUARTERS, SUPPORTED_SUPPLIERS } from '../../src/norms/index.ts';
import {
  breachPeriods,
  emitScenarioSet,
  readForecastCsv,
  readProfilesJson,
  runForecast,
  writeForecastResults,
} from '../../src/forecast/index.ts';
import { num, table } from '../lib/table.ts';
import { syntheticForecast } from './synthetic-forecast.ts';

const MONTHS = FORECAST_HORIZON_QUARTERS.limit * 3;
const TARGET_MS = 1000;
const STARTUP_RUNS = 3;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 5;
// Yearly volumes of the order INTERFACES.md gives (82 M letters in 2019, 545 M authentications in 2021).
const LETTERS_PER_YEAR = 82_000_000;
const AUTH_PER_YEAR = 545_000_000;

interface Measure {
  afnemers: number;
  rows: number;
  minutes: number;
  msMedian: number;
  msMin: number;
  cpuMedian: number;
  steps: Record<string, number>;
  writeMs: number;
  periodsMs: number;
  periods: number;
  emitMs: number;
  emitted: number;
}

function measure(afnemers: number): Measure {
  const { csv, profiles } = syntheticForecast(afnemers, MONTHS, LETTERS_PER_YEAR, AUTH_PER_YEAR);
  const times: number[] = [];
  let steps: Record<string, number> = {};
  let last: ReturnType<typeof runForecast> | undefined;
  const cpu: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const forecast = readForecastCsv(csv, 'synthetic.csv', { kind: 'forecast' });
    const set = readProfilesJson(profiles, 'synthetic-profiles.json');
    const t1 = performance.now();
    last = runForecast({ forecast, profiles: set });
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    if (i > 0) {
      times.push(t2 - t0);
      cpu.push((c.user + c.system) / 1000);
    } // the first run warms the JIT up
    steps = { read: t1 - t0, ...last.timings };
  }
  const tp = performance.now();
  const periods = breachPeriods(last!).length;
  const periodsMs = performance.now() - tp;
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-forecast-'));
  const tw = performance.now();
  writeForecastResults(last!, dir);
  const writeMs = performance.now() - tw;
  // --emit-scenario: the peak and one scenario per breached peak it does not reach.
  const te = performance.now();
  const e = emitScenarioSet(last!, {
    name: 'bench-peak',
    window: 'hour',
    scenariosDir: join(dir, 'scenarios'),
    srcDir: join(import.meta.dirname, '..', '..', 'src'),
    wallBudgetSeconds: 50,
    maxWallRate: 1200,
    source: 'synthetic.csv',
  });
  const emitMs = performance.now() - te;
  rmSync(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return {
    afnemers,
    rows: afnemers * MONTHS,
    minutes: last!.horizon.minutes,
    msMedian: times[Math.floor(times.length / 2)]!,
    msMin: times[0]!,
    cpuMedian: cpu.sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!,
    steps,
    writeMs,
    periodsMs,
    periods,
    emitMs,
    emitted: 1 + (e.more?.length ?? 0),
  };
}

/** Wall ms of a command (median of a few): `bbsim forecast --help` is node, tsx and every import, no forecast. */
function startupMs(args: readonly string[]): number {
  const times: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const results = [measure(SUPPORTED_SUPPLIERS.limit), measure(SUPPORTED_SUPPLIERS.limit * 10)];
const startup = startupMs(['bin/bbsim.js', 'forecast', '--help']);
// The reference: node itself, started and stopped with nothing to do.
const bareNode = startupMs(['-e', '']);
console.log(
  `bbsim forecast bench: ${MONTHS} months at minute resolution, ${RUNS} runs each after one warm-up (node ${process.version}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores: on a shared machine the CPU ms says more than the wall ms)\n`,
);
console.log(
  table(
    [
      'afnemers',
      'rows',
      'minutes',
      'median ms',
      'min ms',
      'CPU ms',
      'target',
      'breach periods (n) ms',
      'write files ms',
      'emit set (n) ms',
    ],
    results.map((r) => [
      num(r.afnemers),
      num(r.rows),
      num(r.minutes),
      num(r.msMedian, 0),
      num(r.msMin, 0),
      num(r.cpuMedian, 0),
      r.msMedian < TARGET_MS ? `< ${TARGET_MS} ms MET` : `< ${TARGET_MS} ms MISSED`,
      `${num(r.periodsMs, 0)} (${r.periods})`,
      num(r.writeMs, 0),
      `${num(r.emitMs, 0)} (${r.emitted})`,
    ]),
  ),
);
console.log(
  `\nCommand start-up (node bin/bbsim.js forecast --help, median of ${STARTUP_RUNS}): ${num(startup, 0)} ms, paid once per command on top of the figures above; node alone (node -e ''): ${num(bareNode, 0)} ms.`,
);
console.log('\nSteps of the last run (ms):');
console.log(
  table(
    ['afnemers', ...Object.keys(results[0]!.steps)],
    results.map((r) => [num(r.afnemers), ...Object.values(r.steps).map((v) => num(v, 1))]),
  ),
);
