/**
 * WindowLimiter keeps the last bucket of each window (the calendar arithmetic of hours and days
 * runs once per window instead of per request): its admissions and counts must be exactly those of
 * a reference that computes every bucket afresh (bucketOf), for any order of instants, across DST
 * days, minute/hour/day/n-second and night windows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowLimiter, bucketOf, type WindowLimit } from '../src/mock/capacity/index.ts';

/** The admission rule of WindowLimiter with every bucket recomputed (no cache). */
class Reference {
  readonly counts: { key: number; count: number }[];
  constructor(readonly limits: readonly WindowLimit[]) {
    this.counts = limits.map(() => ({ key: Number.NaN, count: 0 }));
  }

  tryAdmit(t: number, n: number): { admitted: boolean; used?: number; reopensAt?: number } {
    const buckets = this.limits.map((l) => bucketOf(l.window, t));
    for (const [i, l] of this.limits.entries()) {
      const b = buckets[i];
      if (!b) continue;
      const c = this.counts[i]!;
      const used = c.key === b.key ? c.count : 0;
      if (used + n > l.limit) return { admitted: false, used, reopensAt: b.reopensAt };
    }
    for (const [i, b] of buckets.entries()) {
      if (!b) continue;
      const c = this.counts[i]!;
      if (c.key !== b.key) {
        c.key = b.key;
        c.count = 0;
      }
      c.count += n;
    }
    return { admitted: true };
  }
}

const LIMITS: readonly WindowLimit[] = [
  { window: 'minute', limit: 7 },
  { window: { seconds: 300 }, limit: 15 },
  { window: 'hour', limit: 40 },
  { window: 'day', limit: 90 },
  { window: { night: { from: '22:00', to: '06:00' } }, limit: 5 },
];
/** Around the spring-forward and autumn-back nights of 2027 (Europe/Amsterdam), a plain night and the morning after it. */
const STARTS = [
  Date.UTC(2027, 2, 27, 20),
  Date.UTC(2027, 9, 30, 20),
  Date.UTC(2027, 5, 1, 20),
  Date.UTC(2027, 5, 2, 3, 30),
];

describe('WindowLimiter with cached buckets', () => {
  it('admits and counts exactly as recomputing every bucket does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STARTS),
        // Mostly small steps forward, sometimes a jump back or far ahead (a restart, a clock read out of order).
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: -4_000_000, max: 8_000_000 })),
            fc.integer({ min: 1, max: 3 }),
          ),
          { minLength: 1, maxLength: 300 },
        ),
        (start, steps) => {
          const limiter = new WindowLimiter(LIMITS);
          const ref = new Reference(LIMITS);
          let t = start;
          for (const [dt, n] of steps) {
            t += dt;
            const got = limiter.tryAdmit(t, n);
            const want = ref.tryAdmit(t, n);
            expect(got.admitted).toBe(want.admitted);
            if (!got.admitted)
              expect({ used: got.used, reopensAt: got.reopensAt }).toEqual({
                used: want.used,
                reopensAt: want.reopensAt,
              });
            expect(limiter.used(t)).toEqual(
              LIMITS.map((l, i) => {
                const b = bucketOf(l.window, t);
                const c = ref.counts[i]!;
                return b && c.key === b.key ? c.count : 0;
              }),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
