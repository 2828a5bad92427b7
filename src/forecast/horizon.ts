import { DAY, HOUR, MINUTE, fromLocal, localParts, dailyWindowAt, nextDailyWindowStart } from '../clock/index.ts';
import { SUBSCRIPTION_NIGHT } from '../norms/index.ts';
import { monthNumber } from './read-forecast-csv.ts';

export const MINUTES_PER_HOUR = HOUR / MINUTE;
export const HOURS_PER_DAY = DAY / HOUR;

/**
 * The minute grid of a forecast horizon on the Europe/Amsterdam calendar: from local midnight on
 * the first day of the first month to local midnight after the last month. Amsterdam offsets are
 * whole hours, so minute m lies in hour floor(m / 60) and every calendar day is a run of 23, 24 or
 * 25 whole hours.
 */
export interface Horizon {
  readonly start: number;
  readonly end: number;
  readonly months: readonly string[];
  readonly minutes: number;
  readonly hours: number;
  readonly days: number;
  /** First hour of each month; length months + 1. */
  readonly monthHourStart: Int32Array;
  /** First hour of each calendar day; length days + 1. */
  readonly dayHourStart: Int32Array;
  readonly dayKeys: readonly string[];
  /** 'MM-DD' of each day, for the profiles' periods. */
  readonly dayMonthDay: readonly string[];
  /** ISO weekday of each day, 1 = Monday. */
  readonly dayWeekday: Uint8Array;
  readonly dayMonth: Int16Array;
  /** Local hour of day (0-23) of each hour; on the autumn DST day 02 occurs twice. */
  readonly hourOfDay: Uint8Array;
  readonly hourDay: Int32Array;
  /** Subscription night windows overlapping the horizon, in minutes from the start ([start, end)). */
  readonly nights: readonly { readonly start: number; readonly end: number; readonly key: string }[];
}

export function buildHorizon(months: readonly string[]): Horizon {
  const first = months[0];
  if (first === undefined) throw new RangeError('a horizon needs at least one month');
  const y0 = Number(first.slice(0, 4));
  const m0 = Number(first.slice(5, 7));
  const start = fromLocal(y0, m0, 1);
  const dayStarts: number[] = [];
  const dayKeys: string[] = [];
  const dayMonthDay: string[] = [];
  const dayWeekday: number[] = [];
  const dayMonth: number[] = [];
  const monthHourStart = new Int32Array(months.length + 1);
  let end = start;
  months.forEach((month, mi) => {
    if (monthNumber(month) !== monthNumber(first) + mi)
      throw new RangeError(`months must be contiguous, ${month} follows ${months[mi - 1]}`);
    const y = Number(month.slice(0, 4));
    const mo = Number(month.slice(5, 7));
    const daysIn = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    monthHourStart[mi] = Math.round((fromLocal(y, mo, 1) - start) / HOUR);
    for (let d = 1; d <= daysIn; d++) {
      const t = fromLocal(y, mo, d);
      dayStarts.push(t);
      const md = `${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      dayKeys.push(`${String(y).padStart(4, '0')}-${md}`);
      dayMonthDay.push(md);
      dayWeekday.push(localParts(t).weekday);
      dayMonth.push(mi);
    }
    end = fromLocal(y, mo + 1, 1);
  });
  const hours = Math.round((end - start) / HOUR);
  monthHourStart[months.length] = hours;
  const days = dayStarts.length;
  const dayHourStart = new Int32Array(days + 1);
  const hourOfDay = new Uint8Array(hours);
  const hourDay = new Int32Array(hours);
  for (let d = 0; d < days; d++) {
    const h0 = Math.round((dayStarts[d]! - start) / HOUR);
    const h1 = d + 1 < days ? Math.round((dayStarts[d + 1]! - start) / HOUR) : hours;
    dayHourStart[d] = h0;
    const regular = h1 - h0 === HOURS_PER_DAY;
    for (let h = h0; h < h1; h++) {
      // Only DST days need the calendar: their local hours skip or repeat one.
      hourOfDay[h] = regular ? h - h0 : localParts(start + h * HOUR).hour;
      hourDay[h] = d;
    }
  }
  dayHourStart[days] = hours;
  const nights: { start: number; end: number; key: string }[] = [];
  const { from, to } = SUBSCRIPTION_NIGHT;
  let t = dailyWindowAt(start, from, to)?.start ?? nextDailyWindowStart(start, from, to);
  while (t < end) {
    const w = dailyWindowAt(t, from, to);
    if (!w) break;
    nights.push({
      start: Math.max(0, Math.round((w.start - start) / MINUTE)),
      end: Math.min(hours * MINUTES_PER_HOUR, Math.round((w.end - start) / MINUTE)),
      key: w.key,
    });
    t = nextDailyWindowStart(w.end, from, to);
  }
  return {
    start,
    end,
    months,
    minutes: hours * MINUTES_PER_HOUR,
    hours,
    days,
    monthHourStart,
    dayHourStart,
    dayKeys,
    dayMonthDay,
    dayWeekday: Uint8Array.from(dayWeekday),
    dayMonth: Int16Array.from(dayMonth),
    hourOfDay,
    hourDay,
    nights,
  };
}
