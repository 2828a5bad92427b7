import { LatencyHistogram } from '../results/histogram.ts';
import { hash32 } from '../random/index.ts';
import type { RunContext, TimelinePoint } from '../results/summary.ts';
import { bucketWidth, coarsenTimeline } from '../results/timeline.ts';
import { binomialDraw, resampledQuantileRank } from '../run/order-statistics.ts';
import { compareMinSamples } from '../run/sample-size.ts';
import { unitOf } from './budgets.ts';
import { changeInterval, pickIndex, type Draw } from './bootstrap.ts';
import type { LoadedRun } from './load-runs.ts';
import {
  FIGURES,
  type Budgets,
  type ChangeVerdict,
  type CompareResult,
  type Figure,
  type FigureRow,
  type FigureVerdict,
  type NormRow,
  type ScopeRow,
} from './types.ts';

/** Most blocks per run in the block bootstrap: an hour's 3,600 buckets merge to 30 (each draw stays cheap). */
const MAX_BLOCKS = 30;

const QUANTILE: Partial<Record<Figure, number>> = { p50: 0.5, p95: 0.95, p99: 0.99, 'p99.9': 0.999 };

/** Per run: a scope's histogram, its requests, failures and wall seconds, and its timeline (the blocks). */
interface ScopeRun {
  readonly histogram: LatencyHistogram | undefined;
  readonly requests: number;
  readonly failed: number;
  readonly seconds: number;
  /** The scope's service's timeline points: one block per wall-time bucket. */
  readonly blocks: readonly TimelinePoint[];
}

/** A bucket's latency CDF at x, piecewise linear through its p50, p95, p99 and max (0 at 0 ms). */
function blockCdf(p: TimelinePoint, x: number): number {
  const knots: readonly (readonly [number, number])[] = [
    [0, 0],
    [p.p50, 0.5],
    [p.p95, 0.95],
    [p.p99, 0.99],
    [p.max, 1],
  ];
  if (x >= p.max) return 1;
  for (let i = 1; i < knots.length; i++) {
    const [x1, c1] = knots[i]!;
    if (x < x1) {
      const [x0, c0] = knots[i - 1]!;
      return x1 > x0 ? c0 + ((c1 - c0) * (x - x0)) / (x1 - x0) : c1;
    }
  }
  return 1;
}

/** The q-quantile of the mixture of some buckets (each weighted by its requests), by bisection. */
function mixtureQuantile(blocks: readonly TimelinePoint[], q: number): number {
  let w = 0;
  let hi = 0;
  for (const b of blocks) {
    w += b.requests;
    if (b.max > hi) hi = b.max;
  }
  if (w === 0) return 0;
  let lo = 0;
  // To 0.01 % of the largest value: finer than the HDR histogram it scales (0.1 %), in about 14 steps.
  const tolerance = hi * 1e-4;
  for (let i = 0; i < 40 && hi - lo > tolerance; i++) {
    const mid = (lo + hi) / 2;
    let f = 0;
    for (const b of blocks) f += b.requests * blockCdf(b, mid);
    if (f / w < q) lo = mid;
    else hi = mid;
  }
  return hi;
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

/**
 * The wall seconds of a run's load: k6's testRunDurationMs (the native engine writes it too), else
 * the timeline's span. The span is whole buckets, so a 5 s run measured 5 or 6 s — ±20 % in
 * throughput between two runs of the same build, a false regression the A/A calibration found.
 */
function loadSeconds(r: LoadedRun): number {
  const ms = r.summary.k6.state?.testRunDurationMs;
  return ms !== undefined && ms > 0 ? ms / 1000 : timelineOf(r.summary.timeline).seconds;
}

function scopeRuns(runs: readonly LoadedRun[], scope: 'flow' | 'service', name: string): ScopeRun[] {
  return runs.map((r) => {
    const encoded = r.summary.histograms?.[scope][name];
    const histogram = encoded ? LatencyHistogram.decode(encoded) : undefined;
    if (scope === 'service') {
      const blocks = coarsenTimeline(
        r.summary.timeline.filter((p) => p.service === name),
        MAX_BLOCKS,
      ).timeline;
      const t = timelineOf(blocks);
      return {
        histogram,
        requests: t.requests,
        failed: t.failed,
        seconds: t.requests > 0 ? loadSeconds(r) : 0,
        blocks,
      };
    }
    // A flow's requests and failures come from the run's per-flow counts; its blocks are its service's.
    const counts = r.summary.errors?.byFlow?.[name];
    const requests = counts?.requests ?? histogram?.count ?? 0;
    const service = name.slice(name.lastIndexOf(':') + 1);
    return {
      histogram,
      requests,
      failed: counts?.failed ?? 0,
      seconds: requests > 0 ? loadSeconds(r) : 0,
      blocks: coarsenTimeline(
        r.summary.timeline.filter((p) => p.service === service),
        MAX_BLOCKS,
      ).timeline,
    };
  });
}

/** The scopes a set of runs has requests in: histograms, the timeline's services, the per-flow counts. */
function scopeNames(runs: readonly LoadedRun[], scope: 'flow' | 'service'): Set<string> {
  return new Set(
    runs.flatMap((r) => [
      ...Object.keys(r.summary.histograms?.[scope] ?? {}),
      ...(scope === 'service' ? r.summary.timeline.map((p) => p.service) : Object.keys(r.summary.errors?.byFlow ?? {})),
    ]),
  );
}

const successful = (r: ScopeRun): number =>
  Math.max(0, Math.min(r.requests, r.histogram?.count ?? r.requests) - r.failed);

/** The figure of one run. */
function pointOf(figure: Figure, r: ScopeRun): number | undefined {
  const q = QUANTILE[figure];
  if (q !== undefined) return r.histogram && r.histogram.count > 0 ? r.histogram.percentile(q * 100) : undefined;
  if (figure === 'error-rate') return r.requests > 0 ? (100 * r.failed) / r.requests : undefined;
  return r.seconds > 0 ? r.requests / r.seconds : undefined;
}

/**
 * A draw that resamples a side: its runs with replacement, then within each run its whole requests
 * (exactly, for any n: a quantile's rank by the order statistic's Beta law, the failures by the
 * binomial law), without touching n values.
 *
 * Requests within a run are not independent: a stall of the machine slows every request of that
 * second (the A/A calibration on a loaded 2-core machine saw one k6 run's per-second p95 at
 * 38, 37, 98, 39, 45 ms, the next run's at 33–42 ms). So a quantile also moves by a block bootstrap
 * over the run's wall-time buckets: the buckets are resampled with replacement, the quantile of
 * their mixture (each bucket's CDF through its p50, p95, p99 and max) is taken, and the draw is
 * scaled by its ratio to the observed buckets' one. A run that was steady throughout keeps a
 * narrow interval; a disturbed one gets the wide interval it deserves instead of a false regression.
 */
function drawOf(figure: Figure, runs: readonly ScopeRun[]): Draw {
  const q = QUANTILE[figure];
  const observed = runs.map((r) => (q !== undefined ? mixtureQuantile(r.blocks, q) : 0));
  const scratch: TimelinePoint[] = [];
  return (next) => {
    let sum = 0;
    for (let i = 0; i < runs.length; i++) {
      const k = runs.length > 1 ? pickIndex(runs.length, next) : 0;
      const r = runs[k]!;
      let factor = 1;
      if (q !== undefined && r.blocks.length > 1 && observed[k]! > 0) {
        scratch.length = 0;
        for (let j = 0; j < r.blocks.length; j++) scratch.push(r.blocks[pickIndex(r.blocks.length, next)]!);
        factor = mixtureQuantile(scratch, q) / observed[k]!;
      }
      if (q !== undefined && r.histogram && r.histogram.count > 0)
        sum += r.histogram.atRank(resampledQuantileRank(q, r.histogram.count, next)) * factor;
      else if (figure === 'error-rate' && r.requests > 0)
        sum += (100 * binomialDraw(r.requests, r.failed / r.requests, next)) / r.requests;
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
function judge(
  figure: Figure,
  interval: readonly [number, number],
  intervalPct: readonly [number, number],
  b: { relativePct: number; absolute: number },
): ChangeVerdict {
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
    const status = (rows: typeof b): string =>
      rows.length === 0
        ? 'absent'
        : rows.some((x) => x.status === 'fail')
          ? 'fail'
          : rows.some((x) => x.unjudged !== undefined)
            ? 'not judged'
            : rows.every((x) => x.status === 'pass')
              ? 'pass'
              : 'n/a';
    const bm = measured(b);
    const cm = measured(c);
    const bs = status(b);
    const cs = status(c);
    return {
      normId,
      unit: any.unit,
      limit: any.limit,
      baseline: bm,
      current: cm,
      changePct: bm !== undefined && cm !== undefined && bm !== 0 ? ((cm - bm) / bm) * 100 : undefined,
      baselineStatus: bs,
      currentStatus: cs,
      // Judged in the baseline and not now (no sample, no figure) is a regression too: the check was lost.
      verdict:
        bs === 'pass' && (cs === 'fail' || cs === 'not judged')
          ? 'regression'
          : bs === 'fail' && cs === 'pass'
            ? 'improvement'
            : 'no-change',
    };
  });
}

/** Where the runs came from, side by side: a difference is the machine's, not the system's. */
function contextWarnings(baseline: readonly LoadedRun[], current: readonly LoadedRun[]): string[] {
  const out: string[] = [];
  const bEngines = [...new Set(baseline.map((r) => r.summary.engine))].sort().join(', ');
  const cEngines = [...new Set(current.map((r) => r.summary.engine))].sort().join(', ');
  if (bEngines !== cEngines)
    out.push(
      `different load generators: ${bEngines} → ${cEngines}: their latencies differ by design (the native engine measures from the intended send time)`,
    );
  if ([...baseline, ...current].some((r) => !r.summary.context)) {
    out.push(
      'a run without its context (recorded before bbsim kept it): differences of hardware, Node and k6 cannot be checked',
    );
    return out;
  }
  const facts: [string, (c: RunContext) => string | undefined][] = [
    ['CPU cores', (c) => String(c.cores)],
    ['CPU', (c) => c.cpuModel],
    ['Node', (c) => c.node],
    ['k6', (c) => c.k6Version],
    ['sim clock speed', (c) => String(c.speed)],
  ];
  for (const [label, of] of facts) {
    const side = (runs: readonly LoadedRun[]): string =>
      [...new Set(runs.map((r) => of(r.summary.context!)).filter((x): x is string => x !== undefined))]
        .sort()
        .join(', ');
    const b = side(baseline);
    const c = side(current);
    if (b && c && b !== c)
      out.push(`different ${label}: ${b} → ${c}: a difference may be the machine's, not the system's`);
  }
  return out;
}

/** Baseline → current for every norm, and per flow and service for each figure, with intervals. */
export function compareRuns(
  baseline: readonly LoadedRun[],
  current: readonly LoadedRun[],
  budgets: Budgets,
  paths: { baseline: string; current: string },
): CompareResult {
  const warnings: string[] = [];
  const bHash = baseline[0]?.summary.context?.scenarioHash;
  const cHash = current[0]?.summary.context?.scenarioHash;
  const scenario = current[0]?.summary.scenario ?? baseline[0]?.summary.scenario ?? '?';
  if (baseline[0]?.summary.scenario !== current[0]?.summary.scenario)
    warnings.push(
      `different scenarios: baseline ${baseline[0]?.summary.scenario}, current ${current[0]?.summary.scenario}`,
    );
  else if (bHash && cHash && bHash !== cHash)
    warnings.push(
      `the scenario changed between the runs (hash ${bHash} → ${cHash}): a difference may be the load's, not the system's`,
    );
  if (baseline.length < 2 || current.length < 2)
    warnings.push(
      'one run on a side: its interval covers the sampling noise within a run, not the jitter between runs; use bbsim run --repeat 3',
    );
  warnings.push(...contextWarnings(baseline, current));
  if ([...baseline, ...current].some((r) => !r.summary.histograms))
    warnings.push(
      'a run without latency histograms (made before they were recorded): its percentiles are not compared',
    );

  const figures: FigureRow[] = [];
  const scopes: ScopeRow[] = [];
  for (const scope of ['flow', 'service'] as const) {
    const names = [...new Set([...scopeNames(baseline, scope), ...scopeNames(current, scope)])].sort();
    for (const name of names) {
      const b = scopeRuns(baseline, scope, name);
      const c = scopeRuns(current, scope, name);
      const bReq = mean(b.map((r) => r.requests));
      const cReq = mean(c.map((r) => r.requests));
      if (bReq > 0 && cReq === 0) {
        scopes.push({ scope, name, baseline: bReq, current: 0, verdict: 'lost' });
        continue;
      }
      if (bReq === 0 && cReq > 0) {
        scopes.push({ scope, name, baseline: 0, current: cReq, verdict: 'new' });
        continue;
      }
      if (bReq === 0) continue;
      const fewest = Math.min(...[...b, ...c].map(successful));
      for (const figure of FIGURES) {
        const bp = b.map((r) => pointOf(figure, r)).filter((x): x is number => x !== undefined);
        const cp = c.map((r) => pointOf(figure, r)).filter((x): x is number => x !== undefined);
        if (bp.length === 0 || cp.length === 0) continue;
        const bv = mean(bp);
        const cv = mean(cp);
        const seed = hash32(`${scope}/${name}/${figure}`, 1);
        const { diffs, rel } = changeInterval(drawOf(figure, b), drawOf(figure, c), seed);
        const budget = budgets[figure];
        const q = QUANTILE[figure];
        let verdict: FigureVerdict = judge(figure, diffs, rel, budget);
        let note: string | undefined;
        let samples: FigureRow['samples'];
        if (q !== undefined) {
          samples = { fewest, needed: compareMinSamples(q) };
          if (fewest < samples.needed) {
            verdict = 'not-enough-samples';
            note = `${fewest} successful requests in a run; a ${figure} needs ${samples.needed} on each side`;
          }
        }
        if (figure === 'error-rate' && b.every((r) => r.failed === 0) && c.some((r) => r.failed > 0)) {
          verdict = 'regression';
          note = 'no failed request in the baseline, some now: a regression whatever the budget';
        }
        figures.push({
          scope,
          name,
          figure,
          unit: unitOf(figure),
          baseline: bv,
          current: cv,
          change: cv - bv,
          changePct: bv !== 0 ? ((cv - bv) / bv) * 100 : 0,
          interval: diffs,
          intervalPct: rel,
          budget,
          verdict,
          ...(samples ? { samples } : {}),
          ...(note !== undefined ? { note } : {}),
        });
      }
    }
  }
  const lost = scopes.filter((s) => s.verdict === 'lost');
  for (const s of scopes.filter((x) => x.verdict === 'new'))
    warnings.push(`${s.scope} ${s.name}: ${s.current.toFixed(0)} requests a run now, none in the baseline`);
  const norms = normRows(baseline, current);
  return {
    scenario,
    baseline: { path: paths.baseline, runs: baseline.length, scenarioHash: bHash },
    current: { path: paths.current, runs: current.length, scenarioHash: cHash },
    budgets,
    norms,
    figures,
    scopes,
    warnings,
    regressions:
      figures.filter((f) => f.verdict === 'regression').length +
      norms.filter((n) => n.verdict === 'regression').length +
      lost.length,
  };
}
