import type { K6Summary } from '../results/verdict-row.ts';
import type { EngineMetrics, TagSeries } from './engine-metrics.ts';
import { LatencyHistogram, TREND_STATS } from '../results/histogram.ts';

/** One metric of k6's end-of-test summary (the `data.metrics[name]` of handleSummary). */
export interface K6Metric {
  readonly type: 'trend' | 'counter' | 'rate' | 'gauge';
  readonly contains: 'time' | 'default';
  readonly values: Readonly<Record<string, number>>;
  /** k6's threshold results: expression → ok. */
  thresholds?: Record<string, { readonly ok: boolean }>;
}

/** The native engine's summary: k6's shape (src/run/verdict.ts reads it unchanged) plus what k6 cannot know. */
export interface NativeK6Summary extends K6Summary {
  readonly metrics: Readonly<Record<string, K6Metric>>;
  readonly state: { readonly testRunDurationMs: number };
  readonly options: { readonly summaryTrendStats: readonly string[] };
  readonly engine: 'native';
}

function merged(series: readonly TagSeries[], pick: (s: TagSeries) => LatencyHistogram): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const s of series) h.add(pick(s));
  return h;
}

function trend(h: LatencyHistogram): K6Metric {
  return { type: 'trend', contains: 'time', values: h.trend() };
}

function counter(count: number, seconds: number): K6Metric {
  return { type: 'counter', contains: 'default', values: { count, rate: seconds > 0 ? count / seconds : 0 } };
}

/** k6's Rate: `passes` counts the true samples (for http_req_failed: the failed requests). */
function rate(trues: number, falses: number): K6Metric {
  const n = trues + falses;
  return { type: 'rate', contains: 'default', values: { rate: n > 0 ? trues / n : 0, passes: trues, fails: falses } };
}

/**
 * k6's end-of-test summary from the engine's figures. http_req_duration (overall, per
 * `service:` and per `flow:` tag) is the latency from the intended send time;
 * http_req_service_time the raw service time in the same shape.
 */
export function k6Summary(m: EngineMetrics, durationMs: number): NativeK6Summary {
  const seconds = durationMs / 1000;
  const all = m.series();
  const metrics: Record<string, K6Metric> = {
    http_reqs: counter(m.requests, seconds),
    http_req_failed: rate(m.failed, m.requests - m.failed),
    http_req_duration: trend(merged(all, (s) => s.latency)),
    http_req_service_time: trend(merged(all, (s) => s.serviceTime)),
    iterations: counter(m.iterations, seconds),
    dropped_iterations: counter(m.dropped, seconds),
    iteration_duration: trend(m.iterationDuration),
    checks: rate(m.checksPassed, m.checksFailed),
    bbsim_engine_send_lag: trend(m.sendLag),
  };
  for (const [name, n] of m.counters) metrics[name] = counter(n, seconds);
  for (const [name, g] of m.gauges) metrics[name] = { type: 'gauge', contains: 'default', values: { ...g } };
  for (const tag of ['service', 'flow'] as const) {
    const groups = new Map<string, TagSeries[]>();
    for (const s of all) {
      const g = groups.get(s[tag]);
      if (g) g.push(s);
      else groups.set(s[tag], [s]);
    }
    for (const [value, series] of groups) {
      const requests = series.reduce((a, s) => a + s.requests, 0);
      const failed = series.reduce((a, s) => a + s.failed, 0);
      metrics[`http_req_duration{${tag}:${value}}`] = trend(merged(series, (s) => s.latency));
      metrics[`http_req_service_time{${tag}:${value}}`] = trend(merged(series, (s) => s.serviceTime));
      metrics[`http_reqs{${tag}:${value}}`] = counter(requests, seconds);
      metrics[`http_req_failed{${tag}:${value}}`] = rate(failed, requests - failed);
    }
  }
  return {
    metrics,
    state: { testRunDurationMs: durationMs },
    options: { summaryTrendStats: [...TREND_STATS] },
    engine: 'native',
  };
}

const EXPRESSION =
  /^\s*(avg|min|med|max|p\(\d+(?:\.\d+)?\)|count|rate)\s*(<=|<|>=|>|===|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Whether one k6 threshold expression (`p(99.9)<200`) holds for a metric's values; undefined when not understood. */
export function thresholdHolds(expression: string, values: Readonly<Record<string, number>>): boolean | undefined {
  const m = EXPRESSION.exec(expression);
  const v = m ? values[m[1]!] : undefined;
  if (!m || v === undefined) return undefined;
  const limit = Number(m[3]);
  switch (m[2]) {
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '!=':
      return v !== limit;
    default:
      return v === limit;
  }
}

/** Marks the summary's metrics with k6's threshold results (thresholds as the k6 script has them). */
export function applyThresholds(
  summary: NativeK6Summary,
  thresholds: Readonly<Record<string, readonly string[]>>,
): void {
  for (const [name, expressions] of Object.entries(thresholds)) {
    const metric = summary.metrics[name];
    if (!metric) continue;
    metric.thresholds = Object.fromEntries(
      expressions.map((e) => [e, { ok: thresholdHolds(e, metric.values) ?? false }]),
    );
  }
}
