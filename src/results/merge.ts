import { LatencyHistogram } from './histogram.ts';
import type { EncodedHistogram, RunErrors, TimelinePoint } from './summary.ts';
import type { K6Summary } from './verdict-row.ts';

/**
 * What one k6 process of a segmented run leaves behind once its samples are read
 * (`segments/<n>/summary.json`): its own k6 summary (the timeline's submetrics taken out), its
 * timeline, the full latency histograms of its requests and its failures. Everything a merge needs,
 * so `bbsim collect` can merge segments that ran elsewhere.
 */
export interface SegmentSummary {
  readonly kind: 'bbsim-segment';
  readonly scenario: string;
  /** The generated script's SCRIPT_HASH: every segment of a run must have run the same script. */
  readonly scriptHash: string;
  readonly speed: number;
  /** k6's --execution-segment as k6 reports it (normalised fractions, e.g. `1/4:1/2`). */
  readonly segment: string;
  /** k6's --execution-segment-sequence (e.g. `0,1/4,1/2,3/4,1`). */
  readonly segmentSequence: string;
  readonly bucketSeconds: number;
  readonly k6: K6Summary;
  readonly timeline: readonly TimelinePoint[];
  readonly histograms: {
    readonly service: Readonly<Record<string, EncodedHistogram>>;
    readonly flow: Readonly<Record<string, EncodedHistogram>>;
  };
  readonly errors: RunErrors;
  readonly k6Version?: string;
}

/** The segments a sequence cuts the load into: `0,1/2,1` → ['0:1/2', '1/2:1']. */
export function segmentsOfSequence(sequence: string): string[] {
  const points = sequence.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return points.slice(1).map((p, i) => `${points[i]}:${p}`);
}

/**
 * Every reason these segments are not the whole of one run: different scenarios, scripts, clock
 * speeds or sequences, a segment twice, a segment of the sequence missing. Empty when they fit.
 */
export function segmentProblems(segments: readonly SegmentSummary[], names: readonly string[] = segments.map((_, i) => `segment ${i + 1}`)): string[] {
  const problems: string[] = [];
  const first = segments[0];
  if (!first) return ['no segments given'];
  const differ = (field: 'scenario' | 'scriptHash' | 'speed' | 'segmentSequence', what: string): void => {
    const values = [...new Set(segments.map((s) => String(s[field])))];
    if (values.length > 1) {
      problems.push(`${what} differ: ${segments.map((s, i) => `${names[i]}: ${String(s[field])}`).join(', ')}`);
    }
  };
  differ('scenario', 'scenarios');
  differ('scriptHash', 'script hashes (SCRIPT_HASH: the segments ran different scripts)');
  differ('speed', 'clock speeds (SPEED)');
  differ('segmentSequence', 'execution segment sequences');
  if (problems.length > 0) return problems;
  const expected = segmentsOfSequence(first.segmentSequence);
  const seen = new Map<string, string>();
  segments.forEach((s, i) => {
    const name = names[i] ?? `segment ${i + 1}`;
    if (!expected.includes(s.segment)) problems.push(`${name}: segment ${s.segment} is not one of the sequence ${first.segmentSequence} (${expected.join(', ')})`);
    const twice = seen.get(s.segment);
    if (twice !== undefined) problems.push(`${name}: segment ${s.segment} given twice (also ${twice})`);
    seen.set(s.segment, name);
  });
  const missing = expected.filter((e) => !seen.has(e));
  if (missing.length > 0) problems.push(`missing segment${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the sequence ${first.segmentSequence}: every segment's output is needed for the whole load`);
  return problems;
}

interface RawMetric {
  readonly type?: string;
  readonly contains?: string;
  readonly values: Readonly<Record<string, number>>;
  readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function mergeHistograms(maps: readonly Readonly<Record<string, EncodedHistogram>>[]): Map<string, LatencyHistogram> {
  const out = new Map<string, LatencyHistogram>();
  for (const m of maps) {
    for (const [key, e] of Object.entries(m)) {
      let h = out.get(key);
      if (!h) out.set(key, (h = new LatencyHistogram()));
      h.add(LatencyHistogram.decode(e));
    }
  }
  return out;
}

const encodeAll = (m: ReadonlyMap<string, LatencyHistogram>): Record<string, EncodedHistogram> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => [k, h.encode()]));

/** `http_req_duration{service:digid}` → 'digid'. */
const SERVICE_TREND = /^http_req_duration\{service:([a-z0-9-]+)\}$/;

/**
 * One k6 summary for the whole load. Counters add up (count and rate: each process's rate is its
 * count over the same wall time); rates add their passes and fails; the VU gauges add (each process
 * has its own VUs), other gauges keep the earliest (bbsim_first_request_ms) or extreme values.
 * Trends with a histogram (http_req_duration overall and per service) are recomputed from the merged
 * histograms, so their percentiles are those of every request (HDR: within 0.1 %); other trends have
 * no samples to merge and get count-weighted means of their percentiles (listed in `approximated`).
 */
function mergeK6(summaries: readonly K6Summary[], byService: ReadonlyMap<string, LatencyHistogram>): { k6: K6Summary; approximated: string[] } {
  const names = [...new Set(summaries.flatMap((s) => Object.keys(s.metrics)))].sort();
  const metrics: Record<string, RawMetric> = {};
  const approximated: string[] = [];
  const all = new LatencyHistogram();
  for (const h of byService.values()) all.add(h);
  for (const name of names) {
    const parts = summaries.map((s) => s.metrics[name] as RawMetric | undefined).filter((m): m is RawMetric => m !== undefined);
    const first = parts[0]!;
    const vals = (k: string): number[] => parts.map((p) => p.values[k]).filter((v): v is number => v !== undefined);
    let values: Record<string, number>;
    const type = first.type ?? ('count' in first.values && 'rate' in first.values ? 'counter' : 'passes' in first.values ? 'rate' : 'value' in first.values ? 'gauge' : 'trend');
    if (type === 'counter') {
      values = { count: sum(vals('count')), rate: sum(vals('rate')) };
    } else if (type === 'rate') {
      const passes = sum(vals('passes'));
      const fails = sum(vals('fails'));
      values = { passes, fails, rate: passes + fails > 0 ? passes / (passes + fails) : 0 };
    } else if (type === 'gauge') {
      values = name === 'vus' || name === 'vus_max'
        ? { value: sum(vals('value')), min: sum(vals('min')), max: sum(vals('max')) }
        : { value: Math.min(...vals('value')), min: Math.min(...vals('min')), max: Math.max(...vals('max')) };
    } else {
      const service = SERVICE_TREND.exec(name)?.[1];
      const h = name === 'http_req_duration' ? all : service !== undefined ? byService.get(service) : undefined;
      if (h && h.count > 0) {
        values = { ...h.trend() };
      } else {
        approximated.push(name);
        const counts = parts.map((p) => p.values['count'] ?? 0);
        const total = sum(counts);
        const weighted = (k: string): number => (total > 0 ? sum(parts.map((p, i) => (p.values[k] ?? 0) * counts[i]!)) / total : sum(vals(k)) / Math.max(1, vals(k).length));
        values = {};
        for (const k of Object.keys(first.values)) {
          values[k] = k === 'count' ? total : k === 'min' ? Math.min(...vals(k)) : k === 'max' ? Math.max(...vals(k)) : weighted(k);
        }
      }
    }
    const thresholds = first.thresholds
      ? Object.fromEntries(Object.keys(first.thresholds).map((t) => [t, { ok: parts.every((p) => p.thresholds?.[t]?.ok !== false) }]))
      : undefined;
    metrics[name] = { ...(first.type ? { type: first.type } : {}), ...(first.contains ? { contains: first.contains } : {}), values, ...(thresholds ? { thresholds } : {}) };
  }
  return { k6: { metrics }, approximated };
}

/**
 * Timelines of segments that ran at the same time: per bucket and service the requests and
 * failures add up and max is the max; p50/p95/p99 are means weighted by requests (the report's chart
 * approximation, as coarsenTimeline; the exact percentiles are the histograms').
 */
export function mergeTimelines(timelines: readonly (readonly TimelinePoint[])[]): TimelinePoint[] {
  const groups = new Map<string, TimelinePoint[]>();
  for (const tl of timelines) {
    for (const p of tl) {
      const key = `${p.t}/${p.service}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(p);
    }
  }
  return [...groups.values()].map((ps) => {
    const requests = sum(ps.map((p) => p.requests));
    const w = (f: (p: TimelinePoint) => number): number => (requests > 0 ? sum(ps.map((p) => f(p) * p.requests)) / requests : 0);
    return { t: ps[0]!.t, service: ps[0]!.service, requests, failed: sum(ps.map((p) => p.failed)), p50: w((p) => p.p50), p95: w((p) => p.p95), p99: w((p) => p.p99), max: Math.max(...ps.map((p) => p.max)) };
  }).sort((a, b) => a.t - b.t || a.service.localeCompare(b.service));
}

function mergeCounts(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function mergeErrors(errors: readonly RunErrors[]): RunErrors {
  const byFlow: Record<string, { requests: number; failed: number }> = {};
  for (const e of errors) {
    for (const [k, v] of Object.entries(e.byFlow ?? {})) {
      const c = (byFlow[k] ??= { requests: 0, failed: 0 });
      c.requests += v.requests;
      c.failed += v.failed;
    }
  }
  return { byStatus: mergeCounts(errors.map((e) => e.byStatus)), byCode: mergeCounts(errors.map((e) => e.byCode)), byFlow };
}

export interface MergedRun {
  readonly k6: K6Summary;
  readonly timeline: TimelinePoint[];
  readonly histograms: { readonly service: Record<string, EncodedHistogram>; readonly flow: Record<string, EncodedHistogram> };
  readonly errors: RunErrors;
  /** Trend metrics without samples whose percentiles are weighted means, not exact. */
  readonly approximated: readonly string[];
}

/** The segments of one run (check segmentProblems first) as one run: what a single process would have reported. */
export function mergeSegments(segments: readonly SegmentSummary[]): MergedRun {
  const byService = mergeHistograms(segments.map((s) => s.histograms.service));
  const byFlow = mergeHistograms(segments.map((s) => s.histograms.flow));
  const { k6, approximated } = mergeK6(segments.map((s) => s.k6), byService);
  return {
    k6, approximated, timeline: mergeTimelines(segments.map((s) => s.timeline)),
    histograms: { service: encodeAll(byService), flow: encodeAll(byFlow) }, errors: mergeErrors(segments.map((s) => s.errors)),
  };
}
