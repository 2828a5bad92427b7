import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MINUTE } from '../src/clock/index.ts';
import { WindowLimiter } from '../src/mock/capacity/index.ts';
import type { CapacityStats } from '../src/mock/capacity/capacity-stats.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, MESSAGES_PARKED_PER_SECOND } from '../src/norms/index.ts';
import { PARKING_WINDOW_S } from '../src/mock/plugins/observability.ts';
import { NativeEngine, type HttpClient, type LoadPlan } from '../src/engine/index.ts';
import { BELASTINGDIENST, startTestMock, T0, type TestMock } from './helpers/mock.ts';
import { batch, json } from './helpers/batches.ts';
import type { WindowStats } from '../src/mock/capacity/capacity-stats.ts';

/**
 * Issue 23: under load the DigiD minute window read more authentications in a sim minute than the
 * load generator sent in any. The cause: the offered count was keyed by the instant the request
 * reached its handler, and requests held up on the way in (a cold start, a GC pause, a loaded
 * machine; at speed 120 a wall 0.1 s is a fifth of a sim minute) arrive in a burst after the next
 * minute opened, so that minute got its own load plus the tail of the one before
 * (bench/digid/overread-probe.ts: 1,427 read, at most 1,016 sent). Now the generator says when it
 * sent (x-bbsim-sent-at, sim ms) and the offered load is counted in that minute. The intake's
 * windows (the 45/s parking norm over 300 sim s, the hour, the day) count its batches the same way.
 */
const M0 = Math.ceil(T0 / MINUTE) * MINUTE; // a minute boundary

describe('offered load counted by the instant it was sent', () => {
  it('WindowLimiter: a late arrival counts in the minute it was sent in, not in the next', () => {
    const limiter = new WindowLimiter([{ window: 'minute', limit: 1000 }]);
    // 100 sent per minute, evenly; the last 30 of minute 0 arrive 5 s into minute 1.
    for (let i = 0; i < 70; i++) limiter.tryAdmit(M0 + i * 600, 1);
    for (let i = 0; i < 30; i++) limiter.tryAdmit(M0 + MINUTE + 5000, 1, M0 + (70 + i) * 600);
    for (let i = 0; i < 100; i++) limiter.tryAdmit(M0 + MINUTE + 5000 + i * 550, 1);
    for (let i = 0; i < 100; i++) limiter.tryAdmit(M0 + 2 * MINUTE + i * 600, 1);
    expect(limiter.peakOffered()).toEqual([100]);
    expect(limiter.stats(M0 + 2 * MINUTE + 1).map((w) => w.peakAt)).toEqual([new Date(M0).toISOString()]);
  });

  describe('the mock: POST /digid/authenticate with x-bbsim-sent-at', () => {
    let mock: TestMock;
    beforeAll(async () => {
      mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 0 } } }, M0);
    });
    afterAll(async () => mock?.close());

    const authenticate = (sentAt?: number | string) =>
      mock.app.inject({
        method: 'POST',
        url: '/digid/authenticate',
        headers: {
          'content-type': 'application/json',
          ...(sentAt !== undefined ? { 'x-bbsim-sent-at': String(sentAt) } : {}),
        },
        payload: { bsn: '999990019' },
      });
    const window = async () => {
      const stats = (await mock.app.inject({ url: '/digid/stats' })).json<{ capacity: CapacityStats }>();
      return stats.capacity.windows.find((w) => w.normId === DIGID_AUTHENTICATIONS_PER_MINUTE.id)!;
    };

    it('reads the most sent in one minute, though a burst of the first minute arrived in the second', async () => {
      // 40 sent in minute 0, of which the last 15 held up until 2 s into minute 1; then minute 1's own 40.
      for (let i = 0; i < 25; i++) {
        mock.clock.set(M0 + i * 1500);
        expect((await authenticate(M0 + i * 1500)).statusCode).toBe(200);
      }
      mock.clock.set(M0 + MINUTE + 2000);
      for (let i = 25; i < 40; i++) expect((await authenticate(M0 + i * 1500)).statusCode).toBe(200);
      for (let i = 0; i < 40; i++) {
        mock.clock.set(Math.max(mock.clock.now(), M0 + MINUTE + i * 1500));
        expect((await authenticate(M0 + MINUTE + i * 1500)).statusCode).toBe(200);
      }
      const w = await window();
      // By arrival this read 55 (40 + the 15 late ones): more in a minute than were ever sent in one.
      expect(w.peakOffered).toBe(40);
      expect(w.used).toBe(55); // admission stays by arrival, as the real service's
    });

    it('never counts a request later than its arrival, nor more than 5 wall s before it', async () => {
      const before = (await window()).peakOffered;
      mock.clock.set(M0 + 10 * MINUTE);
      // A claim in the future counts now; one from an hour ago counts 5 s before arrival (minute 9).
      expect((await authenticate(M0 + 20 * MINUTE)).statusCode).toBe(200);
      expect((await authenticate(M0 - 60 * MINUTE)).statusCode).toBe(200);
      expect((await window()).peakOffered).toBe(before);
      expect((await window()).used).toBe(2);
    });

    it('refuses a header that is not a sim instant, naming it', async () => {
      const res = await authenticate('soon');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'x-bbsim-sent-at' });
    });
  });

  describe('the mock: POST /berichtenbox/afleveren with x-bbsim-sent-at', () => {
    // The whole peak-day read 46.67 letters/s in its busiest 300 sim s against the 45/s parking
    // norm (14 batches of 1,000 in one window) while it sent at most 13 in any: batches held up by
    // the saturated mock, at speed 25, got through in the next window.
    const W = PARKING_WINDOW_S * 1000;
    const W0 = Math.ceil(T0 / W) * W + W; // a window boundary after T0
    let mock: TestMock;
    beforeAll(async () => {
      mock = await startTestMock({}, W0);
    });
    afterAll(async () => mock?.close());

    const deliver = (sentAt: number | string | undefined, at: number) =>
      mock.app.inject({
        method: 'POST',
        url: '/berichtenbox/afleveren',
        headers: {
          'content-type': 'application/json',
          'x-afnemer-oin': BELASTINGDIENST.oin,
          ...(sentAt !== undefined ? { 'x-bbsim-sent-at': String(sentAt) } : {}),
        },
        payload: JSON.stringify(json(batch(10, { now: at - 1000 }))),
      });
    const parking = async (): Promise<WindowStats> => {
      const status = (await mock.app.inject({ url: '/status' })).json<{ intake: { windows: WindowStats[] } }>();
      return status.intake.windows.find((w) => w.normId === MESSAGES_PARKED_PER_SECOND.id)!;
    };

    it('counts a batch in the parking window it was sent in, though it got through in the next', async () => {
      // 10 batches of 10 sent 25 s apart in window 0, the last 4 held up until 2 s into window 1;
      // then window 1's own 10.
      const step = 25_000;
      for (let i = 0; i < 6; i++) {
        mock.clock.set(W0 + i * step);
        expect((await deliver(W0 + i * step, W0 + i * step)).statusCode).toBe(202);
      }
      mock.clock.set(W0 + W + 2000);
      for (let i = 6; i < 10; i++) expect((await deliver(W0 + i * step, W0 + i * step)).statusCode).toBe(202);
      for (let i = 0; i < 10; i++) {
        mock.clock.set(Math.max(mock.clock.now(), W0 + W + i * step + 3000));
        expect((await deliver(W0 + W + i * step + 3000, mock.clock.now())).statusCode).toBe(202);
      }
      // By arrival window 1 read 140 letters (its 100 and the 40 held up): more than were sent in any.
      const w = await parking();
      expect(w.peakOffered).toBe(100);
      expect(w.peakAt).toBe(new Date(W0).toISOString());
    });

    it('refuses a header that is not a sim instant, naming it, and loses no letter', async () => {
      const res = await deliver('soon', mock.clock.now());
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'x-bbsim-sent-at' });
    });
  });

  it('the native engine stamps the instant a request was meant to go out, not when a busy engine got to it', async () => {
    // 100 iterations/s for 0.3 s; the first blocks the engine's event loop for 120 ms, so those due
    // in the meantime start late, together. lateMs is what x-bbsim-sent-at subtracts (sentAt in
    // native-flows.ts): without it they would all be stamped at the moment the engine came free.
    const lates: number[] = [];
    let first = true;
    const client: HttpClient = {
      request: async () => ({ status: 200, headers: {}, body: '', serviceMs: 0 }),
      close: async () => undefined,
    };
    const plan: LoadPlan = {
      flows: [
        {
          name: 'late',
          services: ['target'],
          rate: { startRate: 100, stages: [{ target: 100, durationMs: 300 }] },
          async iterate(ctx) {
            if (first) {
              first = false;
              const t = performance.now();
              while (performance.now() - t < 120);
            }
            lates.push(ctx.lateMs());
            await ctx.request({ service: 'target', flow: 'late' }, { method: 'GET', path: '/' });
          },
        },
      ],
    };
    await new NativeEngine({ client, plan }).run();
    expect(lates.length).toBe(30);
    // The iteration due 10 ms in started about 110 ms late; the last ones, after the stall, on time.
    expect(Math.max(...lates)).toBeGreaterThan(80);
    expect(lates.slice(-10).every((l) => l < 30)).toBe(true);
  });

  it("bbsim's k6 scripts and the native engine send the instant with every batch", () => {
    const script = readFileSync(new URL('../k6/intake-burst.js', import.meta.url), 'utf8');
    expect(script).toMatch(
      /export function deliverBatch\(clock\) \{[^]*?'x-bbsim-sent-at': String\(Math\.round\(simNow\(clock\)\)\)[^]*?http\.post\(BASE_URL \+ '\/berichtenbox\/afleveren', body, \{ headers,/,
    );
    const native = readFileSync(new URL('../src/engine/native-flows.ts', import.meta.url), 'utf8');
    expect(native).toMatch(/path: '\/berichtenbox\/afleveren',[^]*?'x-bbsim-sent-at': sentAt\(ctx, env\)/);
  });

  it("bbsim's k6 scripts send the instant with every DigiD authentication", () => {
    const script = readFileSync(new URL('../k6/digid-peak.js', import.meta.url), 'utf8');
    expect(script).toMatch(/'x-bbsim-sent-at': String\(Math\.round\(simNow\(clock\)\)\)/);
    expect(script).toMatch(/export function digidAuthenticate\(clock\) \{\n.*headers: digidHeaders\(clock\)/);
  });
});
