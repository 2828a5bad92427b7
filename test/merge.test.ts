import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scriptHashOf, vuPools } from '../src/k6gen/index.ts';
import { generateDefaultK6Script } from '../src/run/mock-defaults.ts';
import { perMinute } from '../src/norms/index.ts';
import { LatencyHistogram } from '../src/results/histogram.ts';
import {
  mergeSegments,
  mergeTimelines,
  segmentProblems,
  segmentsOfSequence,
  type SegmentSummary,
} from '../src/results/merge.ts';
import { segmentArgs } from '../src/run/index.ts';
import { defineScenario } from '../src/scenario/index.ts';

function histogram(values: readonly number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.recordMs(v);
  return h;
}

function segment(
  seg: string,
  seq: string,
  values: readonly number[],
  extra: Partial<SegmentSummary> = {},
): SegmentSummary {
  const h = histogram(values);
  return {
    kind: 'bbsim-segment',
    scenario: 's',
    scriptHash: 'abc',
    speed: 6,
    segment: seg,
    segmentSequence: seq,
    bucketSeconds: 1,
    k6: {
      metrics: {
        iterations: { type: 'counter', values: { count: values.length, rate: values.length / 6 } },
        dropped_iterations: { type: 'counter', values: { count: 1, rate: 0.1 } },
        http_req_failed: { type: 'rate', values: { passes: 1, fails: values.length - 1, rate: 1 / values.length } },
        vus_max: { type: 'gauge', values: { value: 10, min: 10, max: 10 } },
        bbsim_first_request_ms: {
          type: 'gauge',
          values: { value: seg.startsWith('0:') ? 900 : 700, min: 700, max: 900 },
        },
        'http_req_duration{service:digid}': { type: 'trend', values: { ...h.trend() } },
        http_req_waiting: {
          type: 'trend',
          values: { avg: values.length, min: 1, med: 2, max: values.length, 'p(99)': 3, count: values.length },
        },
      },
    } as SegmentSummary['k6'],
    timeline: [
      {
        t: 0,
        service: 'digid',
        requests: values.length,
        failed: 1,
        p50: values.length,
        p95: 1,
        p99: 1,
        max: Math.max(...values),
      },
    ],
    histograms: { service: { digid: h.encode() }, flow: { 'f:digid': h.encode() } },
    errors: { byStatus: { '503': 1 }, byCode: {}, byFlow: { 'f:digid': { requests: values.length, failed: 1 } } },
    ...extra,
  };
}

describe('segment sequences', () => {
  it('cuts a sequence into its segments and writes them as the k6-operator does', () => {
    expect(segmentsOfSequence('0,1/4,1/2,3/4,1')).toEqual(['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1']);
    expect([1, 2, 3].map((i) => segmentArgs(i, 3))).toEqual([
      { segment: '0:1/3', sequence: '0,1/3,2/3,1' },
      { segment: '1/3:2/3', sequence: '0,1/3,2/3,1' },
      { segment: '2/3:1', sequence: '0,1/3,2/3,1' },
    ]);
  });

  it('names every reason segments are not one whole run', () => {
    const seq = '0,1/2,1';
    expect(segmentProblems([segment('0:1/2', seq, [1]), segment('1/2:1', seq, [2])])).toEqual([]);
    expect(segmentProblems([segment('0:1/2', seq, [1])])).toEqual([
      "missing segment 1/2:1 of the sequence 0,1/2,1: every segment's output is needed for the whole load",
    ]);
    expect(segmentProblems([segment('0:1/2', seq, [1]), segment('0:1/2', seq, [1])], ['a', 'b'])).toContain(
      'b: segment 0:1/2 given twice (also a)',
    );
    expect(segmentProblems([segment('0:1/3', seq, [1]), segment('1/2:1', seq, [1])], ['a', 'b'])[0]).toBe(
      'a: segment 0:1/3 is not one of the sequence 0,1/2,1 (0:1/2, 1/2:1)',
    );
    expect(
      segmentProblems([segment('0:1/2', seq, [1]), segment('1/2:1', seq, [1], { scenario: 't' })], ['a', 'b']),
    ).toEqual(['scenarios differ: a: s, b: t']);
    expect(
      segmentProblems([segment('0:1/2', seq, [1]), segment('1/2:1', seq, [1], { speed: 60 })], ['a', 'b']),
    ).toEqual(['clock speeds (SPEED) differ: a: 6, b: 60']);
    expect(segmentProblems([])).toEqual(['no segments given']);
  });
});

describe('mergeSegments', () => {
  const a = [10, 20, 30, 40, 500];
  const b = [15, 25, 35];
  const merged = mergeSegments([segment('0:1/2', '0,1/2,1', a), segment('1/2:1', '0,1/2,1', b)]);
  const m = merged.k6.metrics;

  it('adds counters and rates, VU gauges; keeps the earliest first request', () => {
    expect(m['iterations']?.values['count']).toBe(8);
    expect(m['iterations']?.values['rate']).toBeCloseTo(8 / 6, 12);
    expect(m['dropped_iterations']?.values['count']).toBe(2);
    expect(m['http_req_failed']?.values).toEqual({ passes: 2, fails: 6, rate: 2 / 8 });
    expect(m['vus_max']?.values).toEqual({ value: 20, min: 20, max: 20 });
    expect(m['bbsim_first_request_ms']?.values['value']).toBe(700);
  });

  it("recomputes the verdict's latency trends from the merged histograms; weights the others by count and says so", () => {
    expect(m['http_req_duration{service:digid}']?.values).toEqual(histogram([...a, ...b]).trend());
    expect(m['http_req_duration{service:digid}']?.values['count']).toBe(8);
    expect(m['http_req_waiting']?.values).toEqual({
      avg: (5 * 5 + 3 * 3) / 8,
      min: 1,
      med: 2,
      max: 5,
      'p(99)': 3,
      count: 8,
    });
    expect(merged.approximated).toEqual(['http_req_waiting']);
    expect(LatencyHistogram.decode(merged.histograms.flow['f:digid']!).percentile(50)).toBe(
      histogram([...a, ...b]).percentile(50),
    );
    expect(merged.errors).toEqual({
      byStatus: { '503': 2 },
      byCode: {},
      byFlow: { 'f:digid': { requests: 8, failed: 2 } },
    });
  });

  it('sums the timeline per bucket and service (percentiles weighted by requests, max the max)', () => {
    expect(merged.timeline).toEqual([
      { t: 0, service: 'digid', requests: 8, failed: 2, p50: (5 * 5 + 3 * 3) / 8, p95: 1, p99: 1, max: 500 },
    ]);
    expect(
      mergeTimelines([
        [{ t: 0, service: 'x', requests: 1, failed: 0, p50: 1, p95: 1, p99: 1, max: 1 }],
        [{ t: 1, service: 'x', requests: 2, failed: 0, p50: 2, p95: 2, p99: 2, max: 2 }],
      ]).map((p) => p.t),
    ).toEqual([0, 1]);
  });
});

describe('the generated script for segments', () => {
  const input = (perMin: number): Parameters<typeof defineScenario>[0] => ({
    name: 'hash-probe',
    description: 'a scenario to hash',
    clock: { speed: 6, start: '2026-11-16T10:00:00+01:00' },
    flows: [{ flow: 'machtigen-check' }],
    load: { kind: 'constant', rate: perMinute(perMin), duration: '30s' },
  });
  const s = defineScenario(input(300));

  it('carries SCRIPT_HASH, the sha256 of its text with the hash blank: the same scenario gives the same, another a different one', () => {
    const text = generateDefaultK6Script(s);
    const hash = scriptHashOf(text)!;
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    const blank = text.replace(`const SCRIPT_HASH = '${hash}';`, "const SCRIPT_HASH = '@@bbsim-script-hash@@';");
    expect(createHash('sha256').update(blank).digest('hex').slice(0, 16)).toBe(hash);
    expect(scriptHashOf(generateDefaultK6Script(s))).toBe(hash);
    const other = defineScenario(input(301));
    expect(scriptHashOf(generateDefaultK6Script(other))).not.toBe(hash);
    // handleSummary writes the segment k6 ran, and the hash, into the summary.
    expect(text).toMatch(/scriptHash: SCRIPT_HASH/);
    expect(text).toMatch(/exec\.test\.options/);
  });

  it('vuPools are the pools the script gives each executor (k6 splits them over segments)', () => {
    // 300/min sim at speed 6 = 30/s wall; machtigen-check 0.5 s → 15 busy (Little), twice that pre-allocated, ×4 = 120 at most.
    expect(vuPools(s)).toEqual({ 'machtigen-check': { preAllocatedVUs: 30, maxVUs: 120 } });
    expect(generateDefaultK6Script(s)).toMatch(/"vus": 15/);
  });
});
