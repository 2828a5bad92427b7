import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  ArrivalSchedule,
  ClientTimeoutError,
  createClient,
  EngineOptionsError,
  loopbackIssue,
  NativeEngine,
  runNative,
  flowRate,
  type ClientOptions,
  type EnginePhase,
  type HttpClient,
  type SecondEvent,
} from '../src/engine/index.ts';
import { LatencyHistogram, TREND_STATS } from '../src/results/index.ts';
import { buildMock } from '../src/mock/app.ts';
import { perMinute } from '../src/norms/index.ts';
import { verdictRows } from '../src/run/verdict.ts';
import { defaultDataOptions } from '../src/run/mock-defaults.ts';
import { requestsByService } from '../src/results/error-budget.ts';
import { defineScenario } from '../src/scenario/index.ts';
import smoke from '../scenarios/smoke.ts';
import { constantGetPlan } from './helpers/engine-plan.ts';
import { startStallTarget, type StallTarget } from './helpers/engine-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('arrival schedule (open model, k6 ramping-arrival-rate)', () => {
  it('a constant rate: arrival i at i / rate, exactly rate × duration of them', () => {
    const s = new ArrivalSchedule({ startRate: 400, stages: [{ target: 400, durationMs: 10_000 }] });
    expect(s.total).toBe(4000);
    expect(s.next()).toBe(0);
    expect(s.next()).toBeCloseTo(2.5, 9);
    for (let i = 2; i < 3999; i++) s.next();
    expect(s.next()).toBeCloseTo(9997.5, 6);
    expect(s.next()).toBeUndefined();
  });

  it('a ramp follows the integral of the rate; stages chain; skipBefore drops what is past', () => {
    // 0 → 100/s over 10 s: 500 arrivals, the n-th when 5·t² = n (t in s).
    const ramp = new ArrivalSchedule({ startRate: 0, stages: [{ target: 100, durationMs: 10_000 }] });
    expect(ramp.total).toBe(500);
    const times: number[] = [];
    for (let t = ramp.next(); t !== undefined; t = ramp.next()) times.push(t);
    expect(times).toHaveLength(500);
    expect(times[125]).toBeCloseTo(5000, 6);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    const stages = new ArrivalSchedule({
      startRate: 10,
      stages: [
        { target: 10, durationMs: 1000 },
        { target: 30, durationMs: 1000 },
        { target: 0, durationMs: 0 },
      ],
    });
    expect(stages.total).toBe(30);
    expect(stages.rateAt(1500)).toBeCloseTo(20, 9);
    expect(stages.skipBefore(1000)).toBe(10);
    expect(stages.peek()).toBeCloseTo(1000, 6);
  });
});

// The flows' parity with their k6 functions (requests, bodies, checks, counters): test/flow-parity.test.ts.

describe('latency histogram', () => {
  it('percentiles within 0.1 % of the exact ones; exact avg, min and max; k6 trend keys', () => {
    const h = new LatencyHistogram();
    const xs = Array.from({ length: 10_000 }, (_, i) => 0.5 + ((i * 7919) % 10_000) / 10);
    for (const x of xs) h.recordMs(x);
    const sorted = [...xs].sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      expect(Math.abs(h.percentile(p) / exact - 1)).toBeLessThan(0.001);
    }
    const t = h.trend();
    expect(Object.keys(t)).toEqual([...TREND_STATS]);
    expect(t.min).toBe(0.5);
    expect(t.max).toBe(sorted.at(-1));
    expect(t.avg).toBeCloseTo(xs.reduce((a, x) => a + x, 0) / xs.length, 9);
  });
});

describe('options are checked before any load', () => {
  const neverCalled = (): HttpClient => {
    throw new Error('the client must not be made for bad options');
  };

  it('loopback only', () => {
    for (const ok of ['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://[::1]:9', 'https://localhost/base'])
      expect(loopbackIssue(ok), ok).toBeUndefined();
    expect(loopbackIssue('http://10.0.0.1:8080')).toBe(
      'base: load goes only to this machine (127.0.0.0/8, ::1 or localhost), got host "10.0.0.1" in "http://10.0.0.1:8080"',
    );
    expect(loopbackIssue('http://example.org')).toContain('got host "example.org"');
    expect(loopbackIssue('ftp://127.0.0.1')).toBe('base: http or https only, got ftp in "ftp://127.0.0.1"');
    expect(loopbackIssue('127.0.0.1:8080')).toContain('base: ');
    expect(loopbackIssue(undefined)).toBe('base: a URL such as http://127.0.0.1:8080, got undefined');
  });

  it('runNative lists every problem with its option, rule and value, and sends nothing', async () => {
    const err = await runNative(smoke, {
      base: 'http://192.168.1.10:8080',
      connections: 0,
      pipelining: 1.5,
      maxInFlight: -1,
      dropAfterMs: Number.NaN,
      gracefulStopMs: 1e12,
      timeoutMs: 0,
      clientFactory: neverCalled,
      data: defaultDataOptions(smoke),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineOptionsError);
    expect((err as EngineOptionsError).issues).toEqual([
      'base: load goes only to this machine (127.0.0.0/8, ::1 or localhost), got host "192.168.1.10" in "http://192.168.1.10:8080"',
      'connections: an integer from 1 to 10000, got 0',
      'pipelining: an integer from 1 to 128, got 1.5',
      'maxInFlight: an integer from 1 to 100000, got -1',
      'dropAfterMs: a number of ms from 0 to 60000, got NaN',
      'gracefulStopMs: a number of ms from 0 to 600000, got 1000000000000',
      'timeoutMs: a number of ms from 1 to 600000, got 0',
    ]);
    expect((err as Error).message).toMatch(/^native engine options are not valid:\n {2}base: /);
  });

  it('the engine checks its plan', () => {
    const client = { request: () => Promise.reject(new Error('no')), close: async () => undefined };
    const bad = {
      flows: [
        {
          name: 'a',
          services: [],
          rate: { startRate: -1, stages: [{ target: Number.POSITIVE_INFINITY, durationMs: 10 }] },
          iterate: async () => undefined,
        },
        { name: 'a', services: [], rate: { startRate: 1, stages: [] }, iterate: async () => undefined },
      ],
    };
    expect(() => new NativeEngine({ client, plan: bad })).toThrow(EngineOptionsError);
    try {
      new NativeEngine({ client, plan: bad, signal: 'stop' as unknown as AbortSignal });
    } catch (e) {
      expect((e as EngineOptionsError).issues).toEqual([
        'plan.flows[0].rate.startRate: iterations per second >= 0, got -1',
        'plan.flows[0].rate.stages[0].target: iterations per second >= 0, got Infinity',
        'plan.flows[1].name: "a" appears twice (each flow once; its name is the flow tag)',
        'plan.flows[1].rate.stages: at least one stage',
        'signal: an AbortSignal (e.g. from new AbortController())',
      ]);
    }
  });
});

describe('native engine against a timed target', () => {
  let target: StallTarget;
  beforeAll(async () => {
    target = await startStallTarget(20);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('the client: body and headers, raw service time without the wait for a connection, timeouts and aborts', async () => {
    const slow = await startStallTarget(150);
    const one = createClient({ base: slow.url, connections: 1 });
    try {
      const t0 = performance.now();
      const [a, b] = await Promise.all([
        one.request({ method: 'GET', path: '/' }),
        one.request({ method: 'GET', path: '/x' }),
      ]);
      const total = performance.now() - t0;
      expect(a.status).toBe(200);
      expect(a.body).toBe('ok');
      expect(typeof a.headers['content-length']).toBe('string');
      // The second waited for the one connection: ~300 ms in all, but its service time is ~150 ms.
      expect(total).toBeGreaterThanOrEqual(290);
      expect(b.serviceMs).toBeLessThan(260);
      expect(b.serviceMs).toBeGreaterThanOrEqual(145);
      const timedOut = await one.request({ method: 'GET', path: '/', timeoutMs: 50 }).catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(ClientTimeoutError);
      expect((timedOut as Error).name).toBe('TimeoutError');
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('enough')), 30);
      const t1 = performance.now();
      await expect(one.request({ method: 'GET', path: '/', signal: ac.signal })).rejects.toThrow('enough');
      expect(performance.now() - t1).toBeLessThan(120);
    } finally {
      await one.close();
      await slow.close();
    }
  });

  it('emits phases, a second tick with one timeline point per second per service, and finished', async () => {
    const client = createClient({ base: target.url });
    try {
      const engine = new NativeEngine({ client, plan: constantGetPlan(100, 2_500) });
      const phases: EnginePhase[] = [];
      const seconds: SecondEvent[] = [];
      let requestEvents = 0;
      let finished = 0;
      engine.on('phase', (e) => phases.push(e.phase));
      engine.on('second', (e) => seconds.push(e));
      engine.on('request', (e) => {
        requestEvents++;
        expect(e.latencyMs).toBeGreaterThanOrEqual(e.serviceMs);
      });
      engine.on('finished', () => finished++);
      const r = await engine.run();
      expect(phases).toEqual(['setup', 'running', 'draining', 'done']);
      expect(finished).toBe(1);
      expect(requestEvents).toBe(250);
      expect(r.requests).toBe(250);
      expect(r.iterations).toBe(250);
      expect(r.timeline.map((p) => p.t)).toEqual([0, 1, 2]);
      expect(r.timeline.every((p) => p.service === 'target')).toBe(true);
      expect(r.timeline.reduce((a, p) => a + p.requests, 0)).toBe(250);
      expect(r.timeline[1]).toMatchObject({ requests: 100, failed: 0 });
      expect(r.timeline[1]!.p50).toBeGreaterThanOrEqual(20);
      expect(seconds.map((s) => s.t)).toEqual([0, 1, 2]);
      expect(r.k6.metrics['checks']!.values).toMatchObject({ passes: 250, fails: 0, rate: 1 });
      await expect(engine.run()).rejects.toThrow('a NativeEngine runs once');
    } finally {
      await client.close();
    }
  });

  it('asked for more than it can have in flight, it drops iterations and keeps to the clock', async () => {
    // 20 slots × 20 ms serve at most about 1,000/s: at 3,000/s two thirds cannot start in time.
    const client = createClient({ base: target.url, connections: 20 });
    try {
      const engine = new NativeEngine({
        client,
        plan: constantGetPlan(3_000, 2_000),
        maxInFlight: 20,
        dropAfterMs: 100,
      });
      const t0 = performance.now();
      const r = await engine.run();
      const wall = performance.now() - t0;
      console.log(
        `drop test: scheduled ${r.scheduled}, iterations ${r.iterations}, dropped ${r.dropped}, wall ${wall.toFixed(0)} ms, p99 ${r.k6.metrics['http_req_duration']!.values['p(99)']!.toFixed(1)} ms`,
      );
      expect(r.dropped).toBeGreaterThan(r.scheduled / 3);
      expect(r.iterations + r.dropped + r.interrupted).toBe(r.scheduled);
      expect(r.k6.metrics['dropped_iterations']!.values['count']).toBe(r.dropped);
      // It did not slow down to the target's pace (that would take 6 s): the plan's 2 s, a drain, some slack.
      expect(wall).toBeLessThan(2_000 + 1_500);
      // Nothing started later than the bound: latency stays within bound + service + slack.
      expect(r.k6.metrics['http_req_duration']!.values['max']).toBeLessThan(100 + 20 + 400);
    } finally {
      await client.close();
    }
  });

  it('asked for more than its CPU can send, it drops instead of running late', async () => {
    const client = createClient({ base: target.url, connections: 1000 });
    try {
      const engine = new NativeEngine({
        client,
        plan: constantGetPlan(300_000, 1_000),
        dropAfterMs: 50,
        gracefulStopMs: 2_000,
      });
      const t0 = performance.now();
      const r = await engine.run();
      const wall = performance.now() - t0;
      console.log(
        `overload test: scheduled ${r.scheduled}, iterations ${r.iterations}, dropped ${r.dropped}, wall ${wall.toFixed(0)} ms`,
      );
      expect(r.dropped).toBeGreaterThan(0);
      expect(r.iterations + r.dropped + r.interrupted).toBe(r.scheduled);
      expect(wall).toBeLessThan(1_000 + 2_000 + 1_500);
    } finally {
      await client.close();
    }
  });

  it('a signal stops it early: running iterations are cut off, the summary is still made', async () => {
    const slow = await startStallTarget(5_000);
    const client = createClient({ base: slow.url });
    try {
      const ac = new AbortController();
      const engine = new NativeEngine({ client, plan: constantGetPlan(50, 10_000), signal: ac.signal });
      setTimeout(() => ac.abort(), 500);
      const t0 = performance.now();
      const r = await engine.run();
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(r.aborted).toBe(true);
      expect(r.interrupted).toBeGreaterThan(10);
      expect(r.iterations).toBe(0);
      expect(r.k6.metrics['iterations']!.values['count']).toBe(0);
    } finally {
      await client.close();
      await slow.close();
    }
  });

  it('no answer is status 0 and a failed request, not an exception', async () => {
    const client = createClient({ base: 'http://127.0.0.1:9' });
    try {
      const r = await new NativeEngine({ client, plan: constantGetPlan(20, 500) }).run();
      expect(r.requests).toBe(10);
      expect(r.failed).toBe(10);
      expect(r.k6.metrics['http_req_failed']!.values).toMatchObject({ rate: 1, passes: 10, fails: 0 });
      expect(r.errors).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('runNative: a scenario against the real mock', () => {
  let app: FastifyInstance;
  let base: string;
  const sent: { path: string; body: string; simNow: number }[] = [];
  beforeAll(async () => {
    // A sim start far from the wall clock: AanmaakDatum is only right if setup read the mock's clock.
    app = await buildMock({
      db: join(dir, 'mock.db'),
      clock: { speed: 6, start: '2027-03-02T10:00:00+01:00' },
      maintenance: { enabled: false },
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs the smoke flows (shortened) and its summary is what the verdict judges', async () => {
    const scenario = defineScenario({
      name: 'smoke-native',
      description: smoke.description,
      clock: { speed: smoke.clock.speed },
      flows: smoke.flows,
      load: { kind: 'constant', rate: perMinute(600), duration: '30s' },
      ...(smoke.data ? { data: smoke.data } : {}),
    });
    const lines: string[] = [];
    const spy = (o: ClientOptions): HttpClient => {
      const inner = createClient(o);
      return {
        request: (req) => {
          if (req.path === '/berichtenbox/afleveren')
            sent.push({ path: req.path, body: String(req.body), simNow: app.bbsim.clock.now() });
          return inner.request(req);
        },
        close: () => inner.close(),
      };
    };
    const r = await runNative(scenario, {
      base,
      data: defaultDataOptions(scenario),
      log: (l) => lines.push(l),
      clientFactory: spy,
      commandStartedAt: Date.now() - 1000,
    });

    // Every flow ran, with the arrivals its share of the wall profile asks (5 s of wall time).
    const flows = smoke.flows.map((f) => f.flow);
    for (const f of flows) expect(r.k6.metrics[`http_reqs{flow:${f}}`]?.values['count'], f).toBeGreaterThan(0);
    expect(r.scheduled).toBe(
      scenario.flows.reduce((a, _f, i) => a + new ArrivalSchedule(flowRate(scenario, i, 50)).total, 0),
    );
    expect(r.dropped).toBe(0);
    expect(r.failed).toBe(0);

    // k6's shape: the trend stats on every service and flow submetric, raw service time beside it.
    for (const service of scenario.services) {
      for (const m of ['http_req_duration', 'http_req_service_time'])
        expect(Object.keys(r.k6.metrics[`${m}{service:${service}}`]!.values)).toEqual([...TREND_STATS]);
    }
    for (const m of [
      'http_reqs',
      'http_req_failed',
      'iterations',
      'dropped_iterations',
      'bbsim_letters_offered',
      'bbsim_letters_admitted',
      'bbsim_batches_refused',
      'bbsim_authentications',
      'bbsim_letters_coded',
    ]) {
      expect(r.k6.metrics[m], m).toBeDefined();
    }
    const deliveries = r.k6.metrics['http_reqs{flow:deliver-batch}']!.values['count']!;
    expect(r.k6.metrics['bbsim_letters_offered']!.values['count']).toBe(deliveries * 50);
    expect(r.k6.metrics['bbsim_letters_admitted']!.values['count']).toBe(deliveries * 50);
    expect(r.k6.metrics['http_req_duration{service:presentatie}']!.thresholds).toEqual({ 'p(99.9)<200': { ok: true } });
    expect(r.k6.metrics['bbsim_first_request_ms']!.values['value']).toBeGreaterThanOrEqual(1000);

    // AanmaakDatum is the mock's sim now less a second (from GET /status), not the wall clock.
    expect(sent.length).toBe(deliveries);
    for (const s of sent) {
      const aanmaak = Date.parse(
        (JSON.parse(s.body) as { Berichten: { BatchInformatie: { AanmaakDatum: string } } }).Berichten.BatchInformatie
          .AanmaakDatum,
      );
      expect(Math.abs(aanmaak - (s.simNow - 1000))).toBeLessThan(2_000);
    }

    // One timeline point per wall second per service that had requests in it (as the k6 path's timeline).
    const seconds = new Set(r.timeline.map((p) => p.t));
    expect(seconds.size).toBeGreaterThanOrEqual(5);
    expect(r.timeline.every((p) => p.requests > 0)).toBe(true);
    expect(new Set(r.timeline.map((p) => `${p.t} ${p.service}`)).size).toBe(r.timeline.length);
    for (const t of [1, 2, 3])
      for (const service of ['presentatie', 'digid'])
        expect(
          r.timeline.some((p) => p.t === t && p.service === service),
          `${t} ${service}`,
        ).toBe(true);
    expect(r.timeline.reduce((a, p) => a + p.requests, 0)).toBe(r.requests);

    // The verdict reads it unchanged: latency norms measured from the native summary.
    const rows = verdictRows(scenario.norms, r.k6, {}, requestsByService(r.timeline));
    const row = (id: string) => rows.find((x) => x.normId === id);
    // A shortened smoke sends a few hundred inbox reads: too few to judge a p99.9 (1,000 needed), so n/a, never a pass.
    const presented = requestsByService(r.timeline)['presentatie']!.requests;
    expect(row('presentatie.p99.9')).toMatchObject(
      presented >= 1000
        ? { status: 'pass' }
        : { status: 'not-measured', unjudged: expect.stringContaining('too few samples') },
    );
    expect(row('digid.processing-time')).toMatchObject({ status: 'pass' });
    expect(row('digid.processing-time')!.measured).toBe(
      r.k6.metrics['http_req_duration{service:digid}']!.values['avg'],
    );
    expect(row('validatieservice.max-response')!.status).not.toBe('not-measured');

    expect(lines[0]).toContain('native engine: smoke-native against');
    expect(lines.some((l) => /^native +\d+s\/5s/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('  service:presentatie'))).toBe(true);
  }, 60_000);
});
