/**
 * What one iteration of the `peak-day` costs on this machine, the load generator and the mock apart,
 * and the floor that puts under the whole day's wall time (issue 23: the whole day in ≤ 10 minutes
 * with k6, ≤ 5 with the native engine).
 *
 *   npm run bench:day-cost -- [--engine k6,native] [--hours 20-21] [--rate 600] [--seconds 60]
 *
 * A slice of the day (its evening peak hour by default: DigiD at 9,500/min, a fifth of it burgers
 * reading, Machtigen, letters at 0.7 of the hourly peak) replayed at a wall rate the machine keeps up
 * with (`--rate` wall iterations/s, so nothing is dropped and every figure is the cost of work done),
 * for `--seconds` of wall time. Metered per measured run: CPU of the mock, of the generator and of the
 * rest of the machine, from /proc (k6: a process of its own; native: the engine on this process's
 * main thread, the mock in its worker thread). The reference beside it is the machine's own budget:
 * the whole day's iterations × (generator + mock) CPU per iteration ÷ the cores, against the wall
 * time the issue asks. Loopback only; every run bounded by its schedule.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../../src/run/index.ts';
import {
  defineScenario,
  iterationProfiles,
  scenarioWallMs,
  type Scenario,
  type SimProfile,
} from '../../src/scenario/index.ts';
import peakDayWhole from '../../scenarios/peak-day.ts';
import { meterSystem, threadCpuMs } from '../lib/proc.ts';
import { num, table } from '../lib/table.ts';
import { daySlice } from './day-slice.ts';
import { runCounts } from './run-counts.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines = (arg('--engine') ?? 'k6,native').split(',') as ('k6' | 'native')[];
const [fromH, toH] = (arg('--hours') ?? '20-21').split('-').map(Number) as [number, number];
const RATE = Number(arg('--rate') ?? 600);
if (!(RATE > 0)) throw new Error(`--rate: wall iterations per second > 0, got ${arg('--rate')}`);
/** Wall seconds of load per engine. */
const SECONDS = Number(arg('--seconds') ?? 60);
const CORES = cpus().length;
/** Issue 23's wall-time goals for the whole day, per engine. */
const GOAL_S: Record<'k6' | 'native', number> = { k6: 600, native: 300 };

/** Iterations a sim profile holds (linear stages; a stepped hour at its level). */
function iterationsOf(p: SimProfile): number {
  let r = p.startRate;
  let n = 0;
  for (const s of p.stages) {
    n += ((s.stepped ? s.target : (r + s.target) / 2) * s.durationMs) / 1000;
    r = s.target;
  }
  return n;
}

function scenarioIterations(s: Scenario): number {
  const batch = Number((s.data as { batchSize?: number } | undefined)?.batchSize ?? 100);
  return iterationProfiles(s.flows, s.load, batch).reduce((a, p) => a + iterationsOf(p), 0);
}

interface Measured {
  readonly engine: 'k6' | 'native';
  readonly wallS: number;
  readonly iterations: number;
  readonly dropped: number;
  readonly requests: number;
  /** Iterations the measured window holds (planned rate × its length). */
  readonly windowIterations: number;
  /** CPU seconds over the measured window. */
  readonly mockS: number;
  readonly generatorS: number;
  readonly helpersS: number;
  readonly otherS: number;
  readonly exitCode: number;
}

const day = peakDayWhole;
// The slice at one speed, the one that makes its load --rate wall iterations/s, for --seconds of wall time.
const perSimS = scenarioIterations(daySlice(day, fromH, toH, 1)) / 60;
const speed = RATE / perSimS;
const SIM_MINUTES = (SECONDS * speed) / 60;
const atSpeedOne = daySlice(day, fromH, toH, SIM_MINUTES);
const sliceIterations = scenarioIterations(atSpeedOne);
const slice = defineScenario({
  ...atSpeedOne,
  clock: { start: `2027-03-01T${String(fromH).padStart(2, '0')}:00:00+01:00`, speed },
});
const dayIterations = scenarioIterations(day);

console.log(
  `bench day-cost: ${CORES} cores, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `slice ${fromH}:00–${toH}:00 of ${day.name}, ${num(SIM_MINUTES, 1)} sim min at ${num(RATE)} wall iterations/s: speed ${num(speed, 2)}, planned ${num(scenarioWallMs(slice) / 1000, 1)} s, about ${num(sliceIterations)} iterations (the whole day: ${num(dayIterations)})`,
);

/** The load's steady part: from this long after the run starts (mock and generator up) … */
const WINDOW_FROM_S = 6;
/** … to this long before its planned end (the end's summary and histograms are the runner's, not per iteration). */
const WINDOW_END_EARLY_S = 3;
const plannedS = scenarioWallMs(slice) / 1000;
const windowS = plannedS - WINDOW_FROM_S - WINDOW_END_EARLY_S;
if (windowS < 10) throw new Error(`the slice plans ${num(plannedS, 1)} s of load; give --seconds 20 or more`);
/** Iterations per wall second the slice plans (one level, so the same through the window). */
const plannedRate = sliceIterations / plannedS;

type Snapshot = ReturnType<typeof threadCpuMs>;

const tmp = mkdtempSync(join(tmpdir(), 'bbsim-day-cost-'));
const results: Measured[] = [];
try {
  for (const engine of engines) {
    let from: Snapshot | undefined;
    let to: Snapshot | undefined;
    let system: ReturnType<typeof meterSystem> | undefined;
    let busyCores: number | undefined;
    const t0 = performance.now();
    const timers = [
      setTimeout(() => {
        from = threadCpuMs();
        system = meterSystem(CORES);
      }, WINDOW_FROM_S * 1000),
      setTimeout(
        () => {
          to = threadCpuMs();
          busyCores = system?.stop()?.busyCores;
        },
        (WINDOW_FROM_S + windowS) * 1000,
      ),
    ];
    const r = await runScenario({
      scenario: slice,
      outDir: tmp,
      k6Path: join(ROOT, '.tools', 'bin', 'k6'),
      engine,
      quiet: true,
      log: () => undefined,
    });
    const wallS = (performance.now() - t0) / 1000;
    for (const t of timers) clearTimeout(t);
    if (!from || !to || busyCores === undefined)
      throw new Error(`${engine}: the run ended before its measured window did`);
    const a = from;
    const b = to;
    const cpuS = (x: { user: number; system: number } | undefined): number => (x ? x.user + x.system : 0) / 1000;
    const perThread = [...b].map(([tid, x]) => ({
      tid,
      name: x.name,
      s: cpuS(x) - cpuS(a.get(tid)),
      kernelS: (x.system - (a.get(tid)?.system ?? 0)) / 1000,
    }));
    const main = perThread.find((t) => t.tid === process.pid)?.s ?? 0;
    const others = perThread.filter((t) => t.tid !== process.pid).sort((x, y) => y.s - x.s);
    if (args.includes('--threads'))
      for (const t of [...perThread].sort((x, y) => y.s - x.s).filter((x) => x.s >= 0.2))
        console.log(
          `  thread ${t.tid} ${t.name}${t.tid === process.pid ? ' (main)' : ''}: ${num(t.s, 1)} CPU s, of which ${num(t.kernelS, 1)} s in the kernel`,
        );
    const selfS = perThread.reduce((x, t) => x + t.s, 0);
    const totalS = busyCores * windowS;
    const counts = runCounts(r.dir);
    if (!counts) console.log(`${engine}: no summary (${r.error ?? `exit ${r.exitCode}`})`);
    const { iterations, dropped, requests } = counts ?? { iterations: 0, dropped: 0, requests: 0 };
    // k6: the mock is this process, the generator the k6 process (the machine's busy time less this
    // process's). Native: the engine is this process's main thread, the mock its worker thread (the
    // busiest other thread); V8's and libuv's helper threads (GC, fsync) are counted apart.
    const mockS = engine === 'k6' ? selfS : (others[0]?.s ?? 0);
    const generatorS = engine === 'k6' ? totalS - selfS : main;
    const helpersS = engine === 'k6' ? 0 : selfS - main - mockS;
    const m: Measured = {
      engine,
      wallS,
      iterations,
      dropped,
      requests,
      windowIterations: plannedRate * windowS,
      mockS,
      generatorS,
      helpersS,
      otherS: engine === 'k6' ? 0 : totalS - selfS,
      exitCode: r.exitCode,
    };
    results.push(m);
    console.log(
      `${engine}: ${num(wallS, 1)} s, ${num(iterations)} iterations (${num(requests)} requests), ${num(dropped)} dropped, exit ${r.exitCode}; over the ${num(windowS, 0)} s window (${num(m.windowIterations)} iterations) CPU s: mock ${num(m.mockS, 1)}, generator ${num(m.generatorS, 1)}, helper threads ${num(m.helpersS, 1)}, rest of the machine ${num(m.otherS, 1)}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const us = (s: number, n: number): number => (n > 0 ? (s * 1e6) / n : Number.NaN);
console.log(
  `\n=== CPU per iteration of the ${fromH}:00–${toH}:00 mix, and the floor it puts under the whole day (${num(dayIterations)} iterations on ${CORES} cores) ===`,
);
console.log(
  table(
    [
      'engine',
      'iterations',
      'dropped',
      'mock µs/it',
      'generator µs/it',
      'helpers µs/it',
      'day floor (all cores)',
      'goal',
      '',
    ],
    results.map((m) => {
      const perIt = us(m.mockS + m.generatorS + m.helpersS, m.windowIterations);
      const floorS = (dayIterations * perIt) / 1e6 / CORES;
      return [
        m.engine,
        num(m.iterations),
        num(m.dropped),
        num(us(m.mockS, m.windowIterations), 0),
        num(us(m.generatorS, m.windowIterations), 0),
        num(us(m.helpersS, m.windowIterations), 0),
        `${num(floorS / 60, 1)} min`,
        `${GOAL_S[m.engine] / 60} min`,
        floorS <= GOAL_S[m.engine] ? 'fits' : `needs ${num(floorS / GOAL_S[m.engine], 1)}× less CPU`,
      ];
    }),
  ),
);
console.log(
  '(floor: the whole day at this mix, with every core busy all the time and no drops; the real day also has quieter mixes)',
);
const out = join(ROOT, 'results');
mkdirSync(out, { recursive: true });
const file = join(out, `bench-day-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      cores: CORES,
      hours: [fromH, toH],
      rate: RATE,
      simMinutes: SIM_MINUTES,
      seconds: SECONDS,
      speed,
      dayIterations,
      results,
    },
    null,
    2,
  ),
);
console.log(`wrote ${file}`);
