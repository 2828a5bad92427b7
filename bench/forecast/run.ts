/**
 * bench/forecast: the forecast over 18 months at minute resolution for 400 afnemers (the SNO's
 * number of suppliers) and for 4,000, in three parts, each beside a reference measured in the same
 * run:
 *
 *   (a) the computation in-process — read the CSV and profiles, spread every afnemer, simulate the
 *       queues, check every norm, trace, DigiD duties — target < 1 s for 400 and for 4,000; beside it
 *       a plain split-and-sum over the same CSV text (the least any read of the file costs). The breach
 *       periods with who is in them, writing the result files and the emitted scenario set (what a
 *       command adds on top) are timed apart.
 *   (b) the whole command `node bin/bbsim.js forecast <file> --profiles <file> --out <dir>` from spawn
 *       to exit, wall and CPU.
 *   (c) the command's start-up: `bbsim forecast --help` and `bbsim --version` (node, the command
 *       index and the forecast command's imports, no forecast), beside `node -e 0`.
 *
 * It measures the compiled code that `bin/bbsim.js` runs (dist/, built first when stale), not the
 * sources through tsx. Medians of --runs (default 5, at least 3) after one warm-up; the command runs
 * are interleaved in rounds so a burst of load from another job hits all of them alike. The load
 * average is printed before and after: on a shared machine CPU ms says more than wall ms.
 *
 *   npm run bench:forecast [-- --runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ForecastSources from '../../src/forecast/index.ts';
import { FORECAST_HORIZON_QUARTERS, SUPPORTED_SUPPLIERS } from '../../src/norms/index.ts';
import { ensureBuilt } from '../lib/build.ts';
import { num, table } from '../lib/table.ts';
import { syntheticForecast } from './synthetic-forecast.ts';

type ForecastModule = typeof ForecastSources;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MONTHS = FORECAST_HORIZON_QUARTERS.limit * 3;
const TARGET_MS = 1000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Math.max(3, Number(process.argv[runsArg + 1])) : 5;
// Yearly volumes of the order INTERFACES.md gives (82 M letters in 2019, 545 M authentications in 2021).
const LETTERS_PER_YEAR = 82_000_000;
const AUTH_PER_YEAR = 545_000_000;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface InProcess {
  afnemers: number;
  rows: number;
  minutes: number;
  msMedian: number;
  msMin: number;
  cpuMedian: number;
  referenceMs: number;
  steps: Record<string, number>;
  periodsMs: number;
  periods: number;
  writeMs: number;
  emitMs: number;
  emitted: number;
}

/** A plain split on lines and commas with one column summed: the floor under any read of the file. */
function splitAndSum(csv: string): number {
  let s = 0;
  for (const line of csv.split('\n')) s += Number(line.split(',')[3]) || 0;
  return s;
}

function inProcess(f: ForecastModule, afnemers: number, csv: string, profiles: string, dir: string): InProcess {
  const times: number[] = [];
  const cpu: number[] = [];
  const refs: number[] = [];
  let steps: Record<string, number> = {};
  let last: ReturnType<ForecastModule['runForecast']> | undefined;
  for (let i = 0; i < RUNS + 1; i++) {
    const r0 = performance.now();
    splitAndSum(csv);
    const r1 = performance.now();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const forecast = f.readForecastCsv(csv, 'synthetic.csv', { kind: 'forecast' });
    const set = f.readProfilesJson(profiles, 'synthetic-profiles.json');
    const t1 = performance.now();
    last = f.runForecast({ forecast, profiles: set });
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    if (i > 0) {
      // The first run warms the JIT up.
      times.push(t2 - t0);
      cpu.push((c.user + c.system) / 1000);
      refs.push(r1 - r0);
    }
    steps = { read: t1 - t0, ...last.timings };
  }
  const tp = performance.now();
  const periods = f.breachPeriods(last!).length;
  const periodsMs = performance.now() - tp;
  const out = join(dir, `results-${afnemers}`);
  const tw = performance.now();
  f.writeForecastResults(last!, out);
  const writeMs = performance.now() - tw;
  // --emit-scenario: the peak and one scenario per breached peak it does not reach.
  const te = performance.now();
  const e = f.emitScenarioSet(last!, {
    name: 'bench-peak',
    window: 'hour',
    scenariosDir: join(dir, `scenarios-${afnemers}`),
    srcDir: join(ROOT, 'src'),
    wallBudgetSeconds: 50,
    maxWallRate: 1200,
    source: 'synthetic.csv',
  });
  const emitMs = performance.now() - te;
  return {
    afnemers,
    rows: afnemers * MONTHS,
    minutes: last!.horizon.minutes,
    msMedian: median(times),
    msMin: Math.min(...times),
    cpuMedian: median(cpu),
    referenceMs: median(refs),
    steps,
    periodsMs,
    periods,
    writeMs,
    emitMs,
    emitted: 1 + (e.more?.length ?? 0),
  };
}

/** CPU ms (user + system) of this process's waited-for children, from /proc/self/stat (ticks of 10 ms). */
function childrenCpuMs(): number {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Command {
  readonly name: string;
  readonly args: readonly string[];
  /** Exit codes that mean it ran (a forecast with a breach exits 1). */
  readonly ok: readonly number[];
}

/** Wall and CPU ms of each command, in interleaved rounds after one warm-up round: the medians. */
function commands(list: readonly Command[]): { wall: number; cpu: number }[] {
  const samples = list.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let round = 0; round < RUNS + 1; round++) {
    list.forEach((c, k) => {
      const cpu0 = childrenCpuMs();
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [...c.args], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
      const wall = performance.now() - t0;
      if (!c.ok.includes(r.status ?? -1)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}`);
      if (round > 0) {
        samples[k]!.wall.push(wall);
        samples[k]!.cpu.push(childrenCpuMs() - cpu0);
      }
    });
  }
  return samples.map((s) => ({ wall: median(s.wall), cpu: median(s.cpu) }));
}

async function main(): Promise<void> {
  ensureBuilt(ROOT);
  const f = (await import(pathToFileURL(join(ROOT, 'dist', 'forecast', 'index.js')).href)) as ForecastModule;
  const load0 = os.loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-forecast-'));
  try {
    const sizes = [SUPPORTED_SUPPLIERS.limit, SUPPORTED_SUPPLIERS.limit * 10];
    const inputs = sizes.map((n) => {
      const { csv, profiles } = syntheticForecast(n, MONTHS, LETTERS_PER_YEAR, AUTH_PER_YEAR);
      const csvFile = join(dir, `forecast-${n}.csv`);
      const profilesFile = join(dir, `profiles-${n}.json`);
      writeFileSync(csvFile, csv);
      writeFileSync(profilesFile, profiles);
      return { n, csv, profiles, csvFile, profilesFile };
    });
    const a = inputs.map((x) => inProcess(f, x.n, x.csv, x.profiles, dir));
    const forecastRuns: Command[] = inputs.map((x) => ({
      name: `bbsim forecast (${x.n} afnemers)`,
      args: ['bin/bbsim.js', 'forecast', x.csvFile, '--profiles', x.profilesFile, '--out', join(dir, `cmd-${x.n}`)],
      ok: [0, 1],
    }));
    const startupRuns: Command[] = [
      { name: 'node -e 0 (reference)', args: ['-e', '0'], ok: [0] },
      { name: 'bbsim --version', args: ['bin/bbsim.js', '--version'], ok: [0] },
      { name: 'bbsim forecast --help', args: ['bin/bbsim.js', 'forecast', '--help'], ok: [0] },
    ];
    const measured = commands([...startupRuns, ...forecastRuns]);
    const startup = measured.slice(0, startupRuns.length);
    const b = measured.slice(startupRuns.length);
    const load1 = os.loadavg()[0]!;
    const gitRev = (): string => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      } catch {
        return '?';
      }
    };

    console.log(
      `bbsim forecast bench: ${MONTHS} months at minute resolution, compiled dist/ (${gitRev()}), medians of ${RUNS} runs after one warm-up (node ${process.version}; load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, on ${os.availableParallelism()} cores: on a shared machine the CPU ms says more than the wall ms)\n`,
    );
    console.log('(a) The forecast computation in-process: read CSV + profiles, spread, simulate, check, trace, duties');
    console.log(
      table(
        ['afnemers', 'rows', 'minutes', 'median ms', 'min ms', 'CPU ms', 'target', 'reference: split+sum ms'],
        a.map((r) => [
          num(r.afnemers),
          num(r.rows),
          num(r.minutes),
          num(r.msMedian, 0),
          num(r.msMin, 0),
          num(r.cpuMedian, 0),
          r.msMedian < TARGET_MS ? `< ${TARGET_MS} ms MET` : `< ${TARGET_MS} ms MISSED`,
          num(r.referenceMs, 0),
        ]),
      ),
    );
    console.log('\n    what a command adds on top (once, after the runs above):');
    console.log(
      table(
        ['afnemers', 'breach periods (n) ms', 'write files ms', 'emit set (n) ms'],
        a.map((r) => [
          num(r.afnemers),
          `${num(r.periodsMs, 0)} (${r.periods})`,
          num(r.writeMs, 0),
          `${num(r.emitMs, 0)} (${r.emitted})`,
        ]),
      ),
    );
    console.log('\n    steps of the last run (ms):');
    console.log(
      table(
        ['afnemers', ...Object.keys(a[0]!.steps)],
        a.map((r) => [num(r.afnemers), ...Object.values(r.steps).map((v) => num(v, 1))]),
      ),
    );
    console.log(
      '\n(b) The whole command, spawn to exit: node bin/bbsim.js forecast <file.csv> --profiles <file.json> --out <dir>',
    );
    console.log(
      table(
        ['afnemers', 'wall ms', 'CPU ms', 'of which start-up (c) ms'],
        b.map((r, i) => [num(sizes[i]!), num(r.wall, 0), num(r.cpu, 0), num(startup[2]!.wall, 0)]),
      ),
    );
    console.log('\n(c) Start-up, spawn to exit, no forecast:');
    console.log(
      table(
        ['command', 'wall ms', 'CPU ms'],
        startupRuns.map((c, i) => [c.name, num(startup[i]!.wall, 0), num(startup[i]!.cpu, 0)]),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
