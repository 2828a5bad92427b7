import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ManualClock, MINUTE, fromLocal } from '../src/clock/index.ts';
import {
  CapacityModel,
  ServerModel,
  WindowLimiter,
  bucketOf,
  createServiceMetrics,
  meanServiceTime,
  serviceTimeSampler,
  serviceTimeSchema,
} from '../src/mock/capacity/index.ts';
import { createPrng } from '../src/random/index.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, SUBSCRIPTION_NIGHT } from '../src/norms/index.ts';

describe('service-time distributions', () => {
  it('lognormal matches its median and p99', () => {
    const draw = serviceTimeSampler({ kind: 'lognormal', medianMs: 200, p99Ms: 1000 }, createPrng(1));
    const xs = Array.from({ length: 50_000 }, draw).sort((a, b) => a - b);
    expect(xs[25_000]!).toBeGreaterThan(190);
    expect(xs[25_000]!).toBeLessThan(210);
    expect(xs[49_500]!).toBeGreaterThan(900);
    expect(xs[49_500]!).toBeLessThan(1100);
    expect(meanServiceTime({ kind: 'lognormal', medianMs: 200, p99Ms: 1000 })).toBeCloseTo(
      200 * Math.exp((Math.log(5) / 2.326_347_874) ** 2 / 2),
      6,
    );
  });
  it('is seeded, and validated with clear messages', () => {
    const a = serviceTimeSampler({ kind: 'empirical', samplesMs: [1, 2, 3, 4] }, createPrng(7));
    const b = serviceTimeSampler({ kind: 'empirical', samplesMs: [1, 2, 3, 4] }, createPrng(7));
    expect(Array.from({ length: 20 }, a)).toEqual(Array.from({ length: 20 }, b));
    const bad = serviceTimeSchema.safeParse({ kind: 'lognormal', medianMs: 500, p99Ms: 100 });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/p99Ms must be >= medianMs/);
  });
});

describe('window limiter', () => {
  it('admits up to the limit per sim minute and says when the window reopens', () => {
    const limiter = new WindowLimiter([{ window: 'minute', limit: DIGID_AUTHENTICATIONS_PER_MINUTE.limit }]);
    const t = Date.UTC(2026, 2, 1, 19, 0, 30);
    expect(limiter.tryAdmit(t, DIGID_AUTHENTICATIONS_PER_MINUTE.limit)).toEqual({ admitted: true });
    const refused = limiter.tryAdmit(t + 1000);
    expect(refused).toMatchObject({ admitted: false, used: 10_000, reopensAt: Date.UTC(2026, 2, 1, 19, 1) });
    expect(limiter.tryAdmit(t + 30_000)).toEqual({ admitted: true });
    expect(limiter.used(t + 30_000)).toEqual([1]);
  });
  it('a night limit counts only in the night and reopens at the next night', () => {
    const night = { night: { from: SUBSCRIPTION_NIGHT.from, to: SUBSCRIPTION_NIGHT.to } };
    expect(bucketOf(night, fromLocal(2026, 3, 2, 12))).toBeUndefined();
    expect(bucketOf(night, fromLocal(2026, 3, 2, 3))?.reopensAt).toBe(fromLocal(2026, 3, 2, 23));
    const limiter = new WindowLimiter([{ window: night, limit: 2 }]);
    const t = fromLocal(2026, 3, 1, 23, 30);
    expect(limiter.tryAdmit(t).admitted).toBe(true);
    expect(limiter.tryAdmit(t + MINUTE).admitted).toBe(true);
    expect(limiter.tryAdmit(t + 2 * MINUTE).admitted).toBe(false);
    expect(limiter.tryAdmit(fromLocal(2026, 3, 2, 23, 5)).admitted).toBe(true);
  });
  it('refuses a bad limit with a message naming the window', () => {
    expect(() => new WindowLimiter([{ window: 'hour', limit: -1 }])).toThrow(/window hour must be >= 0/);
  });
});

describe('server model and capacity model', () => {
  it('queues beyond its concurrency, so latency rises with load, and refuses when the queue is full', async () => {
    const server = new ServerModel({
      concurrency: 2,
      maxQueue: 2,
      serviceTime: { kind: 'fixed', ms: 30 },
      next: createPrng(1),
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => server.serve(() => 'ok')));
    const served = results.filter((r) => r.ok);
    expect(served).toHaveLength(4);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'queue-full' }]);
    const queued = served.map((r) => (r.ok ? r.queuedMs : 0)).sort((a, b) => a - b);
    expect(queued[0]!).toBeLessThan(10);
    expect(queued[3]!).toBeGreaterThan(20); // waited for a worker
    expect(server.busy).toBe(0);
  });

  it('close() ends sleeping and waiting requests', async () => {
    const server = new ServerModel({
      concurrency: 1,
      maxQueue: 5,
      serviceTime: { kind: 'fixed', ms: 60_000 },
      next: createPrng(1),
    });
    const pending = [server.serve(() => 1), server.serve(() => 2)];
    server.close();
    expect(await Promise.all(pending)).toEqual([
      { ok: false, reason: 'closed' },
      { ok: false, reason: 'closed' },
    ]);
  });

  it('refuses over the admission limit with a Retry-After in wall seconds and records per-minute means', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 19, 0, 0), 60);
    const registry = new Registry();
    const model = new CapacityModel({
      service: 'digid',
      limits: [{ window: 'minute', limit: 3 }],
      concurrency: 10,
      maxQueue: 10,
      serviceTime: { kind: 'fixed', ms: 0 },
      seed: 1,
      clock,
      metrics: createServiceMetrics(registry),
    });
    for (let i = 0; i < 3; i++) expect((await model.handle(() => i)).ok).toBe(true);
    const refused = await model.handle(() => 4);
    expect(refused).toMatchObject({ ok: false, reason: 'limit', window: 'minute', used: 3, limit: 3, retryAfterS: 1 });
    expect(model.minutes.summary(4000)).toMatchObject({ minutes: 1, requests: 3, withinPercent: 100 });
    const text = await registry.metrics();
    expect(text).toMatch(/bbsim_service_admitted_total\{service="digid"\} 3/);
    expect(text).toMatch(/bbsim_service_refused_total\{service="digid",reason="limit"\} 1/);
    model.close();
  });
});

describe('capacity model under time compression', () => {
  it('at clock speed s it has s times the workers and queue places: a compressed peak is the same load', async () => {
    const make = (speed: number): CapacityModel =>
      new CapacityModel({
        service: 'x',
        limits: [{ window: 'minute', limit: 1_000_000 }],
        concurrency: 2,
        maxQueue: 1,
        serviceTime: { kind: 'fixed', ms: 40 },
        seed: 1,
        clock: new ManualClock(Date.UTC(2026, 2, 1, 19, 0, 0), speed),
        metrics: createServiceMetrics(new Registry()),
      });
    const real = make(1);
    const fast = make(10);
    expect([real.concurrency, real.maxQueue]).toEqual([2, 1]);
    expect([fast.concurrency, fast.maxQueue]).toEqual([20, 10]);
    // Ten times the wall arrivals (what speed 10 sends for the same sim rate): the fast model serves them all.
    const burst = async (m: CapacityModel, n: number): Promise<number> =>
      (await Promise.all(Array.from({ length: n }, () => m.handle(() => 1)))).filter((r) => r.ok).length;
    expect(await burst(real, 30)).toBe(3);
    expect(await burst(fast, 30)).toBe(30);
    real.close();
    fast.close();
  });
});

describe('capacity model refunds', () => {
  it('a request refused for saturation does not use up the admission window', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 19, 0, 0));
    const model = new CapacityModel({
      service: 'x',
      limits: [{ window: 'minute', limit: 100 }],
      concurrency: 1,
      maxQueue: 0,
      serviceTime: { kind: 'fixed', ms: 20 },
      seed: 1,
      clock,
      metrics: createServiceMetrics(new Registry()),
    });
    const results = await Promise.all([model.handle(() => 1), model.handle(() => 2), model.handle(() => 3)]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'saturated', 'saturated']);
    expect(model.limiter.stats(clock.now()).map((w) => w.used)).toEqual([1]);
    model.close();
  });
});

describe('peak offered load', () => {
  it('keeps the most units offered in any window, refused ones included', () => {
    const limiter = new WindowLimiter([{ window: 'minute', limit: 3 }]);
    const t = Date.UTC(2026, 2, 1, 19, 0, 0);
    for (let i = 0; i < 5; i++) limiter.tryAdmit(t + i);
    expect(limiter.used(t)).toEqual([3]);
    limiter.tryAdmit(t + MINUTE);
    expect(limiter.peakOffered()).toEqual([5]);
  });
});
