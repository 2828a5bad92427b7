import { HOUR } from '../clock/index.ts';
import { attributeLoad, type Contributor, type LoadPath } from './attribute-load.ts';
import type { OverPeriod } from './check-row.ts';
import type { SeriesKey } from './forecast-types.ts';
import type { ForecastResult } from './run-forecast.ts';

export type { Contributor } from './attribute-load.ts';

/** Which series a norm's load is made of, per afnemer, and how it reaches the norm's window. */
const LOAD_OF: Readonly<Record<string, { readonly series: SeriesKey; readonly path: LoadPath }>> = {
  'berichtenbox.parked-per-second': { series: 'messages', path: 'offered' },
  'berichtenbox.messages-per-hour': { series: 'messages', path: 'offered' },
  'berichtenbox.messages-per-day': { series: 'messages', path: 'offered' },
  'berichtenbox.max-processing-time': { series: 'messages', path: 'offered' },
  'notificaties.per-hour': { series: 'notifications', path: 'notification-queue' },
  'notificaties.per-day': { series: 'notifications', path: 'notification-queue' },
  'digid.authentications-per-minute': { series: 'digid', path: 'offered' },
  'machtigen.transactions-per-minute': { series: 'machtigen', path: 'offered' },
  'validatieservice.queries-per-hour': { series: 'validation', path: 'offered' },
  'abonnementservice.night-alles': { series: 'subsAlles', path: 'offered' },
  'abonnementservice.night-bsn-lijst': { series: 'subsBsnLijst', path: 'offered' },
  'abonnementservice.night-mutatiebasis': { series: 'subsMutatiebasis', path: 'offered' },
};

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
 * Notifications are attributed to the afnemers whose letters they are, whenever those letters were
 * first offered (a refused-and-redelivered backlog is its sender's, not the hour's).
 */
export function peakContributors(r: ForecastResult, top = 5): readonly PeakContributors[] {
  // forecast.json and report.html both ask; computed once per result (~30-60 ms for 4,000 afnemers).
  let byTop = contributorsCache.get(r);
  if (!byTop) contributorsCache.set(r, (byTop = new Map()));
  const hit = byTop.get(top);
  if (hit) return hit;
  const h = r.horizon;
  const out: PeakContributors[] = [];
  for (const check of r.checks.rows) {
    const load = LOAD_OF[check.normId];
    if (
      !load ||
      check.window === 'night' ||
      check.window === 'per item' ||
      check.peakAt === undefined ||
      check.peak <= 0
    )
      continue;
    const hour = Math.floor((check.peakAt - h.start) / HOUR);
    const day = h.hourDay[hour]!;
    const [a, b] = check.window === 'day' ? [h.dayHourStart[day]!, h.dayHourStart[day + 1]!] : [hour, hour + 1];
    const contributors = attributeLoad(r, load.series, load.path, a * 60, b * 60, top);
    out.push({
      normId: check.normId,
      series: load.series,
      from: h.start + a * HOUR,
      to: h.start + b * HOUR,
      contributors,
    });
  }
  byTop.set(top, out);
  return out;
}

const contributorsCache = new WeakMap<ForecastResult, Map<number, readonly PeakContributors[]>>();

/** A period over a norm with the afnemers in it. */
export interface BreachPeriod extends OverPeriod {
  readonly normId: string;
  readonly limit: number;
  readonly unit: string;
  /** How far the peak is over the limit, % of the limit. */
  readonly overPct: number;
  readonly who: readonly Contributor[];
}

const periodsCache = new WeakMap<ForecastResult, BreachPeriod[]>();

/**
 * Every period over every breached norm, in time order per norm, with who is in it: the afnemers of
 * the load the norm counted there (for a delay norm, of the items that waited too long).
 */
export function breachPeriods(r: ForecastResult, top = 3): BreachPeriod[] {
  const hit = periodsCache.get(r);
  if (hit) return hit;
  const out: BreachPeriod[] = [];
  for (const check of r.checks.rows) {
    for (const p of check.periods) {
      let who: Contributor[] = [];
      const load = LOAD_OF[check.normId];
      const series = (p.series as SeriesKey | undefined) ?? load?.series;
      if (series) who = attributeLoad(r, series, load?.path ?? 'offered', p.loadFrom, p.loadTo, top);
      out.push({
        ...p,
        normId: check.normId,
        limit: check.limit,
        unit: check.unit,
        overPct: check.limit > 0 ? ((p.peak - check.limit) / check.limit) * 100 : Number.POSITIVE_INFINITY,
        who,
      });
    }
  }
  periodsCache.set(r, out);
  return out;
}
