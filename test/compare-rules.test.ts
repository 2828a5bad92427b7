import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/results/histogram.ts';
import {
  compareMarkdown,
  compareRuns,
  compareText,
  compareJunit,
  DEFAULT_BUDGETS,
  type CompareResult,
  type LoadedRun,
} from '../src/compare/index.ts';
import { createPrng, uniform } from '../src/random/index.ts';
import { binomialUpperTail, quantileRankInterval, resampledQuantileRank } from '../src/run/order-statistics.ts';
import { compareMinSamples, verdictMinSamples } from '../src/run/sample-size.ts';
import type { RunContext, RunSummary, TimelinePoint } from '../src/results/summary.ts';

const CONTEXT: RunContext = {
  scenarioHash: '0123456789abcdef',
  bbsimVersion: '0.1.0',
  k6Version: 'k6 v1.8.1',
  node: 'v20.20.2',
  cores: 2,
  cpuModel: 'test CPU',
  speed: 6,
  startedAt: new Date(0).toISOString(),
};

interface ScopeSpec {
  readonly service: string;
  readonly latencies: readonly number[];
  readonly failed?: number;
  readonly byStatus?: Record<string, number>;
}

/** A run as summary.json holds it: per service a histogram of the given latencies, over 10 s. */
function run(name: string, specs: readonly ScopeSpec[], context: Partial<RunContext> = {}): LoadedRun {
  const service: Record<string, ReturnType<LatencyHistogram['encode']>> = {};
  const flow: typeof service = {};
  const timeline: TimelinePoint[] = [];
  const byFlow: Record<string, { requests: number; failed: number }> = {};
  for (const s of specs) {
    const h = new LatencyHistogram();
    for (const ms of s.latencies) h.recordMs(ms);
    service[s.service] = h.encode();
    flow[`f:${s.service}`] = h.encode();
    byFlow[`f:${s.service}`] = { requests: s.latencies.length, failed: s.failed ?? 0 };
    const n = s.latencies.length;
    const f = s.failed ?? 0;
    for (let t = 0; t < 10; t++) {
      const requests = Math.floor(n / 10) + (t === 0 ? n % 10 : 0);
      timeline.push({
        t,
        service: s.service,
        requests,
        failed: Math.floor(f / 10) + (t === 0 ? f % 10 : 0),
        p50: 1,
        p95: 1,
        p99: 1,
        max: 1,
      });
    }
  }
  const summary: RunSummary = {
    scenario: 'rules',
    runId: name,
    engine: 'k6',
    target: 'mock',
    speed: 6,
    seconds: 10,
    k6: { metrics: {} },
    timeline,
    server: {},
    histograms: { service, flow },
    errors: { byStatus: {}, byCode: {}, byFlow },
    context: { ...CONTEXT, ...context },
  };
  return { dir: name, summary, rows: [] };
}

const fig = (r: CompareResult, name: string, figure: string) =>
  r.figures.find((f) => f.scope === 'service' && f.name === name && f.figure === figure)!;
const cmp = (b: LoadedRun[], c: LoadedRun[]): CompareResult =>
  compareRuns(b, c, DEFAULT_BUDGETS, { baseline: 'b', current: 'c' });

describe('order statistics (exact for any n)', () => {
  it('binomial tails and the distribution-free quantile interval', () => {
    expect(binomialUpperTail(10, 0.5, 0)).toBe(1);
    expect(binomialUpperTail(10, 0.5, 10)).toBeCloseTo(1 / 1024, 12);
    expect(binomialUpperTail(10, 0.5, 6)).toBeCloseTo(386 / 1024, 12);
    expect(binomialUpperTail(2000, 0.001, 1)).toBeCloseTo(1 - 0.999 ** 2000, 10);
    // The median of 100: ranks 40 and 61 (the textbook interval, coverage 0.9648).
    expect(quantileRankInterval(100, 0.5)).toEqual({ lo: 40, hi: 61 });
    // A p99.9 of 48 samples cannot be bounded above: the honest interval is open.
    expect(quantileRankInterval(48, 0.999).hi).toBe(49);
  });

  it('the resampled quantile rank spreads as a bootstrap of whole requests does', () => {
    const next = createPrng(7);
    const ranks = Array.from({ length: 4000 }, () => resampledQuantileRank(0.5, 48, next));
    const share = (k: number): number => ranks.filter((r) => r <= k).length / ranks.length;
    // P(median of a resample ≤ x_(24)) = P(Bin(48, 24/48) ≥ 24).
    expect(share(24)).toBeCloseTo(binomialUpperTail(48, 0.5, 24), 1);
    expect(new Set(ranks).size).toBeGreaterThan(8);
  });

  it('the sample-size rules', () => {
    expect([0.5, 0.95, 0.99, 0.999].map(compareMinSamples)).toEqual([20, 200, 1000, 10_000]);
    expect([99.9, 99, 'avg' as const, 100].map(verdictMinSamples)).toEqual([1000, 100, 10, 1]);
  });
});

describe('compare: statistics that know their sample size', () => {
  const steady = (n: number, seed: number): number[] => {
    const next = createPrng(seed);
    return Array.from({ length: n }, () => 9 + 2 * uniform(next));
  };

  it('one slow batch among 27 is not three regressions: p95, p99 and p99.9 are "not enough samples"', () => {
    const base = run('b', [{ service: 'berichtenbox-intake', latencies: steady(27, 1) }]);
    const slow = steady(27, 2);
    slow[13] = 40;
    const cur = run('c', [{ service: 'berichtenbox-intake', latencies: slow }]);
    const r = cmp([base], [cur]);
    for (const f of ['p95', 'p99', 'p99.9'])
      expect(fig(r, 'berichtenbox-intake', f)).toMatchObject({
        verdict: 'not-enough-samples',
        samples: { fewest: 27 },
      });
    expect(fig(r, 'berichtenbox-intake', 'p50').verdict).toBe('no-change');
    expect(r.regressions).toBe(0);
    expect(compareText(r)).toMatch(/p99\.9 .* not enough samples \(27 < 10000\)/);
  });

  it('48 requests: the p50 interval is an interval, not a point', () => {
    const r = cmp(
      [run('b', [{ service: 'abonnementservice', latencies: steady(48, 3) }])],
      [run('c', [{ service: 'abonnementservice', latencies: steady(48, 4) }])],
    );
    const p50 = fig(r, 'abonnementservice', 'p50');
    expect(p50.interval[1] - p50.interval[0]).toBeGreaterThan(0.3);
    expect(fig(r, 'abonnementservice', 'p99.9').verdict).toBe('not-enough-samples');
  });
});

describe('compare sees everything', () => {
  const fast = (n: number): number[] => Array.from({ length: n }, (_, i) => 15 + (i % 10));

  it('a scope that disappears is a regression; a new one a warning', () => {
    const b = run('b', [
      { service: 'digid', latencies: fast(2000) },
      { service: 'presentatie', latencies: fast(4800) },
    ]);
    const c = run('c', [
      { service: 'digid', latencies: fast(2000) },
      { service: 'validatieservice', latencies: fast(100) },
    ]);
    const r = cmp([b], [c]);
    expect(r.scopes).toEqual(
      expect.arrayContaining([
        { scope: 'service', name: 'presentatie', baseline: 4800, current: 0, verdict: 'lost' },
        { scope: 'service', name: 'validatieservice', baseline: 0, current: 100, verdict: 'new' },
      ]),
    );
    expect(r.regressions).toBe(2); // the service and its flow
    expect(compareText(r)).toMatch(/service presentatie +4800 → 0\.00 +REGRESSION: no request now/);
    expect(compareMarkdown(r)).toContain('#### Flows and services on one side only');
    expect(compareJunit(r)).toMatch(/name="requests"><failure message="4800 → 0\.00: REGRESSION: no request now"/);
    expect(r.warnings.join('\n')).toContain('service validatieservice: 100 requests a run now, none in the baseline');
  });

  it('a dead service: error rate 0 → 100 % is a regression in points, and its fast refusals are not "improved" latency', () => {
    const b = run('b', [{ service: 'digid', latencies: Array.from({ length: 2400 }, (_, i) => 300 + (i % 50)) }]);
    const c = run('c', [{ service: 'digid', latencies: Array.from({ length: 2400 }, () => 0.4), failed: 2400 }]);
    const r = cmp([b], [c]);
    expect(fig(r, 'digid', 'error-rate')).toMatchObject({
      verdict: 'regression',
      baseline: 0,
      current: 100,
      change: 100,
    });
    for (const f of ['p50', 'p95', 'p99', 'p99.9']) expect(fig(r, 'digid', f).verdict).toBe('not-enough-samples');
    const text = compareText(r);
    expect(text).toMatch(/error-rate +0\.00 % → 100 % +\+100 pp/);
    expect(text).not.toMatch(/improved/);
  });

  it('0 → non-zero error rate is a regression whatever the budget', () => {
    const b = run('b', [{ service: 'presentatie', latencies: fast(10_000) }]);
    const c = run('c', [{ service: 'presentatie', latencies: fast(10_000), failed: 1 }]);
    const r = compareRuns(
      [b],
      [c],
      { ...DEFAULT_BUDGETS, 'error-rate': { relativePct: 1000, absolute: 50 } },
      { baseline: 'b', current: 'c' },
    );
    expect(fig(r, 'presentatie', 'error-rate')).toMatchObject({
      verdict: 'regression',
      note: expect.stringContaining('whatever the budget'),
    });
  });

  it('hardware, Node, k6 and engine differences are warned about, in the text and the PR comment', () => {
    const b = run('b', [{ service: 'digid', latencies: fast(2000) }]);
    const c = run('c', [{ service: 'digid', latencies: fast(2000) }], {
      cores: 8,
      cpuModel: 'other CPU',
      node: 'v22.1.0',
      k6Version: 'k6 v1.9.0',
    });
    const native = { ...c, summary: { ...c.summary, engine: 'native' as const } };
    const r = cmp([b], [native]);
    const all = r.warnings.join('\n');
    expect(all).toContain('different CPU cores: 2 → 8');
    expect(all).toContain('different CPU: test CPU → other CPU');
    expect(all).toContain('different Node: v20.20.2 → v22.1.0');
    expect(all).toContain('different k6: k6 v1.8.1 → k6 v1.9.0');
    expect(all).toContain('different load generators: k6 → native');
    expect(compareMarkdown(r)).toContain('> ⚠️ different CPU cores: 2 → 8');
  });
});
