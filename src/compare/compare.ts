import { LatencyHistogram } from '../results/histogram.ts';
import { hash32 } from '../random/index.ts';
import type { TimelinePoint } from '../results/summary.ts';
import { bucketWidth } from '../results/timeline.ts';
import { unitOf } from './budgets.ts';
import { changeInterval, pickIndex, resampledRank, type Draw } from './bootstrap.ts';
import type { LoadedRun } from './load-runs.ts';
import { FIGURES, type Budgets, type ChangeVerdict, type CompareResult, type Figure, type FigureRow, type NormRow } from './types.ts';

const QUANTILE: Partial<Record<Figure, number>> = { p50: 0.5, p95: 0.95, p99: 0.99, 'p99.9': 0.999 };

/** Per run: a scope's histogram, and its requests, failures and wall seconds from the timeline. */
interface ScopeRun {
  readonly histogram: LatencyHistogram | undefined;
  readonly requests: number;
  readonly failed: number;
  readonly seconds: number;
}

function timelineOf(points: readonly TimelinePoint[]): { requests: number; failed: number; seconds: number } {
  if (points.length === 0) return { requests: 0, failed: 0, seconds: 0 };
  const ts = points.map((p) => p.t);
  return {
    requests: points.reduce((a, p) => a + p.requests, 0),
    failed: points.reduce((a, p) => a + p.failed, 0),
    seconds: Math.max(...ts) - Math.min(...ts) + bucketWidth(points),
  };
}

function scopeRuns(runs: readonly LoadedRun[], scope: 'flow' | 'service', name: string): ScopeRun[] {
  return runs.map((r) => {
    const encoded = r.summary.histograms?.[scope][name];
    const histogram = encoded ? LatencyHistogram.decode(encoded) : undefined;
    if (scope === 'service') return { histogram, ...timelineOf(r.summary.timeline.filter((p) => p.service === name)) };
    // A flow's requests and failures come from the run's per-flow counts, over the run's span.
    const counts = r.summary.errors?.byFlow?.[name];
    return { histogram, requests: counts?.requests ?? 0, failed: counts?.failed ?? 0, seconds: counts ? timelineOf(r.summary.timeline).seconds : 0 };
  });
}

/** The figure of one run, and a draw that resamples it (runs with replacement, then requests). */
function pointOf(figure: Figure, r: ScopeRun): number | undefined {
  const q = QUANTILE[figure];
  if (q !== undefined) return r.histogram && r.histogram.count > 0 ? r.histogram.percentile(q * 100) : undefined;
  if (figure === 'error-rate') return r.requests > 0 ? (100 * r.failed) / r.requests : undefined;
  return r.seconds > 0 ? r.requests / r.seconds : undefined;
}

function drawOf(figure: Figure, runs: readonly ScopeRun[]): Draw {
  return (next) => {
    let sum = 0;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[runs.length > 1 ? pickIndex(runs.length, next) : 0]!;
      const q = QUANTILE[figure];
      if (q !== undefined && r.histogram) sum += r.histogram.percentile(resampledRank(q, r.histogram.count, next) * 100);
      else if (figure === 'error-rate' && r.requests > 0) sum += 100 * resampledRank(r.failed / r.requests, r.requests, next);
      else sum += pointOf(figure, r) ?? 0;
    }
    return sum / runs.length;
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * A change is a regression only when its whole 95 % interval is past the budget, relative and
 * absolute (for throughput, lower is worse); an improvement likewise the other way.
 */
function judge(figure: Figure, interval: readonly [number, number], intervalPct: readonly [number, number], b: { relativePct: number; absolute: number }): ChangeVerdict {
  const worse = figure === 'throughput' ? -1 : 1;
  const [lo, hi] = worse > 0 ? interval : [-interval[1], -interval[0]];
  const [plo, phi] = worse > 0 ? intervalPct : [-intervalPct[1], -intervalPct[0]];
  if (lo > b.absolute && plo > b.relativePct) return 'regression';
  if (hi < -b.absolute && phi < -b.relativePct) return 'improvement';
  return 'no-change';
}

function normRows(baseline: readonly LoadedRun[], current: readonly LoadedRun[]): NormRow[] {
  const ids = [...new Set([...baseline, ...current].flatMap((r) => r.rows.map((x) => x.normId)))];
  return ids.map((normId) => {
    const b = baseline.flatMap((r) => r.rows.filter((x) => x.normId === normId));
    const c = current.flatMap((r) => r.rows.filter((x) => x.normId === normId));
    const any = b[0] ?? c[0]!;
    const measured = (rows: typeof b): number | undefined => {
      const xs = rows.map((x) => x.measured).filter((x): x is number => x !== undefined);
      return xs.length ? mean(xs) : undefined;
    };
    const status = (rows: typeof b): string => (rows.length === 0 ? 'absent' : rows.some((x) => x.status === 'fail') ? 'fail' : rows.every((x) => x.status === 'pass') ? 'pass' : 'n/a');
    const bm = measured(b);
    const cm = measured(c);
    const bs = status(b);
    const cs = status(c);
    return {
      normId, unit: any.unit, limit: any.limit, baseline: bm, current: cm,
      changePct: bm !== undefined && cm !== undefined && bm !== 0 ? ((cm - bm) / bm) * 100 : undefined,
      baselineStatus: bs, currentStatus: cs,
      verdict: bs === 'pass' && cs === 'fail' ? 'regression' : bs === 'fail' && cs === 'pass' ? 'improvement' : 'no-change',
    };
  });
}

/** Baseline → current for every norm, and per flow and service for each figure, with intervals. */
export function compareRuns(baseline: readonly LoadedRun[], current: readonly LoadedRun[], budgets: Budgets, paths: { baseline: string; current: string }): CompareResult {
  const warnings: string[] = [];
  const bHash = baseline[0]?.summary.context?.scenarioHash;
  const cHash = current[0]?.summary.context?.scenarioHash;
  const scenario = current[0]?.summary.scenario ?? baseline[0]?.summary.scenario ?? '?';
  if (baseline[0]?.summary.scenario !== current[0]?.summary.scenario) warnings.push(`different scenarios: baseline ${baseline[0]?.summary.scenario}, current ${current[0]?.summary.scenario}`);
  else if (bHash && cHash && bHash !== cHash) warnings.push(`the scenario changed between the runs (hash ${bHash} → ${cHash}): a difference may be the load's, not the system's`);
  if (baseline.length < 2 || current.length < 2) warnings.push('one run on a side: its interval covers the sampling noise within a run, not the jitter between runs; use bbsim run --repeat 3');
  const bEngines = new Set(baseline.map((r) => r.summary.engine));
  const cEngines = new Set(current.map((r) => r.summary.engine));
  if ([...bEngines].join() !== [...cEngines].join()) warnings.push(`different load generators: ${[...bEngines].join()} → ${[...cEngines].join()}`);
  if ([...baseline, ...current].some((r) => !r.summary.histograms)) warnings.push('a run without latency histograms (made before they were recorded): its percentiles are not compared');

  const figures: FigureRow[] = [];
  for (const scope of ['flow', 'service'] as const) {
    const names = [...new Set([...baseline, ...current].flatMap((r) => Object.keys(r.summary.histograms?.[scope] ?? {})))].sort();
    for (const name of names) {
      const b = scopeRuns(baseline, scope, name);
      const c = scopeRuns(current, scope, name);
      for (const figure of FIGURES) {
        const bp = b.map((r) => pointOf(figure, r)).filter((x): x is number => x !== undefined);
        const cp = c.map((r) => pointOf(figure, r)).filter((x): x is number => x !== undefined);
        if (bp.length === 0 || cp.length === 0) continue;
        const bv = mean(bp);
        const cv = mean(cp);
        const seed = hash32(`${scope}/${name}/${figure}`, 1);
        const { diffs, rel } = changeInterval(drawOf(figure, b), drawOf(figure, c), seed);
        const budget = budgets[figure];
        figures.push({
          scope, name, figure, unit: unitOf(figure), baseline: bv, current: cv, change: cv - bv,
          changePct: bv !== 0 ? ((cv - bv) / bv) * 100 : 0, interval: diffs, intervalPct: rel, budget,
          verdict: judge(figure, diffs, rel, budget),
        });
      }
    }
  }
  const norms = normRows(baseline, current);
  return {
    scenario,
    baseline: { path: paths.baseline, runs: baseline.length, scenarioHash: bHash },
    current: { path: paths.current, runs: current.length, scenarioHash: cHash },
    budgets, norms, figures, warnings,
    regressions: figures.filter((f) => f.verdict === 'regression').length + norms.filter((n) => n.verdict === 'regression').length,
  };
}
