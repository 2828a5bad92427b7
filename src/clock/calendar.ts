/**
 * Europe/Amsterdam calendar on epoch milliseconds, DST-safe: calendar days are 23, 24 or 25 hours,
 * local times that do not exist (spring forward) move forward, ambiguous ones (fall back) take
 * the first occurrence.
 */
import { HOUR } from './clock.ts';

export const ZONE = 'Europe/Amsterdam';

export interface LocalParts {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
}

const formatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

// The zone offset only changes on whole hours, so it is cached per UTC hour (bounded).
const offsetCache = new Map<number, number>();
const HOURS_PER_UTC_DAY = 24;

/** Offset of Amsterdam local time from UTC at `ms`, in ms (3600000 in winter, 7200000 in summer). */
export function zoneOffset(ms: number): number {
  const key = Math.floor(ms / HOUR);
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  // Amsterdam's offset changes twice a year, never twice within a day: when both ends of the UTC day
  // agree, every hour of it has that offset. So a miss fills its whole day with two Intl look-ups
  // (about 10 µs each) instead of one per hour: hours.csv of 18 months asks for 13,000 hours.
  const day0 = Math.floor(key / HOURS_PER_UTC_DAY) * HOURS_PER_UTC_DAY;
  const first = intlOffset(day0);
  const last = intlOffset(day0 + HOURS_PER_UTC_DAY - 1);
  if (offsetCache.size > 100_000) offsetCache.clear();
  for (let k = day0; k < day0 + HOURS_PER_UTC_DAY; k++)
    offsetCache.set(k, first === last ? first : k === day0 ? first : intlOffset(k));
  return offsetCache.get(key)!;
}

/** The offset at the start of UTC hour `key`, from Intl (the zone database). */
function intlOffset(key: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(key * HOUR))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
  return asUtc - key * HOUR;
}

export function localParts(ms: number): LocalParts {
  const d = new Date(ms + zoneOffset(ms));
  const dow = d.getUTCDay();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: dow === 0 ? 7 : dow,
  };
}

/** The instant of a local Amsterdam wall time. */
export function fromLocal(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Try the offsets on both sides of the wall time; the first that maps back to it wins (earliest).
  const candidates = [wall - zoneOffset(wall - 3 * HOUR), wall - zoneOffset(wall + 3 * HOUR)].sort((a, b) => a - b);
  for (const t of candidates) {
    if (t + zoneOffset(t) === wall) return t;
  }
  // The wall time does not exist (skipped by spring forward): read it with the offset before the jump.
  return wall - zoneOffset(wall - 3 * HOUR);
}

/** Start of the local hour containing `ms` (Amsterdam offsets are whole hours). */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR) * HOUR;
}

export function nextHourStart(ms: number): number {
  return hourStart(ms) + HOUR;
}

/** Start of the local calendar day containing `ms`. */
export function dayStart(ms: number): number {
  const p = localParts(ms);
  return fromLocal(p.year, p.month, p.day);
}

export function nextDayStart(ms: number): number {
  const p = localParts(ms);
  return fromLocal(p.year, p.month, p.day + 1);
}

/** 'YYYY-MM-DD' of the local calendar day. */
export function dayKey(ms: number): string {
  const p = localParts(ms);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * 'YYYY-MM-DDTHH' of the local hour: the one hour-key format of the counters (intake and
 * notification windows). The hour repeated when summer time ends (02:00 CET after 02:00 CEST on the
 * last Sunday of October) gets its offset, 'YYYY-MM-DDT02+01:00', so no two hours share a key.
 */
export function hourKey(ms: number): string {
  const start = hourStart(ms);
  const hit = hourKeyCache.get(start);
  if (hit !== undefined) return hit;
  const plain = `${dayKey(start)}T${String(localParts(start).hour).padStart(2, '0')}`;
  // The offset drops from +02:00 to +01:00 at the start of the repeated hour.
  const key = zoneOffset(start) < zoneOffset(start - HOUR) ? `${plain}+01:00` : plain;
  if (hourKeyCache.size > 100_000) hourKeyCache.clear();
  hourKeyCache.set(start, key);
  return key;
}

// Counters key every letter's hour (twice per notification): cached per hour like the offset.
const hourKeyCache = new Map<number, string>();

function parseHhMm(s: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(s);
  if (!m) throw new RangeError(`time of day must be HH:MM, got '${s}'`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * The daily window (may cross midnight, e.g. 23:00-07:00) that contains `ms`, or undefined.
 * A night that starts on day D is keyed by D.
 */
export function dailyWindowAt(ms: number, from: string, to: string): (Interval & { key: string }) | undefined {
  const f = parseHhMm(from);
  const t = parseHhMm(to);
  const p = localParts(ms);
  const startOn = (y: number, mo: number, d: number): Interval & { key: string } => {
    const start = fromLocal(y, mo, d, Math.floor(f / 60), f % 60);
    const endDay = t <= f ? d + 1 : d;
    const end = fromLocal(y, mo, endDay, Math.floor(t / 60), t % 60);
    return { start, end, key: dayKey(start) };
  };
  for (const offsetDays of [0, -1]) {
    const w = startOn(p.year, p.month, p.day + offsetDays);
    if (ms >= w.start && ms < w.end) return w;
  }
  return undefined;
}

/** The first instant at or after `ms` where the daily window is open. */
export function nextDailyWindowStart(ms: number, from: string, to: string): number {
  if (dailyWindowAt(ms, from, to)) return ms;
  const f = parseHhMm(from);
  const p = localParts(ms);
  const today = fromLocal(p.year, p.month, p.day, Math.floor(f / 60), f % 60);
  return today > ms ? today : fromLocal(p.year, p.month, p.day + 1, Math.floor(f / 60), f % 60);
}

/** Day of month of the nth ISO weekday (1 = Monday) in a month, e.g. 2nd Tuesday. */
export function nthWeekday(year: number, month: number, nth: number, weekday: number): number {
  const firstDow = new Date(Date.UTC(year, month - 1, 1)).getUTCDay() || 7;
  const day = 1 + ((weekday - firstDow + 7) % 7) + (nth - 1) * 7;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) throw new RangeError(`there is no ${nth}th weekday ${weekday} in ${year}-${month}`);
  return day;
}

export interface MonthlyWindow {
  readonly nth: number;
  readonly weekday: number;
  readonly from: string;
  readonly to: string;
}

/** The window of `rule` in the given month. */
export function monthlyWindowIn(rule: MonthlyWindow, year: number, month: number): Interval {
  const day = nthWeekday(year, month, rule.nth, rule.weekday);
  const f = parseHhMm(rule.from);
  const t = parseHhMm(rule.to);
  return {
    start: fromLocal(year, month, day, Math.floor(f / 60), f % 60),
    end: fromLocal(year, month, t <= f ? day + 1 : day, Math.floor(t / 60), t % 60),
  };
}

export function inMonthlyWindow(rule: MonthlyWindow, ms: number): boolean {
  const p = localParts(ms);
  // A window crossing midnight at the end of last month could still be open.
  for (const [y, m] of [[p.year, p.month], p.month === 1 ? [p.year - 1, 12] : [p.year, p.month - 1]] as const) {
    const w = monthlyWindowIn(rule, y, m);
    if (ms >= w.start && ms < w.end) return true;
  }
  return false;
}

/** All windows of `rule` overlapping [from, to). */
export function monthlyWindowsBetween(rule: MonthlyWindow, from: number, to: number): Interval[] {
  const out: Interval[] = [];
  const p = localParts(from);
  let y = p.month === 1 ? p.year - 1 : p.year;
  let m = p.month === 1 ? 12 : p.month - 1;
  for (;;) {
    const w = monthlyWindowIn(rule, y, m);
    if (w.start >= to) break;
    if (w.end > from) out.push(w);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}
