import { PROFILE_OF, type SeriesKey } from './forecast-types.ts';
import { reachTime } from './fifo-curves.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import type { ForecastResult } from './run-forecast.ts';

export interface Contributor {
  readonly oin: string;
  readonly naam: string;
  /** Its amount in the window (its own spread, before rounding). */
  readonly amount: number;
  readonly sharePct: number;
}

/**
 * Which load a norm counts, per afnemer. 'offered': what the afnemers offer in the window (the
 * forecast itself). 'notification-queue': the notifications entering the queue in the window, which
 * are those of letters processed then; the queues are FIFO in order of first offering, so they are
 * the notifications of the letters first offered between two instants, whoever offered them and
 * however long they waited in intake, redelivery and parking.
 */
export type LoadPath = 'offered' | 'notification-queue';

/** One afnemer-month of a series with its hourly shares (looked up once, not per period). */
interface Entry {
  readonly oin: string;
  readonly count: number;
  readonly w: Float64Array;
}

/** Entries of each month of the horizon with a non-zero series, built once per result and series. */
const rowsCache = new WeakMap<ForecastResult, Map<SeriesKey, Entry[][]>>();

function rowsByMonth(r: ForecastResult, series: SeriesKey): Entry[][] {
  let bySeries = rowsCache.get(r);
  if (!bySeries) rowsCache.set(r, (bySeries = new Map()));
  let out = bySeries.get(series);
  if (!out) {
    const months: Entry[][] = r.horizon.months.map(() => []);
    for (const row of r.forecast.rows) {
      const mi = r.spreader.monthIndex(row.month);
      if (mi === undefined || row.counts[series] === 0) continue;
      const w = r.spreader.weights(r.spreader.resolver.shape(row.oin, PROFILE_OF[series]), mi);
      if (w) months[mi]!.push({ oin: row.oin, count: row.counts[series], w });
    }
    bySeries.set(series, (out = months));
  }
  return out;
}

/**
 * Each afnemer's amount of a series first offered in [t0, t1) (fractional minutes of the horizon),
 * from its own profile: its hourly share, even within the hour.
 */
function offeredBetween(r: ForecastResult, series: SeriesKey, t0: number, t1: number): Map<string, number> {
  const h = r.horizon;
  const amounts = new Map<string, number>();
  if (!(t1 > t0)) return amounts;
  const hour0 = Math.max(0, Math.floor(t0 / MINUTES_PER_HOUR));
  const hour1 = Math.min(h.hours, Math.ceil(t1 / MINUTES_PER_HOUR));
  if (hour1 <= hour0) return amounts;
  const m0 = h.dayMonth[h.hourDay[hour0]!]!;
  const m1 = h.dayMonth[h.hourDay[hour1 - 1]!]!;
  const byMonth = rowsByMonth(r, series);
  for (let mi = m0; mi <= m1; mi++) {
    const a = Math.max(hour0, h.monthHourStart[mi]!);
    const b = Math.min(hour1, h.monthHourStart[mi + 1]!);
    const base = h.monthHourStart[mi]!;
    // The hours' overlap with [t0, t1) once per month, then one dot product per afnemer.
    const overlap = new Float64Array(b - a);
    for (let hr = a; hr < b; hr++)
      overlap[hr - a] =
        (Math.min(t1, (hr + 1) * MINUTES_PER_HOUR) - Math.max(t0, hr * MINUTES_PER_HOUR)) / MINUTES_PER_HOUR;
    // Afnemers of one profile share its weights: one dot product per profile, not per afnemer.
    const dots = new Map<Float64Array, number>();
    for (const e of byMonth[mi]!) {
      let x = dots.get(e.w);
      if (x === undefined) {
        x = 0;
        for (let hr = a; hr < b; hr++) x += e.w[hr - base]! * overlap[hr - a]!;
        dots.set(e.w, x);
      }
      if (x > 0) amounts.set(e.oin, (amounts.get(e.oin) ?? 0) + x * e.count);
    }
  }
  return amounts;
}

const namesCache = new WeakMap<ForecastResult, Map<string, string>>();
function namesOf(r: ForecastResult): Map<string, string> {
  let m = namesCache.get(r);
  if (!m) namesCache.set(r, (m = new Map(r.forecast.afnemers.map((f) => [f.oin, f.naam]))));
  return m;
}

/** The afnemers behind a norm's load in minutes [from, to) of the horizon, largest first (top n, shares of all). */
export function attributeLoad(
  r: ForecastResult,
  series: SeriesKey,
  path: LoadPath,
  from: number,
  to: number,
  top = 5,
): Contributor[] {
  let t0 = from;
  let t1 = to;
  if (path === 'notification-queue') {
    // Notification index range entering the queue in the window → when their letters were first offered.
    const c = r.curves;
    const k0 = c.notifIn[from]!;
    const k1 = c.notifIn[to]!;
    if (!(k1 > k0)) return [];
    t0 = reachTime(c.notifying, k0);
    t1 = reachTime(c.notifying, k1);
    if (!Number.isFinite(t1)) t1 = r.horizon.minutes;
  }
  const amounts = offeredBetween(r, series, t0, t1);
  const naam = namesOf(r);
  // The top n by one pass (a full sort of 4,000 afnemers per period cost most of the time).
  let total = 0;
  const best: [string, number][] = [];
  const before = (x: [string, number], y: [string, number]): boolean => x[1] > y[1] || (x[1] === y[1] && x[0] < y[0]);
  for (const e of amounts) {
    total += e[1];
    if (best.length === top && !before(e, best[best.length - 1]!)) continue;
    let i = best.length;
    while (i > 0 && before(e, best[i - 1]!)) i--;
    best.splice(i, 0, e);
    if (best.length > top) best.pop();
  }
  return best.map(([oin, amount]) => ({
    oin,
    naam: naam.get(oin) ?? oin,
    amount,
    sharePct: total > 0 ? (amount / total) * 100 : 0,
  }));
}
