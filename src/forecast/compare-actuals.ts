import { FORECAST_MAX_DEVIATION } from '../norms/index.ts';
import { FORECAST_COLUMNS } from './forecast-columns.ts';
import { SERIES, type Forecast, type SeriesKey } from './forecast-types.ts';

/** One figure of one afnemer in one month, forecast against actual. */
export interface DeviationRow {
  readonly month: string;
  readonly oin: string;
  readonly naam: string;
  readonly column: string;
  readonly series: SeriesKey;
  readonly forecast: number;
  readonly actual: number;
  /**
   * (actual − forecast) / forecast × 100, signed: positive when more happened than forecast, negative
   * when less. The forecast is the base (the SNO holds the forecast to within 10 % of what happened);
   * Infinity when nothing was forecast and something happened.
   */
  readonly deviationPct: number;
  readonly status: 'pass' | 'fail';
  /** Line of the actuals row. */
  readonly line: number;
}

export interface ActualsComparison {
  readonly file: string;
  readonly limitPct: number;
  /** Months present in both files. */
  readonly months: readonly string[];
  /** Every compared figure where forecast or actual is non-zero. */
  readonly rows: readonly DeviationRow[];
  /** Actuals that could not be compared, and forecast rows of compared months without actuals: listed, not dropped. */
  readonly unmatched: readonly UnmatchedRow[];
}

export interface UnmatchedRow {
  readonly file: string;
  readonly line: number;
  readonly month: string;
  readonly oin: string;
  /** Why it was not compared: a month outside the horizon, an afnemer the forecast lacks, a forecast row without actuals. */
  readonly kind: 'outside-horizon' | 'unknown-afnemer' | 'no-actuals';
  readonly reason: string;
}

/**
 * Actuals against the forecast per month, afnemer and figure, by the SNO's rule that a monthly
 * forecast may deviate at most 10 % (FORECAST_MAX_DEVIATION) from what happened.
 */
export function compareActuals(forecast: Forecast, actuals: Forecast): ActualsComparison {
  const limit = FORECAST_MAX_DEVIATION.limit;
  const fc = new Map(forecast.rows.map((r) => [`${r.month}/${r.oin}`, r]));
  const horizon = new Set(forecast.months);
  const rows: DeviationRow[] = [];
  const unmatched: UnmatchedRow[] = [];
  const columnOf = (s: SeriesKey): string => FORECAST_COLUMNS.find((c) => c.series === s)!.name;
  const months = new Set<string>();
  const seen = new Set<string>();
  for (const a of actuals.rows) {
    if (!horizon.has(a.month)) {
      unmatched.push({
        file: actuals.file,
        line: a.line,
        month: a.month,
        oin: a.oin,
        kind: 'outside-horizon',
        reason: `${a.month} is outside the forecast's horizon (${forecast.months[0]}..${forecast.months[forecast.months.length - 1]})`,
      });
      continue;
    }
    const f = fc.get(`${a.month}/${a.oin}`);
    if (!f) {
      unmatched.push({
        file: actuals.file,
        line: a.line,
        month: a.month,
        oin: a.oin,
        kind: 'unknown-afnemer',
        reason: `afnemer ${a.oin} (${a.naam}) is not in the forecast: everything it did is unforecast`,
      });
    }
    months.add(a.month);
    seen.add(`${a.month}/${a.oin}`);
    for (const s of SERIES) {
      const fv = f?.counts[s] ?? 0;
      const av = a.counts[s];
      if (fv === 0 && av === 0) continue;
      const dev = fv === 0 ? Number.POSITIVE_INFINITY : ((av - fv) / fv) * 100;
      rows.push({
        month: a.month,
        oin: a.oin,
        naam: a.naam,
        column: columnOf(s),
        series: s,
        forecast: fv,
        actual: av,
        deviationPct: dev,
        status: Math.abs(dev) > limit ? 'fail' : 'pass',
        line: a.line,
      });
    }
  }
  for (const f of forecast.rows) {
    if (months.has(f.month) && !seen.has(`${f.month}/${f.oin}`) && SERIES.some((s) => f.counts[s] > 0)) {
      unmatched.push({
        file: forecast.file,
        line: f.line,
        month: f.month,
        oin: f.oin,
        kind: 'no-actuals',
        reason: `no actuals for ${f.oin} (${f.naam}) in ${f.month} although other afnemers have them: not compared`,
      });
    }
  }
  return { file: actuals.file, limitPct: limit, months: [...months].sort(), rows, unmatched };
}
