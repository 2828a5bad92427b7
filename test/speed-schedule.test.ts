import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HorizonClock,
  ManualClock,
  SimClock,
  SpeedSchedule,
  SpeedScheduleError,
  HOUR,
  MINUTE,
} from '../src/clock/index.ts';

const T0 = Date.UTC(2027, 1, 28, 23); // 1 March 2027 00:00 in Amsterdam

/** Schedules of 1–6 segments: whole sim ms boundaries, speeds from 0.5 to 100,000. */
const schedules = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 6 * HOUR }), { minLength: 0, maxLength: 5 }),
    fc.array(fc.double({ min: 0.5, max: 100_000, noNaN: true }), { minLength: 6, maxLength: 6 }),
  )
  .map(([gaps, speeds]) => {
    let from = T0;
    return new SpeedSchedule([
      { from, speed: speeds[0]! },
      ...gaps.map((g, i) => ({ from: (from += g), speed: speeds[i + 1]! })),
    ]);
  });

describe('SpeedSchedule', () => {
  it('validates once, naming every problem by its field', () => {
    let err: unknown;
    try {
      new SpeedSchedule([
        { from: 10, speed: 0 },
        { from: 5, speed: 2 },
        { from: Number.NaN, speed: 2e6 },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpeedScheduleError);
    const issues = (err as SpeedScheduleError).issues;
    expect(issues).toContain('schedule[0].speed: a number > 0 and at most 1000000, got 0');
    expect(issues).toContain(
      'schedule[1].from: must be later than schedule[0].from (segments in order, no two at one instant)',
    );
    expect(issues.some((i) => i.startsWith('schedule[2].from:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('schedule[2].speed:'))).toBe(true);
    expect(() => new SpeedSchedule([])).toThrow(/at least one segment/);
  });

  it('a constant speed is the one-segment schedule and converts as one speed always did', () => {
    const s = SpeedSchedule.constant(60);
    expect(s.isConstant).toBe(true);
    expect(s.wallBetween(T0, T0 + HOUR)).toBe(MINUTE);
    expect(s.simAfter(T0, MINUTE)).toBe(T0 + HOUR);
    expect(s.speedAt(-1e15)).toBe(60);
  });

  it('is exact at every segment boundary', () => {
    fc.assert(
      fc.property(schedules, (s) => {
        for (let i = 0; i < s.segments.length; i++) {
          const b = s.segments[i]!.from;
          // The boundary's wall position converts back to the boundary itself, exactly.
          expect(s.simOf(s.wallOf(b))).toBe(b);
          expect(s.speedAt(b)).toBe(s.segments[i]!.speed);
          if (i > 0) {
            const a = s.segments[i - 1]!;
            // Crossing one whole segment takes exactly its length over its speed.
            expect(s.wallBetween(a.from, b)).toBeCloseTo((b - a.from) / a.speed, 6);
            expect(s.simAfter(a.from, s.wallBetween(a.from, b))).toBe(b);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips sim → wall → sim and wall → sim → wall', () => {
    fc.assert(
      fc.property(
        schedules,
        fc.integer({ min: -HOUR, max: 40 * HOUR }),
        fc.integer({ min: 0, max: 30 * HOUR }),
        (s, dt, span) => {
          const t = T0 + dt;
          expect(Math.abs(s.simOf(s.wallOf(t)) - t)).toBeLessThan(1e-3);
          const w = s.wallBetween(t, t + span);
          expect(w).toBeGreaterThanOrEqual(0);
          // The sim instant `w` wall ms after t is t + span again (relative error of float sums only).
          expect(Math.abs(s.simAfter(t, w) - (t + span))).toBeLessThan(1e-3 + span * 1e-12);
          // Wall time is additive over any split of a sim span.
          const mid = t + Math.floor(span / 3);
          expect(s.wallBetween(t, mid) + s.wallBetween(mid, t + span)).toBeCloseTo(w, 6);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is monotonic: later sim instants are later in wall time', () => {
    fc.assert(
      fc.property(
        schedules,
        fc.integer({ min: -HOUR, max: 40 * HOUR }),
        fc.integer({ min: 1, max: HOUR }),
        (s, dt, d) => {
          expect(s.wallOf(T0 + dt + d)).toBeGreaterThan(s.wallOf(T0 + dt));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads back its reported form (GET /status schedule)', () => {
    const s = new SpeedSchedule([
      { from: T0, speed: 600 },
      { from: T0 + 19 * HOUR, speed: 30 },
    ]);
    expect(SpeedSchedule.fromJSON(JSON.parse(JSON.stringify(s)))?.segments).toEqual(s.segments);
    expect(SpeedSchedule.fromJSON([{ from: 'x', speed: 1 }])).toBeUndefined();
    expect(SpeedSchedule.fromJSON(42)).toBeUndefined();
  });
});

describe('clocks on a schedule', () => {
  const sched = new SpeedSchedule([
    { from: T0, speed: 600 },
    { from: T0 + HOUR, speed: 60 },
  ]);

  it('SimClock runs fast, then slow, across the boundary', () => {
    let wall = 0;
    const c = new SimClock({ start: T0, schedule: sched, wallNow: () => wall });
    expect(c.speed).toBe(600);
    wall = 6_000; // 6 wall s at 600: one sim hour, exactly the boundary
    expect(c.now()).toBe(T0 + HOUR);
    expect(c.speed).toBe(60);
    wall = 7_000;
    expect(c.now()).toBe(T0 + HOUR + MINUTE);
  });

  it('toWallMs spans segments: Retry-After until a window across the boundary', () => {
    const c = new ManualClock(T0 + HOUR - 10 * MINUTE, sched);
    // 10 sim min at 600 (1 s) then 10 at 60 (10 s).
    expect(c.toWallMs(20 * MINUTE)).toBeCloseTo(11_000, 6);
    expect(c.toSimMs(11_000)).toBeCloseTo(20 * MINUTE, 3);
  });

  it('the horizon runs a fixed wall time ahead along the schedule', () => {
    let wall = 0;
    const inner = new SimClock({ start: T0 + HOUR - 600_000, schedule: sched, wallNow: () => wall });
    const h = new HorizonClock(inner, inner.now());
    // 2 wall s: 1 s at 600 reaches the boundary (10 sim min), 1 s more at 60.
    expect(h.nextHorizonWall(2_000)).toBeCloseTo(T0 + HOUR + 60_000, 3);
    expect(h.schedule).toBe(sched);
    wall = 5;
    expect(h.now()).toBe(inner.now() > h.horizon ? h.horizon : inner.now());
  });
});
