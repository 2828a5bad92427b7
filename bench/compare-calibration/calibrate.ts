/**
 * Calibration of `bbsim compare` (issue #13): A/A comparisons of the same build (many pairs, both
 * engines, one run per side and --repeat 3) give the false-regression rate per figure; A/B with
 * known slowdowns (+2, +5, +20 ms on a 20 ms service) show which are caught at the default budgets.
 * Used by bench/compare-calibration/run.ts (the larger set) and test/compare-calibration.test.ts.
 *
 * Each run: a fresh in-process mock (its own seed, so service times differ between runs as a real
 * service's do) whose DigiD Machtigen answers in a lognormal 20 ms (p99 40 ms), with the window
 * limit lifted; `machtigen-check` at a constant 250/s for the given wall seconds, with k6 or the
 * native engine. Loopback only; every run bounded by its scenario's duration.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildMock } from '../../src/mock/app.ts';
import { perSecond } from '../../src/norms/index.ts';
import {
  compareRuns,
  DEFAULT_BUDGETS,
  loadRuns,
  type CompareResult,
  type FigureVerdict,
  type LoadedRun,
} from '../../src/compare/index.ts';
import { FIGURES, type Figure } from '../../src/compare/types.ts';
import { runScenario, RUN_EXIT } from '../../src/run/index.ts';
import type { EngineName } from '../../src/results/index.ts';
import { defineScenario } from '../../src/scenario/index.ts';
import { createPrng, uniform } from '../../src/random/index.ts';

const START = Date.parse('2026-11-16T14:00:00+01:00');
export const SERVICE = 'digid-machtigen';
export const SERVICE_MS = { medianMs: 20, p99Ms: 40 } as const;
export const RATE_PER_S = 250;

export function calibrationScenario(seconds: number) {
  return defineScenario({
    name: 'compare-calibration',
    description: `Machtigen checks at ${RATE_PER_S}/s on a 20 ms service, for calibrating compare`,
    clock: { speed: 1, start: new Date(START).toISOString() },
    flows: [{ flow: 'machtigen-check' }],
    load: { kind: 'constant', rate: perSecond(RATE_PER_S), duration: `${seconds}s` },
    norms: ['machtigen.processing-time'],
  });
}

export interface CalibrationOptions {
  readonly dir: string;
  readonly k6Path: string;
  /** Runs per engine of the unchanged build (the A/A pool). */
  readonly runs: number;
  /** Wall seconds of load per run. */
  readonly seconds: number;
  readonly engines: readonly EngineName[];
  /** Slowdowns for the A/B table (ms added to every answer) and runs per slowdown per engine. */
  readonly slowdowns: readonly number[];
  readonly slowRuns: number;
  /** Engines for the A/B rows (default: all of `engines`). */
  readonly abEngines?: readonly EngineName[];
  /** Random 3-vs-3 splits of the pool for the --repeat 3 A/A rows. */
  readonly setPairs: number;
  readonly log: (line: string) => void;
}

/** One run against a fresh in-process mock (as `bbsim run` starts it); its folder. */
async function oneRun(
  dir: string,
  runId: string,
  engine: EngineName,
  seconds: number,
  seed: number,
  extraMs: number,
  k6Path: string,
): Promise<string> {
  const mock = await buildMock({
    db: join(dir, `${runId}.db`),
    seed,
    clock: { speed: 1, start: START },
    maintenance: { enabled: false },
    machtigen: { perMinute: 1_000_000, serviceTime: { kind: 'lognormal', ...SERVICE_MS } },
    ...(extraMs > 0
      ? { faults: { services: { [SERVICE]: { latencySpikes: [{ from: START, to: START + 86_400_000, extraMs }] } } } }
      : {}),
  });
  const target = await mock.listen({ port: 0, host: '127.0.0.1' });
  try {
    const r = await runScenario({
      scenario: calibrationScenario(seconds),
      target,
      outDir: dir,
      runId,
      k6Path,
      engine,
      log: () => undefined,
    });
    if (r.exitCode === RUN_EXIT.COULD_NOT_RUN || r.exitCode === RUN_EXIT.ERRORS_OVER_BUDGET)
      throw new Error(`${runId}: exit ${r.exitCode} ${r.error ?? ''}`);
    return r.dir;
  } finally {
    await mock.close();
  }
}

/** Per figure: how many comparisons, how many regressions (false alarms in A/A). */
export type FigureCounts = Record<Figure, { compared: number; regressions: number; notEnough: number }>;

function emptyCounts(): FigureCounts {
  return Object.fromEntries(FIGURES.map((f) => [f, { compared: 0, regressions: 0, notEnough: 0 }])) as FigureCounts;
}

/** The service scope's verdict per figure (its flow scope is the same requests). */
function verdicts(
  r: CompareResult,
): Partial<Record<Figure, { verdict: FigureVerdict; change: number; changePct: number }>> {
  return Object.fromEntries(
    r.figures
      .filter((f) => f.scope === 'service' && f.name === SERVICE)
      .map((f) => [f.figure, { verdict: f.verdict, change: f.change, changePct: f.changePct }]),
  );
}

function count(into: FigureCounts, r: CompareResult): void {
  for (const [figure, v] of Object.entries(verdicts(r)) as [Figure, { verdict: FigureVerdict }][]) {
    const c = into[figure];
    c.compared++;
    if (v.verdict === 'regression') c.regressions++;
    if (v.verdict === 'not-enough-samples') c.notEnough++;
  }
}

export interface AaRow {
  readonly engine: EngineName;
  readonly mode: '1 run per side' | '--repeat 3';
  readonly counts: FigureCounts;
}
export interface AbRow {
  readonly engine: EngineName;
  readonly mode: '1 run per side' | '--repeat 3';
  readonly extraMs: number;
  readonly figures: Partial<Record<Figure, { verdict: FigureVerdict; change: number; changePct: number }>>;
}

const cmp = (b: readonly LoadedRun[], c: readonly LoadedRun[]): CompareResult =>
  compareRuns(b, c, DEFAULT_BUDGETS, { baseline: 'A', current: 'B' });

export async function calibrate(
  o: CalibrationOptions,
): Promise<{ aa: AaRow[]; ab: AbRow[]; requestsPerRun: number; load: [number, number] }> {
  const loadBefore = loadavg()[0] ?? 0;
  const aa: AaRow[] = [];
  const ab: AbRow[] = [];
  let requestsPerRun = 0;
  for (const engine of o.engines) {
    const dir = join(o.dir, engine);
    mkdirSync(dir, { recursive: true });
    const pool: LoadedRun[] = [];
    for (let i = 0; i < o.runs; i++) {
      const t0 = performance.now();
      pool.push(...loadRuns(await oneRun(dir, `a-${i + 1}`, engine, o.seconds, 1000 + i, 0, o.k6Path)));
      o.log(`${engine} A/A run ${i + 1} of ${o.runs} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    requestsPerRun = pool[0]?.summary.histograms?.service[SERVICE]?.count ?? 0;
    // One run per side: every ordered pair of neighbours (i → i+1 and back), cyclic.
    const single = emptyCounts();
    for (let i = 0; i < pool.length; i++) {
      const j = (i + 1) % pool.length;
      count(single, cmp([pool[i]!], [pool[j]!]));
      if (pool.length > 2) count(single, cmp([pool[j]!], [pool[i]!]));
    }
    aa.push({ engine, mode: '1 run per side', counts: single });
    // --repeat 3: random disjoint 3-vs-3 splits of the pool (seeded).
    const sets = emptyCounts();
    const next = createPrng(hashEngine(engine));
    for (let k = 0; k < o.setPairs && pool.length >= 6; k++) {
      const order = pool
        .map((r, i) => [uniform(next), i] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, i]) => pool[i]!);
      count(sets, cmp(order.slice(0, 3), order.slice(3, 6)));
    }
    aa.push({ engine, mode: '--repeat 3', counts: sets });
    // A/B: the last three pool runs (nearest in time, so the machine's state is most alike) against slower mocks.
    const near = pool.slice(-3);
    for (const extraMs of (o.abEngines ?? o.engines).includes(engine) ? o.slowdowns : []) {
      const slow: LoadedRun[] = [];
      for (let i = 0; i < o.slowRuns; i++)
        slow.push(
          ...loadRuns(await oneRun(dir, `b${extraMs}-${i + 1}`, engine, o.seconds, 2000 + i, extraMs, o.k6Path)),
        );
      o.log(`${engine} A/B +${extraMs} ms: ${o.slowRuns} runs`);
      ab.push({
        engine,
        mode: '1 run per side',
        extraMs,
        figures: verdicts(cmp([near[near.length - 1]!], [slow[0]!])),
      });
      if (slow.length >= 3 && near.length >= 3)
        ab.push({ engine, mode: '--repeat 3', extraMs, figures: verdicts(cmp(near, slow.slice(0, 3))) });
    }
  }
  // The machine's 1-minute load average before and after: above its core count, other work competed.
  const load: [number, number] = [loadBefore, loadavg()[0] ?? 0];
  writeFileSync(join(o.dir, 'calibration.json'), JSON.stringify({ aa, ab, requestsPerRun, load }, null, 2));
  return { aa, ab, requestsPerRun, load };
}

const hashEngine = (e: EngineName): number => (e === 'k6' ? 6 : 7);

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(0)} %`);

/** The A/A table: per engine and mode, per figure false regressions / comparisons. */
export function aaTable(rows: readonly AaRow[]): string {
  const head = ['engine', 'mode', ...FIGURES.map((f) => `${f} false regressions`)];
  const body = rows.map((r) => [
    r.engine,
    r.mode,
    ...FIGURES.map((f) => {
      const c = r.counts[f];
      return c.notEnough === c.compared && c.compared > 0
        ? `not enough samples (${c.compared})`
        : `${c.regressions} / ${c.compared} (${pct(c.regressions, c.compared)})`;
    }),
  ]);
  return mdTable(head, body);
}

/** The A/B table: per slowdown, engine and mode, per latency figure the change and whether caught. */
export function abTable(rows: readonly AbRow[]): string {
  const figs: Figure[] = ['p50', 'p95', 'p99', 'p99.9'];
  const head = ['slowdown', 'engine', 'mode', ...figs];
  const body = rows.map((r) => [
    `+${r.extraMs} ms`,
    r.engine,
    r.mode,
    ...figs.map((f) => {
      const v = r.figures[f];
      if (!v) return '—';
      if (v.verdict === 'not-enough-samples') return 'not enough samples';
      return `${v.change >= 0 ? '+' : ''}${v.change.toFixed(1)} ms: ${v.verdict === 'regression' ? 'caught' : v.verdict === 'improvement' ? 'improved?!' : 'missed'}`;
    }),
  ]);
  return mdTable(head, body);
}

function mdTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
