import { describe, expect, it } from 'vitest';
import {
  HorizonClock,
  ManualClock,
  SimClock,
  HOUR,
  MINUTE,
  DAY,
  localParts,
  fromLocal,
  dayStart,
  nextDayStart,
  dayKey,
  hourStart,
  hourKey,
  dailyWindowAt,
  nextDailyWindowStart,
  nthWeekday,
  monthlyWindowIn,
  inMonthlyWindow,
  monthlyWindowsBetween,
} from '../src/clock/index.ts';
import { MAINTENANCE_WINDOWS, SUBSCRIPTION_NIGHT } from '../src/norms/index.ts';

describe('SimClock', () => {
  it('runs at its speed from its start', () => {
    let wall = 1000;
    const c = new SimClock({ start: Date.UTC(2026, 2, 1), speed: 60, wallNow: () => wall });
    expect(c.now()).toBe(Date.UTC(2026, 2, 1));
    wall += 60_000; // one wall minute
    expect(c.now()).toBe(Date.UTC(2026, 2, 1) + HOUR);
    expect(c.toWallMs(HOUR)).toBe(MINUTE);
    expect(c.toSimMs(1000)).toBe(60_000);
  });
  it('rejects a bad speed with a clear message', () => {
    expect(() => new SimClock({ speed: 0 })).toThrow(/speed must be a finite number > 0, got 0/);
    expect(() => new SimClock({ speed: Number.NaN })).toThrow(/speed/);
  });
  it('ManualClock only moves forward', () => {
    const c = new ManualClock('2026-03-01T00:00:00Z');
    c.advance(5);
    expect(c.now()).toBe(Date.UTC(2026, 2, 1) + 5);
    expect(() => c.advance(-1)).toThrow(/forward/);
  });
});

describe('Amsterdam calendar', () => {
  it('local parts in winter and summer', () => {
    expect(localParts(Date.UTC(2026, 0, 15, 12))).toMatchObject({ hour: 13, weekday: 4 });
    expect(localParts(Date.UTC(2026, 6, 15, 12))).toMatchObject({ hour: 14 });
  });
  it('DST days are 23 and 25 hours long', () => {
    // 2026: spring forward on 29 March, fall back on 25 October.
    const spring = fromLocal(2026, 3, 29);
    expect(nextDayStart(spring) - spring).toBe(23 * HOUR);
    const autumn = fromLocal(2026, 10, 25);
    expect(nextDayStart(autumn) - autumn).toBe(25 * HOUR);
    expect(nextDayStart(fromLocal(2026, 6, 1)) - fromLocal(2026, 6, 1)).toBe(DAY);
    // 02:30 does not exist on 29 March: moved forward by the gap to 03:30 CEST (01:30Z), as Temporal's 'compatible'.
    expect(fromLocal(2026, 3, 29, 2, 30)).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // 02:30 happens twice on 25 October: the first (CEST) one.
    expect(fromLocal(2026, 10, 25, 2, 30)).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });
  it('hour and day buckets', () => {
    const t = Date.UTC(2026, 2, 1, 22, 59, 59); // 23:59:59 local
    expect(dayKey(t)).toBe('2026-03-01');
    expect(dayKey(t + 1000)).toBe('2026-03-02');
    expect(dayStart(t)).toBe(Date.UTC(2026, 1, 28, 23));
    expect(hourStart(t + 1000)).toBe(Date.UTC(2026, 2, 1, 23));
    expect(hourKey(t)).toBe('2026-03-01T23');
    // The autumn night has 02:00 twice (CEST, then CET): two hours, two keys; spring has no 02:00.
    const autumn = [0, 1, 2, 3].map((h) => hourKey(Date.UTC(2026, 9, 24, 23 + h, 30)));
    expect(autumn).toEqual(['2026-10-25T01', '2026-10-25T02', '2026-10-25T02+01:00', '2026-10-25T03']);
    expect([0, 1, 2].map((h) => hourKey(Date.UTC(2026, 2, 28, 23 + h, 30)))).toEqual([
      '2026-03-29T00',
      '2026-03-29T01',
      '2026-03-29T03',
    ]);
  });
  it('the subscription night 23:00-07:00 crosses midnight and is keyed by its evening', () => {
    const { from, to } = SUBSCRIPTION_NIGHT;
    const w = dailyWindowAt(fromLocal(2026, 3, 2, 3, 0), from, to);
    expect(w?.key).toBe('2026-03-01');
    expect(w?.start).toBe(fromLocal(2026, 3, 1, 23));
    expect(w?.end).toBe(fromLocal(2026, 3, 2, 7));
    expect(dailyWindowAt(fromLocal(2026, 3, 2, 7, 0), from, to)).toBeUndefined();
    expect(dailyWindowAt(fromLocal(2026, 3, 2, 22, 59), from, to)).toBeUndefined();
    expect(nextDailyWindowStart(fromLocal(2026, 3, 2, 12), from, to)).toBe(fromLocal(2026, 3, 2, 23));
    // The night into the autumn DST change is 9 hours long.
    const n = dailyWindowAt(fromLocal(2026, 10, 25, 1), from, to);
    expect(n && n.end - n.start).toBe(9 * HOUR);
  });
  it('nth weekday maintenance windows', () => {
    expect(nthWeekday(2026, 11, 2, 2)).toBe(10); // 2nd Tuesday of November 2026
    expect(nthWeekday(2026, 3, 2, 1)).toBe(9); // 2nd Monday of March 2026
    const bb = MAINTENANCE_WINDOWS.find((w) => w.id === 'berichtenbox.maintenance')!;
    const w = monthlyWindowIn(bb, 2026, 11);
    expect(w.start).toBe(Date.UTC(2026, 10, 10, 8));
    expect(w.end - w.start).toBe(6 * HOUR);
    expect(inMonthlyWindow(bb, Date.UTC(2026, 10, 10, 12))).toBe(true);
    expect(inMonthlyWindow(bb, Date.UTC(2026, 10, 10, 14))).toBe(false);
    expect(monthlyWindowsBetween(bb, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))).toHaveLength(12);
    expect(() => nthWeekday(2026, 2, 5, 1)).toThrow(/no 5th/);
  });
});

describe('HorizonClock (the persisted horizon the mock resumes from after a crash)', () => {
  it('shows the inner time, held at the persisted horizon until it is extended, never running back', () => {
    let wall = 0;
    const inner = new SimClock({ start: 1_000_000, speed: 100, wallNow: () => wall });
    const clock = new HorizonClock(inner, 1_000_000 + 5_000);
    expect(clock.now()).toBe(1_000_000);
    wall = 40;
    expect(clock.now()).toBe(1_004_000);
    wall = 100; // inner at +10,000: past the horizon, so the clock stands at it
    expect(clock.now()).toBe(1_005_000);
    expect(clock.nextHorizon(2_000)).toBe(1_012_000);
    clock.extendTo(1_012_000);
    expect(clock.now()).toBe(1_010_000);
    clock.extendTo(1_001_000); // a lower horizon is ignored
    expect(clock.horizon).toBe(1_012_000);
    expect(clock.now()).toBe(1_010_000);
    expect(clock.speed).toBe(100);
  });
});
