import { performance } from 'node:perf_hooks';
import { MINUTE } from '../clock/index.ts';
import { FORECAST_HORIZON_QUARTERS } from '../norms/index.ts';
import { checkNorms, type Checks } from './check-norms.ts';
import { compareActuals, type ActualsComparison } from './compare-actuals.ts';
import { digidDuties, type DutyRow } from './digid-duties.ts';
import type { Forecast } from './forecast-types.ts';
import { buildHorizon, MINUTES_PER_HOUR, type Horizon } from './horizon.ts';
import { HOUR_NORMS, hourlyTable, type HourlyTable } from './hourly-table.ts';
import { ForecastInputError } from './input-error.ts';
import { NO_PROFILES, ShapeResolver, type ProfileSet } from './profile-set.ts';
import { NORM_LIMITS, type QueueLimits } from './queue-limits.ts';
import { simulateQueues, type QueueCurves } from './simulate-queues.ts';
import { Spreader, type MinuteSeries } from './spreader.ts';
import { localTime } from './format.ts';
import { traceMinute, type LetterTrace } from './trace-letters.ts';

const MONTHS_PER_QUARTER = 3;

export interface ForecastOptions {
  readonly forecast: Forecast;
  readonly profiles?: ProfileSet;
  readonly actuals?: Forecast;
  /** Capacities for "what if"; default the norms. */
  readonly limits?: QueueLimits;
  /** Instants to trace letters from (their minute), besides the ones chosen automatically. */
  readonly traceAt?: readonly number[];
  /** How many worst hours to list. Default 10. */
  readonly top?: number;
  /** Said before the forecast's own warnings (e.g. how a --trace time was read). */
  readonly notes?: readonly string[];
}

export interface WorstHour {
  readonly hour: number;
  readonly start: number;
  readonly utilisationPct: number;
  readonly normId: string;
}

export interface ForecastResult {
  readonly forecast: Forecast;
  readonly horizon: Horizon;
  readonly spreader: Spreader;
  readonly series: MinuteSeries;
  readonly curves: QueueCurves;
  readonly checks: Checks;
  readonly hourly: HourlyTable;
  readonly worstHours: readonly WorstHour[];
  /** The hour with the highest utilisation (the peak a scenario is emitted from). */
  readonly peakHour: number;
  readonly traces: readonly LetterTrace[];
  readonly duties: readonly DutyRow[];
  readonly actualDuties?: readonly DutyRow[];
  readonly actuals?: ActualsComparison;
  readonly warnings: readonly string[];
  /** A norm is breached (a check fails or a month deviates more than allowed). */
  readonly breached: boolean;
  /** Wall ms per step. */
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * The indices of the n largest values, largest first, ties by index: the first n of a full sort by
 * (value descending, index), found in one pass with a short sorted list instead of sorting all
 * 13,000 hours of 18 months.
 */
function mostUtilised(u: Float64Array, n: number): number[] {
  if (n * 8 >= u.length) return Array.from(u.keys()).sort((a, b) => u[b]! - u[a]! || a - b);
  const best: number[] = [];
  for (let i = 0; i < u.length; i++) {
    const v = u[i]!;
    // Equal values keep index order: a later index never goes before an equal earlier one.
    if (best.length === n && !(v > u[best[n - 1]!]!)) continue;
    let k = best.length;
    while (k > 0 && v > u[best[k - 1]!]!) k--;
    best.splice(k, 0, i);
    if (best.length > n) best.pop();
  }
  return best;
}

/** The whole forecast pipeline: spread, simulate, check, trace, compare. Pure computation, no I/O. */
export function runForecast(opts: ForecastOptions): ForecastResult {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = t - t0;
    t0 = t;
  };
  const { forecast } = opts;
  const resolver = new ShapeResolver(opts.profiles ?? NO_PROFILES);
  resolver.checkAgainst(forecast);
  const horizon = buildHorizon(forecast.months);
  lap('horizon');
  const spreader = new Spreader(horizon, resolver);
  const series = spreader.spread(forecast);
  lap('spread');
  const curves = simulateQueues(horizon, series, opts.limits ?? NORM_LIMITS);
  lap('simulate');
  const checks = checkNorms({ horizon, forecast, series, curves });
  lap('check');
  const hourly = hourlyTable(horizon, series, curves, checks.processing);
  const top = opts.top ?? 10;
  const order = mostUtilised(hourly.utilisation, Math.max(1, Math.ceil(top)));
  const worstHours = order
    .slice(0, top)
    .filter((i) => hourly.utilisation[i]! > 0)
    .map((i) => ({
      hour: i,
      start: horizon.start + i * MINUTES_PER_HOUR * MINUTE,
      utilisationPct: hourly.utilisation[i]! * 100,
      normId: HOUR_NORMS[hourly.worstNorm[i]!]!.id,
    }));
  const peakHour = order[0] ?? 0;
  lap('hourly');

  // Traces: the first letters of the busiest delivery hour, the letters that waited longest, and any asked for.
  const traceMinutes = new Set<number>();
  let busiest = -1;
  for (let i = 0; i < horizon.hours; i++)
    if (hourly.offered[i]! > 0 && (busiest < 0 || hourly.offered[i]! > hourly.offered[busiest]!)) busiest = i;
  if (busiest >= 0) {
    for (let m = busiest * MINUTES_PER_HOUR; m < (busiest + 1) * MINUTES_PER_HOUR; m++) {
      if (curves.offered[m + 1]! > curves.offered[m]!) {
        traceMinutes.add(m);
        break;
      }
    }
  }
  if (checks.processing.maxDelayArrivalMinute >= 0 && checks.processing.maxDelay > 1)
    traceMinutes.add(checks.processing.maxDelayArrivalMinute);
  const warnings: string[] = [...(opts.notes ?? [])];
  for (const t of opts.traceAt ?? []) {
    const m = Math.floor((t - horizon.start) / MINUTE);
    if (m < 0 || m >= horizon.minutes) {
      throw new ForecastInputError([
        {
          file: '--trace',
          line: 0,
          column: 0,
          message: `${localTime(t)} (Europe/Amsterdam) is outside the horizon, ${localTime(horizon.start)} to ${localTime(horizon.end)} (${forecast.months[0]} to ${forecast.months[forecast.months.length - 1]})`,
        },
      ]);
    }
    traceMinutes.add(m);
  }
  const traces = [...traceMinutes].sort((a, b) => a - b).map((m) => traceMinute(horizon, curves, m));
  lap('trace');

  const duties = digidDuties(forecast, spreader);
  let actuals: ActualsComparison | undefined;
  let actualDuties: DutyRow[] | undefined;
  if (opts.actuals) {
    actuals = compareActuals(forecast, opts.actuals);
    actualDuties = digidDuties(opts.actuals, spreader);
  }
  lap('actuals');

  const quarters = forecast.months.length / MONTHS_PER_QUARTER;
  if (quarters < FORECAST_HORIZON_QUARTERS.limit) {
    warnings.push(
      `the forecast covers ${forecast.months.length} months (${quarters.toFixed(1)} quarters); the SNO asks for a rolling forecast of ${FORECAST_HORIZON_QUARTERS.limit} quarters (${FORECAST_HORIZON_QUARTERS.id})`,
    );
  }
  if (checks.processing.openAtEnd > 0)
    warnings.push(
      `${Math.round(checks.processing.openAtEnd)} letters are still waiting in intake or parking at the end of the horizon`,
    );
  const notifOpen = curves.notifying[horizon.minutes]! - curves.notified[horizon.minutes]!;
  if (notifOpen > 0.5) warnings.push(`${Math.round(notifOpen)} notifications are not sent by the end of the horizon`);
  const breached =
    checks.rows.some((r) => r.status === 'fail') || (actuals?.rows.some((r) => r.status === 'fail') ?? false);
  return {
    forecast,
    horizon,
    spreader,
    series,
    curves,
    checks,
    hourly,
    worstHours,
    peakHour,
    traces,
    duties,
    ...(actualDuties ? { actualDuties } : {}),
    ...(actuals ? { actuals } : {}),
    warnings,
    breached,
    timings,
  };
}
