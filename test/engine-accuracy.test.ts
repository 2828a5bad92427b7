/**
 * Proof of accuracy of the native engine against a target whose latency is known exactly: a fixed
 * service time (timers) plus a 1-second stall every 10 seconds. The correct latency of every
 * arrival follows from its intended time and the stalls as they really happened, so the engine's
 * percentiles can be checked against the exact ones; a closed loop on the same target shows what
 * the engine exists to avoid (coordinated omission hides the stall from p99).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/results/index.ts';
import { createClient, NativeEngine, type EngineResult, type HttpClient } from '../src/engine/index.ts';
import { constantGetPlan } from './helpers/engine-plan.ts';
import { exactPercentile, expectedLatency, startStallTarget, type StallTarget } from './helpers/engine-target.ts';

/** Service time: long enough that a ms of timer jitter stays far inside 5 %, short enough that a closed loop spends < 1 % of its requests in the stall. */
const SERVICE_MS = 60;
const RATE = 250;
const DURATION_MS = 10_000;
const STALLS = { firstMs: 4_000, periodMs: 10_000, stallMs: 1_000, count: 1 } as const;
const TOLERANCE = 0.05;

let target: StallTarget;
let client: HttpClient;
beforeAll(async () => {
  target = await startStallTarget(SERVICE_MS);
  // One connection per request in flight: a stall holds RATE × 1 s of them, none may wait client-side.
  client = createClient({ base: target.url, connections: 1000 });
});
afterAll(async () => {
  await client?.close();
  await target?.close();
});

describe('native engine accuracy (fixed service time, 1 s stall every 10 s)', () => {
  let open: EngineResult;
  let exact: number[];

  it(`matches the exact p50, p99 and p99.9 within ${TOLERANCE * 100} % and the asked rate within 1 %`, async () => {
    const engine = new NativeEngine({ client, plan: constantGetPlan(RATE, DURATION_MS), maxInFlight: 1000 });
    const stalled = target.schedule(performance.now(), STALLS);
    open = await engine.run();
    await stalled;
    expect(target.stalls).toHaveLength(STALLS.count);

    // The exact latencies: arrival i was due at startedAt + i / rate.
    exact = Array.from({ length: open.scheduled }, (_, i) =>
      expectedLatency(open.startedAt + (i * 1000) / RATE, SERVICE_MS, target.stalls),
    ).sort((a, b) => a - b);
    const measured = open.k6.metrics['http_req_duration']!.values;
    const rows = (
      [
        ['med', 50],
        ['p(99)', 99],
        ['p(99.9)', 99.9],
      ] as const
    ).map(([stat, p]) => {
      const want = exactPercentile(exact, p);
      const got = measured[stat]!;
      return { stat, want, got, error: Math.abs(got / want - 1) };
    });
    console.log(
      `accuracy: ${rows.map((r) => `${r.stat} ${r.got.toFixed(1)} ms vs exact ${r.want.toFixed(1)} ms (${(r.error * 100).toFixed(2)} %)`).join('; ')}; ` +
        `rate asked ${open.askedRate.toFixed(2)}/s, achieved ${open.achievedRate.toFixed(2)}/s; send lag p99 ${open.sendLag['p(99)'].toFixed(2)} ms`,
    );

    expect(open.dropped).toBe(0);
    expect(open.failed).toBe(0);
    expect(open.requests).toBe(open.scheduled);
    expect(open.scheduled).toBe((RATE * DURATION_MS) / 1000);
    // The stall really shapes the tail: p99 is about 0.9 s above the service time.
    expect(exactPercentile(exact, 99)).toBeGreaterThan(SERVICE_MS + 800);
    for (const r of rows)
      expect(r.error, `${r.stat}: measured ${r.got} ms, exact ${r.want} ms`).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(open.askedRate / RATE - 1)).toBeLessThan(1e-9);
    expect(Math.abs(open.achievedRate / RATE - 1)).toBeLessThanOrEqual(0.01);
    // Raw service time is reported beside it, and is what a stall-blind tool would show at the median.
    expect(open.k6.metrics['http_req_service_time']!.values['med']).toBeGreaterThanOrEqual(SERVICE_MS);
  }, 60_000);

  it('a closed loop on the same target understates p99 (coordinated omission)', async () => {
    expect(open, 'the open-model run above must have run').toBeDefined();
    // The same throughput: RATE × service time workers, each sending when its last answer came.
    const workers = Math.round((RATE * SERVICE_MS) / 1000);
    const h = new LatencyHistogram();
    const t0 = performance.now();
    const stalled = target.schedule(t0, STALLS);
    let sent = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() - t0 < DURATION_MS && sent < RATE * DURATION_MS) {
          sent++;
          const a = performance.now();
          await client.request({ method: 'GET', path: '/' });
          h.recordMs(performance.now() - a);
        }
      }),
    );
    await stalled;
    const closedP99 = h.percentile(99);
    const openP99 = open.k6.metrics['http_req_duration']!.values['p(99)']!;
    const exactP99 = exactPercentile(exact, 99);
    console.log(
      `closed loop (${workers} workers, ${h.count} requests): p99 ${closedP99.toFixed(1)} ms; open model p99 ${openP99.toFixed(1)} ms; exact ${exactP99.toFixed(1)} ms`,
    );
    // Each worker sends one request into the stall and then waits: the stall is < 1 % of its sample.
    expect(closedP99).toBeLessThan(exactP99 / 4);
    expect(openP99).toBeGreaterThan(closedP99 * 4);
  }, 60_000);
});
