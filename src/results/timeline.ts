import type { K6Summary } from './verdict-row.ts';
import type { TimelinePoint } from './summary.ts';

/** `http_req_duration{service:digid,b:12}` → ['http_req_duration', 'digid', 12]. */
const BUCKET_METRIC = /^(http_req_duration|http_req_failed)\{service:([a-z0-9-]+),b:(\d+)\}$/;

/**
 * The timeline from a k6 summary: the generated script tags each request with its wall-second
 * bucket `b` and names one submetric per bucket and service (see timelineThresholds in src/k6gen).
 * Returns the points, sorted by time and service, and the summary without those submetrics.
 */
export function timelineFromK6(summary: K6Summary, bucketSeconds: number): { timeline: TimelinePoint[]; k6: K6Summary } {
  const points = new Map<string, { t: number; service: string; requests: number; failed: number; p50: number; p95: number; p99: number; max: number }>();
  const metrics: Record<string, K6Summary['metrics'][string]> = {};
  for (const [name, metric] of Object.entries(summary.metrics)) {
    const m = BUCKET_METRIC.exec(name);
    if (!m) {
      metrics[name] = metric;
      continue;
    }
    const [, kind, service = '', b = '0'] = m;
    const t = Number(b) * bucketSeconds;
    const key = `${t}/${service}`;
    const p = points.get(key) ?? { t, service, requests: 0, failed: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const v = metric.values;
    if (kind === 'http_req_duration') {
      Object.assign(p, { requests: v['count'] ?? 0, p50: v['med'] ?? 0, p95: v['p(95)'] ?? 0, p99: v['p(99)'] ?? 0, max: v['max'] ?? 0 });
    } else {
      p.failed = v['passes'] ?? 0; // http_req_failed is a Rate: a "pass" is a failed request
    }
    points.set(key, p);
  }
  const timeline = [...points.values()].filter((p) => p.requests > 0)
    .sort((a, b) => a.t - b.t || a.service.localeCompare(b.service));
  return { timeline, k6: { ...summary, metrics } };
}

/**
 * At most `maxPoints` points per service, for charts of long runs (a native-engine hour has 3,600):
 * `factor` consecutive buckets merge into one — requests and failures add up, max is the max, and
 * the percentiles are averaged weighted by requests (a chart's approximation; comparisons use the
 * histograms). Returns the points and the factor (the merged bucket is factor × as wide).
 */
export function coarsenTimeline(timeline: readonly TimelinePoint[], maxPoints: number): { timeline: TimelinePoint[]; factor: number } {
  const ts = [...new Set(timeline.map((p) => p.t))].sort((a, b) => a - b);
  const factor = Math.max(1, Math.ceil(ts.length / maxPoints));
  if (factor === 1) return { timeline: [...timeline], factor };
  const groupOf = new Map(ts.map((t, i) => [t, Math.floor(i / factor)]));
  const groups = new Map<string, TimelinePoint[]>();
  for (const p of timeline) {
    const key = `${groupOf.get(p.t)}/${p.service}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(p);
  }
  const merged = [...groups.values()].map((ps) => {
    const requests = ps.reduce((a, p) => a + p.requests, 0);
    const w = (f: (p: TimelinePoint) => number): number => (requests > 0 ? ps.reduce((a, p) => a + f(p) * p.requests, 0) / requests : 0);
    return {
      t: ps[0]!.t, service: ps[0]!.service, requests, failed: ps.reduce((a, p) => a + p.failed, 0),
      p50: w((p) => p.p50), p95: w((p) => p.p95), p99: w((p) => p.p99), max: Math.max(...ps.map((p) => p.max)),
    };
  });
  return { timeline: merged.sort((a, b) => a.t - b.t || a.service.localeCompare(b.service)), factor };
}

/** A timeline's bucket width in s, from the spacing of its points (1 when it cannot tell). */
export function bucketWidth(timeline: readonly TimelinePoint[]): number {
  const ts = [...new Set(timeline.map((p) => p.t))].sort((a, b) => a - b);
  let w = Number.POSITIVE_INFINITY;
  for (let i = 1; i < ts.length; i++) w = Math.min(w, ts[i]! - ts[i - 1]!);
  return Number.isFinite(w) && w > 0 ? w : 1;
}
