/**
 * A slice of the whole `peak-day`: its hours from..to as they are in the day (levels and fitted
 * speeds), to profile what the day meets at its evening peak in a few minutes instead of ten.
 *
 *   node bin/run-ts.js bench/peak-day/slice.ts --engine native --hours 19-21 [--verbose]
 *   node bin/run-ts.js bench/peak-day/slice.ts --hours 10-11 --max-wall-rate 1800 --wall-budget 28m
 *   node bin/run-ts.js bench/peak-day/slice.ts --hours 19-21 --sim-minutes 55 --max-wall-rate 1800 --wall-budget 28m
 *
 * `--max-wall-rate`/`--wall-budget` refit the whole day first (as bench:peak-day does), so the slice
 * runs at the speeds that day had; `--sim-minutes` keeps only the slice's first so many sim minutes.
 * Beside the norms it prints each service's tail (p99, p99.9, max from the intended send time) and
 * the mock's accept queue (connections it has not accepted yet, read with ss twice a second): a
 * request written to such a connection waits there unanswered.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runScenario } from '../../src/run/index.ts';
import { scenarioWallMs, scheduleLines, withFittedSchedule, type SimDuration } from '../../src/scenario/index.ts';
import peakDayWhole from '../../scenarios/peak-day.ts';
import { num, table } from '../lib/table.ts';
import { daySlice } from './day-slice.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engine = (arg('--engine') ?? 'native') as 'k6' | 'native';
const [from, to] = (arg('--hours') ?? '19-21').split('-').map(Number) as [number, number];
const simMinutes = arg('--sim-minutes') === undefined ? undefined : Number(arg('--sim-minutes'));
if (simMinutes !== undefined && !(simMinutes > 0))
  throw new Error(`--sim-minutes: sim minutes > 0, got ${arg('--sim-minutes')}`);
const rate = arg('--max-wall-rate');
const budget = arg('--wall-budget');
const day =
  rate !== undefined || budget !== undefined
    ? withFittedSchedule(peakDayWhole, {
        maxWallRate: Number(rate ?? 5000),
        wallBudget: (budget ?? '10m') as SimDuration,
      })
    : peakDayWhole;

/** The accept queue of 127.0.0.1:port: ss's Recv-Q of a LISTEN socket; undefined when ss cannot tell. */
async function acceptQueue(port: number): Promise<number | undefined> {
  try {
    const { stdout } = await promisify(execFile)('ss', ['-ltnH', 'sport', '=', `:${port}`], { encoding: 'utf8' });
    const recvQ = Number(stdout.trim().split(/\s+/)[1]);
    return Number.isFinite(recvQ) ? recvQ : undefined;
  } catch {
    return undefined;
  }
}

const scenario = daySlice(day, from, to, simMinutes);
for (const l of scheduleLines(scenario)) console.log(`  ${l}`);
console.log(`  planned wall ${(scenarioWallMs(scenario) / 1000).toFixed(1)} s`);
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-slice-'));
const t0 = performance.now();
const queue = { most: 0, at: 0, seconds100: 0, read: false };
let sampler: NodeJS.Timeout | undefined;
try {
  const r = await runScenario({
    scenario,
    outDir: tmp,
    k6Path: join(ROOT, '.tools', 'bin', 'k6'),
    engine,
    quiet: !args.includes('--verbose'),
    log: (l) => {
      console.log(`  ${l}`);
      const port = /mock listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(l)?.[1];
      if (port === undefined || sampler) return;
      sampler = setInterval(() => {
        void acceptQueue(Number(port)).then((q) => {
          if (q === undefined) return;
          queue.read = true;
          if (q >= 100) queue.seconds100 += 0.5;
          if (q > queue.most) {
            queue.most = q;
            queue.at = (performance.now() - t0) / 1000;
          }
        });
      }, 500);
      sampler.unref();
    },
  });
  clearInterval(sampler);
  if (r.error) console.log('error:', r.error);
  const s = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as {
    k6: { metrics: Record<string, { values: Record<string, number> }> };
  };
  const m = s.k6.metrics;
  console.log(
    `${engine} ${scenario.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, iterations ${m['iterations']?.values['count']}, dropped ${m['dropped_iterations']?.values['count'] ?? 0}, http_reqs ${m['http_reqs']?.values['count']} (${m['http_reqs']?.values['rate']?.toFixed(0)}/s), p99 ${m['http_req_duration']?.values['p(99)']?.toFixed(0)} ms`,
  );
  const services = Object.keys(m)
    .filter((k) => k.startsWith('http_req_duration{service:') && k !== 'http_req_duration{service:ops}')
    .map((k) => k.slice('http_req_duration{service:'.length, -1));
  console.log(
    table(
      ['service', 'requests', 'failed', 'p99 ms', 'p99.9 ms', 'max ms'],
      services.map((svc) => {
        const v = m[`http_req_duration{service:${svc}}`]!.values;
        return [
          svc,
          num(m[`http_reqs{service:${svc}}`]?.values['count'] ?? 0),
          num(m[`http_req_failed{service:${svc}}`]?.values['passes'] ?? 0, 0),
          num(v['p(99)'] ?? Number.NaN, 0),
          num(v['p(99.9)'] ?? Number.NaN, 0),
          num(v['max'] ?? Number.NaN, 0),
        ];
      }),
    ),
  );
  console.log(
    queue.read
      ? `mock accept queue: at most ${num(queue.most)} connections not yet accepted (at ${num(queue.at, 1)} s), ${num(queue.seconds100, 1)} s with 100 or more`
      : 'mock accept queue: not read (no ss, or no mock of our own)',
  );
  for (const row of r.rows) console.log(`  ${row.normId}: ${row.status} ${row.measured ?? ''}`);
} finally {
  clearInterval(sampler);
  rmSync(tmp, { recursive: true, force: true });
}
