/**
 * The whole `peak-day` (issue 23): one sim day, tax-filing 1 March, every service at its norm, on
 * the speed schedule fitted to its load. Per engine (k6, the native engine): wall time, the
 * schedule chosen, dropped iterations, requests, and each norm's verdict (with the speed its peak
 * window was replayed at). The reference is the fit's own promise: the wall time the schedule
 * plans and the wall rate it keeps under (`--max-wall-rate`, `--wall-budget`).
 *
 *   npm run bench:peak-day                       # the whole day, k6 then native (about 2 × 10 min)
 *   npm run bench:peak-day -- --quick            # the shortened day the test runs (1/300 of the load, 40 s)
 *   npm run bench:peak-day -- --engine native --max-wall-rate 3000 --wall-budget 15m
 *   npm run bench:peak-day -- --engine native --keep   # the run's folder kept in results/ (its per-second timeline)
 *   npm run bench:peak-day -- --engine native --in-line-writes   # batches written on the mock's event loop
 *
 * Loopback only; each run bounded by its schedule (plus k6's graceful stop). Output: a table and
 * results/bench-peak-day-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../../src/run/index.ts';
import {
  scenarioWallMs,
  scheduleLines,
  withFittedSchedule,
  type Scenario,
  type SimDuration,
} from '../../src/scenario/index.ts';
import peakDayWhole, { peakDayShort } from '../../scenarios/peak-day.ts';
import { num, table } from '../lib/table.ts';
import { runCounts } from './run-counts.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const engines = (arg('--engine') ?? 'k6,native').split(',') as ('k6' | 'native')[];
const log = (s: string): void => console.log(s);

let scenario: Scenario = quick ? peakDayShort() : peakDayWhole;
const rate = arg('--max-wall-rate');
const budget = arg('--wall-budget');
if (rate !== undefined || budget !== undefined) {
  scenario = withFittedSchedule(scenario, {
    maxWallRate: Number(rate ?? 5000),
    wallBudget: (budget ?? '10m') as SimDuration,
  });
}

log(`${scenario.name}: ${scenario.description}`);
log(
  `speed schedule (${scenario.clock.schedule.length} segments), planned wall time ${num(scenarioWallMs(scenario) / 1000, 1)} s:`,
);
for (const l of scheduleLines(scenario)) log(`  ${l}`);

// --keep: the run folders (summary.json's per-second timeline, report.html) stay in results/.
const keep = args.includes('--keep');
// --in-line-writes: the mock writes batches on its event loop (storage.deliveryThread: false), the
// reference for what the delivery thread changes in the whole day.
const inLine = args.includes('--in-line-writes');
if (inLine) log('batches written in-line (storage.deliveryThread: false)');
const tmp = keep ? join(ROOT, 'results') : mkdtempSync(join(tmpdir(), 'bbsim-bench-peak-day-'));
const report: Record<string, unknown>[] = [];
try {
  for (const engine of engines) {
    log(`\n${engine}: running ${scenario.name} …`);
    const t0 = performance.now();
    const r = await runScenario({
      scenario,
      outDir: tmp,
      k6Path: K6,
      engine,
      quiet: true,
      ...(inLine ? { mockConfig: { storage: { deliveryThread: false } } } : {}),
      log: (l) => {
        if (!l.startsWith('  k6 |')) log(`  ${l}`);
      },
    });
    const wallS = (performance.now() - t0) / 1000;
    if (keep) log(`  kept: ${r.dir}`);
    // No summary: the run could not be done (its error is below).
    const { dropped, iterations, requests } = runCounts(r.dir) ?? { dropped: 0, iterations: 0, requests: 0 };
    const rows = r.rows.filter((x) => x.status !== 'not-measured' || x.unjudged !== undefined);
    log(
      `${engine}: ${num(wallS, 1)} s of wall time (planned ${num(scenarioWallMs(scenario) / 1000, 1)} s of load), ${num(requests)} requests, ${num(iterations)} iterations, ${num(dropped)} dropped, exit ${r.exitCode}${r.error ? ` (${r.error})` : ''}`,
    );
    log(
      table(
        ['norm', 'limit', 'measured', 'verdict', 'replayed'],
        rows.map((x) => [
          x.normId,
          `${x.limit} ${x.unit}`,
          x.measured === undefined ? '—' : num(x.measured, x.measured < 100 ? 2 : 0),
          x.status === 'pass'
            ? 'PASS'
            : x.status === 'fail'
              ? `FAIL${scenario.expectBreaches.includes(x.normId) ? ' (designed)' : ''}`
              : 'n/a',
          x.replay
            ? x.replay.speed !== undefined
              ? `speed ${x.replay.speed}`
              : `speeds ${(x.replay.speeds ?? []).join('/')}`
            : '',
        ]),
      ),
    );
    report.push({
      engine,
      wallSeconds: wallS,
      plannedWallSeconds: scenarioWallMs(scenario) / 1000,
      requests,
      iterations,
      dropped,
      exitCode: r.exitCode,
      error: r.error,
      verdict: r.rows,
    });
  }
} finally {
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}
mkdirSync(join(ROOT, 'results'), { recursive: true });
const file = join(ROOT, 'results', `bench-peak-day-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      scenario: scenario.name,
      schedule: scenario.clock.schedule,
      scheduleLines: scheduleLines(scenario),
      runs: report,
    },
    null,
    2,
  ),
);
log(`\nwritten ${file}`);
