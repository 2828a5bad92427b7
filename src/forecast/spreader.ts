import {
  PROFILE_OF,
  SERIES,
  columnOf,
  countsInSeriesOrder,
  type Forecast,
  type ForecastRow,
  type SeriesKey,
} from './forecast-types.ts';
import type { Horizon } from './horizon.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import { IssueList } from './input-error.ts';
import { inPeriod, type LoadShape } from './load-shape.ts';
import type { ShapeResolver } from './profile-set.ts';
import { FORECAST_COLUMNS } from './forecast-columns.ts';

export type MinuteSeries = Readonly<Record<SeriesKey, Float64Array>>;

/**
 * Spreads monthly totals over the minutes of the horizon (see LoadShape for the rule). Afnemers
 * with the same shape are summed per month first and spread once (the sum of equal shapes is the
 * shape of the sum), so the cost grows with the number of distinct shapes, not of afnemers.
 * Minute counts are whole numbers: each month's total is rounded cumulatively over its minutes,
 * so every month keeps its exact total. Deterministic.
 */
export class Spreader {
  /**
   * Hourly shares and their largest value per shape id, indexed by month (undefined: not computed
   * yet). Arrays by month rather than a Map keyed `${shape.id}#${month}`: that key was built and
   * hashed once per row in attribution and duties, ~0.1 s for 18 months × 4,000 afnemers.
   */
  readonly #weights = new Map<string, (Float64Array | null | undefined)[]>();
  readonly #maxWeight = new Map<string, Float64Array>();
  readonly #monthIndex: ReadonlyMap<string, number>;

  constructor(
    readonly horizon: Horizon,
    readonly resolver: ShapeResolver,
  ) {
    this.#monthIndex = new Map(horizon.months.map((m, i) => [m, i]));
  }

  monthIndex(month: string): number | undefined {
    return this.#monthIndex.get(month);
  }

  /** Each hour's share of the month (summing to 1), or null when the shape gives the month no weight. */
  weights(shape: LoadShape, month: number): Float64Array | null {
    let byMonth = this.#weights.get(shape.id);
    if (!byMonth) this.#weights.set(shape.id, (byMonth = []));
    const hit = byMonth[month];
    if (hit !== undefined) return hit;
    const out = this.#computeWeights(shape, month);
    byMonth[month] = out;
    return out;
  }

  #computeWeights(shape: LoadShape, month: number): Float64Array | null {
    const h = this.horizon;
    const h0 = h.monthHourStart[month]!;
    const h1 = h.monthHourStart[month + 1]!;
    const w = new Float64Array(h1 - h0);
    let total = 0;
    for (let d = h.hourDay[h0]!; d < h.days && h.dayHourStart[d]! < h1; d++) {
      const md = h.dayMonthDay[d]!;
      const period = shape.periods.find((p) => inPeriod(p, md));
      const dayWeight = (shape.weekly[h.dayWeekday[d]! - 1] ?? 0) * (period?.factor ?? 1);
      if (dayWeight === 0) continue;
      const hourly = period?.hourly ?? shape.hourly;
      const a = h.dayHourStart[d]!;
      const b = h.dayHourStart[d + 1]!;
      let daySum = 0;
      for (let x = a; x < b; x++) daySum += hourly[h.hourOfDay[x]!] ?? 0;
      if (daySum === 0) continue;
      for (let x = a; x < b; x++) {
        const v = (dayWeight * (hourly[h.hourOfDay[x]!] ?? 0)) / daySum;
        w[x - h0] = v;
        total += v;
      }
    }
    if (!(total > 0)) return null;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! / total;
    return w;
  }

  /** The largest hourly share of the month (for per-afnemer peaks without spreading each afnemer). */
  maxWeight(shape: LoadShape, month: number): number {
    let byMonth = this.#maxWeight.get(shape.id);
    if (!byMonth) this.#maxWeight.set(shape.id, (byMonth = new Float64Array(this.horizon.months.length).fill(-1)));
    let m = byMonth[month]!;
    if (m < 0) {
      const w = this.weights(shape, month);
      m = 0;
      if (w) for (let i = 0; i < w.length; i++) if (w[i]! > m) m = w[i]!;
      byMonth[month] = m;
    }
    return m;
  }

  /** All afnemers of the forecast per minute, one Float64Array per series. */
  spread(forecast: Forecast): MinuteSeries {
    const h = this.horizon;
    const months = h.months.length;
    interface Group {
      readonly shape: LoadShape;
      readonly series: SeriesKey;
      readonly totals: Float64Array;
    }
    const groups = new Map<string, Group>();
    // Each afnemer's group per series, looked up once per afnemer rather than once per row.
    const byAfnemer = new Map<string, Group[]>();
    const counts = new Float64Array(SERIES.length);
    for (let r = 0; r < forecast.rows.length; r++) {
      const row = forecast.rows[r]!;
      const mi = this.#monthIndex.get(row.month);
      if (mi === undefined) continue; // actuals outside the horizon are reported by the comparison
      let mine = byAfnemer.get(row.oin);
      if (!mine) {
        mine = SERIES.map((s) => {
          const shape = this.resolver.shape(row.oin, PROFILE_OF[s]);
          const key = `${s}|${shape.id}`;
          let g = groups.get(key);
          if (!g) groups.set(key, (g = { shape, series: s, totals: new Float64Array(months) }));
          return g;
        });
        byAfnemer.set(row.oin, mine);
      }
      countsInSeriesOrder(row.counts, counts);
      for (let i = 0; i < SERIES.length; i++) {
        const v = counts[i]!;
        if (v === 0) continue;
        const totals = mine[i]!.totals;
        totals[mi] = totals[mi]! + v;
      }
    }
    const out = Object.fromEntries(SERIES.map((s) => [s, new Float64Array(h.minutes)])) as Record<
      SeriesKey,
      Float64Array
    >;
    const issues = new IssueList();
    for (const g of groups.values()) {
      for (let mi = 0; mi < months; mi++) {
        const total = g.totals[mi]!;
        if (total === 0) continue;
        const w = this.weights(g.shape, mi);
        if (!w) {
          // Name the first row that put load into the month the shape leaves empty.
          const row = forecast.rows.find(
            (r) =>
              r.month === h.months[mi] &&
              r.counts[g.series] > 0 &&
              this.resolver.shape(r.oin, PROFILE_OF[g.series]).id === g.shape.id,
          )!;
          const column = FORECAST_COLUMNS.find((c) => c.series === g.series)!.name;
          issues.add(
            forecast.file,
            row.line,
            columnOf(forecast, row, g.series),
            `column '${column}': ${row.counts[g.series]} in ${row.month}, but profile '${g.shape.id}' gives no hour of ${row.month} any weight (every day has weight 0); assign a profile that covers the month`,
          );
          continue;
        }
        spreadMonth(out[g.series], w, h.monthHourStart[mi]!, total);
      }
    }
    issues.throwIfAny();
    return out;
  }

  /** An afnemer's amount of a series in one hour (its own share, before rounding). */
  afnemerHourAmount(row: ForecastRow, series: SeriesKey, hour: number): number {
    const mi = this.#monthIndex.get(row.month);
    if (mi === undefined || row.counts[series] === 0) return 0;
    const w = this.weights(this.resolver.shape(row.oin, PROFILE_OF[series]), mi);
    return w ? row.counts[series] * (w[hour - this.horizon.monthHourStart[mi]!] ?? 0) : 0;
  }

  /** An afnemer's busiest minute of a series over the horizon, in its own spread (before rounding). */
  afnemerPeakPerMinute(rows: readonly ForecastRow[], series: SeriesKey): number {
    let peak = 0;
    for (const row of rows) {
      const mi = this.#monthIndex.get(row.month);
      if (mi === undefined || row.counts[series] === 0) continue;
      const v =
        (row.counts[series] * this.maxWeight(this.resolver.shape(row.oin, PROFILE_OF[series]), mi)) / MINUTES_PER_HOUR;
      if (v > peak) peak = v;
    }
    return peak;
  }
}

/** Adds `total` spread by hourly shares `w` (from hour h0) to `out`, evenly per minute, rounded cumulatively. */
function spreadMonth(out: Float64Array, w: Float64Array, h0: number, total: number): void {
  let cum = 0;
  let prev = 0;
  let lastMinute = -1;
  for (let k = 0; k < w.length; k++) {
    const perMinute = (total * w[k]!) / MINUTES_PER_HOUR;
    if (perMinute === 0) continue;
    const base = (h0 + k) * MINUTES_PER_HOUR;
    for (let j = 0; j < MINUTES_PER_HOUR; j++) {
      cum += perMinute;
      const r = Math.round(cum);
      out[base + j] = out[base + j]! + (r - prev);
      prev = r;
    }
    lastMinute = base + MINUTES_PER_HOUR - 1;
  }
  // Floating-point sums can end a hair off the total: the last minutes take the difference
  // (never below zero).
  let diff = total - prev;
  for (let m = lastMinute; diff !== 0 && m >= 0; m--) {
    const take = Math.max(diff, -out[m]!);
    out[m] = out[m]! + take;
    diff -= take;
  }
}
