import { HOUR } from '../clock/index.ts';
import type { SeriesKey } from './forecast-types.ts';
import type { ForecastResult } from './run-forecast.ts';

/** Which series a rate norm's load is made of, per afnemer (notifications by their letters' offering). */
const SERIES_OF: Readonly<Record<string, SeriesKey>> = {
  'berichtenbox.parked-per-second': 'messages',
  'berichtenbox.messages-per-hour': 'messages',
  'berichtenbox.messages-per-day': 'messages',
  'notificaties.per-hour': 'notifications',
  'notificaties.per-day': 'notifications',
  'digid.authentications-per-minute': 'digid',
  'machtigen.transactions-per-minute': 'machtigen',
  'validatieservice.queries-per-hour': 'validation',
};

export interface Contributor {
  readonly oin: string;
  readonly naam: string;
  /** Its amount in the hours of the peak window (its own spread, before rounding). */
  readonly amount: number;
  readonly sharePct: number;
}

export interface PeakContributors {
  readonly normId: string;
  readonly series: SeriesKey;
  /** The clock hours looked at: the peak window's hour, or its day's hours. */
  readonly from: number;
  readonly to: number;
  readonly contributors: readonly Contributor[];
}

/**
 * The afnemers behind each rate norm's busiest window, largest first: per-afnemer detail computed
 * only for these few windows, from each afnemer's own profile (the simulation itself works on sums).
 */
export function peakContributors(r: ForecastResult, top = 5): PeakContributors[] {
  const h = r.horizon;
  const out: PeakContributors[] = [];
  const naam = new Map(r.forecast.afnemers.map((f) => [f.oin, f.naam]));
  for (const check of r.checks.rows) {
    const series = SERIES_OF[check.normId];
    if (!series || check.peakAt === undefined || check.peak <= 0) continue;
    const hour = Math.floor((check.peakAt - h.start) / HOUR);
    const day = h.hourDay[hour]!;
    const [a, b] = check.window === 'day' ? [h.dayHourStart[day]!, h.dayHourStart[day + 1]!] : [hour, hour + 1];
    const month = h.months[h.dayMonth[day]!]!;
    const amounts = new Map<string, number>();
    for (const row of r.forecast.rows) {
      if (row.month !== month || row.counts[series] === 0) continue;
      let x = 0;
      for (let i = a; i < b; i++) x += r.spreader.afnemerHourAmount(row, series, i);
      if (x > 0) amounts.set(row.oin, (amounts.get(row.oin) ?? 0) + x);
    }
    const total = [...amounts.values()].reduce((s, x) => s + x, 0);
    const contributors = [...amounts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, top)
      .map(([oin, amount]) => ({ oin, naam: naam.get(oin) ?? oin, amount, sharePct: total > 0 ? (amount / total) * 100 : 0 }));
    out.push({ normId: check.normId, series, from: h.start + a * HOUR, to: h.start + b * HOUR, contributors });
  }
  return out;
}
