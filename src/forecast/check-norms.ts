import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MAX_PROCESSING_TIME,
  MAX_SHARE_WITH_ATTACHMENT,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_DAY,
  NOTIFICATIONS_PER_HOUR,
  SUBSCRIPTION_LEAD_TIME,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  SUPPORTED_SUPPLIERS,
  VALIDATION_QUERIES_PER_HOUR,
  type Norm,
} from '../norms/index.ts';
import { MINUTE, SECOND } from '../clock/index.ts';
import type { Forecast } from './forecast-types.ts';
import type { Horizon } from './horizon.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import { citationText, headroomPct, type CheckRow, type OverPeriod } from './check-row.ts';
import { fifoDelays, type FifoDelays } from './fifo-curves.ts';
import { SECONDS_PER_MINUTE } from './queue-limits.ts';
import { SUBSCRIPTION_SERIES, type QueueCurves, type SubscriptionSeries } from './simulate-queues.ts';
import type { MinuteSeries } from './spreader.ts';

/** Counts per window from a cumulative curve and the windows' boundaries (minutes). */
function windowSums(cum: Float64Array, bounds: ArrayLike<number>): Float64Array {
  const out = new Float64Array(bounds.length - 1);
  for (let i = 0; i + 1 < bounds.length; i++) out[i] = cum[bounds[i + 1]!]! - cum[bounds[i]!]!;
  return out;
}

/**
 * Counts per clock hour straight from a per-minute series, without a cumulative curve of every
 * minute (6 MB over 18 months). Minute counts are whole numbers, so the sums are exact and equal
 * to the differences of a cumulative curve.
 */
function hourSums(perMinute: Float64Array, hours: number): Float64Array {
  const out = new Float64Array(hours);
  for (let hr = 0, m = 0; hr < hours; hr++) {
    let s = 0;
    for (const end = m + MINUTES_PER_HOUR; m < end; m++) s += perMinute[m]!;
    out[hr] = s;
  }
  return out;
}

/** A window of a rate norm in minutes of the horizon: shown [from, to), its load counted in [loadFrom, loadTo). */
interface Win {
  readonly from: number;
  readonly to: number;
  readonly loadFrom?: number;
  readonly loadTo?: number;
}

/** A run of consecutive windows over a limit (indices), with its busiest window. */
interface Run {
  readonly first: number;
  last: number;
  peak: number;
  peakAt: number;
}

interface OverScan {
  readonly peak: number;
  /** Index of the first window with the peak; -1 when every value is 0 or less. */
  readonly at: number;
  readonly over: number;
  readonly excess: number;
  readonly runs: readonly Run[];
}

/**
 * One pass over the windows: the peak, the windows over the limit and their runs. Always a
 * Float64Array, so the loop (787,620 minutes for the per-minute norms) stays monomorphic: fed plain
 * arrays too, it fell back to boxing every value, 28 MB of garbage per forecast.
 */
function scanOver(values: Float64Array, limit: number, scale: number): OverScan {
  let peak = 0;
  let at = -1;
  let over = 0;
  let excess = 0;
  const runs: Run[] = [];
  let run: Run | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * scale;
    if (v > peak) {
      peak = v;
      at = i;
    }
    if (v > limit) {
      over++;
      excess += v - limit;
      if (run !== undefined && run.last === i - 1) {
        run.last = i;
        if (v > run.peak) {
          run.peak = v;
          run.peakAt = i;
        }
      } else runs.push((run = { first: i, last: i, peak: v, peakAt: i }));
    }
  }
  return { peak, at, over, excess, runs };
}

function rateRow(
  h: Horizon,
  norm: Norm,
  unit: string,
  measured: string,
  values: Float64Array | readonly number[],
  win: (i: number) => Win,
  scale = 1,
): CheckRow {
  const { peak, at, over, excess, runs } = scanOver(
    values instanceof Float64Array ? values : Float64Array.from(values),
    norm.limit,
    scale,
  );
  const periods: OverPeriod[] = runs.map((run) => {
    const a = win(run.first);
    const b = win(run.last);
    return {
      from: h.start + a.from * MINUTE,
      to: h.start + b.to * MINUTE,
      loadFrom: a.loadFrom ?? a.from,
      loadTo: b.loadTo ?? b.to,
      windows: run.last - run.first + 1,
      peak: run.peak,
      peakAt: h.start + win(run.peakAt).from * MINUTE,
    };
  });
  return {
    normId: norm.id,
    title: norm.title,
    window: norm.window ?? '',
    limit: norm.limit,
    unit,
    measured,
    peak,
    ...(at >= 0 ? { peakAt: h.start + win(at).from * MINUTE } : {}),
    headroomPct: headroomPct(norm.limit, peak),
    windowsOver: over,
    windowsTotal: values.length,
    excess,
    status: over > 0 ? 'fail' : 'pass',
    citation: citationText(norm),
    periods,
  };
}

/**
 * The runs of arrival hours whose items waited longer than `limitMinutes` (their longest wait as
 * the peak, seconds), and the items still open at the end that have waited too long by then.
 */
function delayPeriods(h: Horizon, d: FifoDelays, limitMinutes: number, series?: string): OverPeriod[] {
  const out: OverPeriod[] = [];
  const by = d.maxDelayByHour;
  const toSeconds = MINUTE / SECOND;
  let i = 0;
  const push = (a: number, b: number, peak: number, peakHour: number): void => {
    out.push({
      from: h.start + a * MINUTE,
      to: h.start + b * MINUTE,
      loadFrom: a,
      loadTo: b,
      windows: Math.ceil((b - a) / MINUTES_PER_HOUR),
      peak: peak * toSeconds,
      peakAt: h.start + peakHour * MINUTE,
      ...(series ? { series } : {}),
    });
  };
  while (i < by.length) {
    if (!(by[i]! > limitMinutes)) {
      i++;
      continue;
    }
    let j = i;
    let peak = by[i]!;
    let peakAt = i;
    while (j + 1 < by.length && by[j + 1]! > limitMinutes) {
      j++;
      if (by[j]! > peak) {
        peak = by[j]!;
        peakAt = j;
      }
    }
    push(i * MINUTES_PER_HOUR, (j + 1) * MINUTES_PER_HOUR, peak, peakAt * MINUTES_PER_HOUR);
    i = j + 1;
  }
  // Still waiting at the end: arrivals from the oldest open one until limit before the end have waited too long already.
  if (d.openAtEnd > 0 && d.oldestOpenMinute >= 0 && h.minutes - d.oldestOpenMinute > limitMinutes) {
    const a = d.oldestOpenMinute;
    const b = Math.max(a + 1, Math.floor(h.minutes - limitMinutes));
    const last = out[out.length - 1];
    if (last && last.loadTo >= a)
      out[out.length - 1] = {
        ...last,
        to: h.start + Math.max(last.loadTo, b) * MINUTE,
        loadTo: Math.max(last.loadTo, b),
        peak: Math.max(last.peak, (h.minutes - a) * toSeconds),
      };
    else push(a, b, h.minutes - a, a);
  }
  return out;
}

function durationRow(
  norm: Norm,
  measured: string,
  d: FifoDelays,
  h: Horizon,
  what: string,
  periods: readonly OverPeriod[],
): CheckRow {
  // A backlog still open at the end already counts its wait so far.
  const openWait = d.openAtEnd > 0 ? h.minutes - d.oldestOpenMinute : 0;
  const worstMinutes = Math.max(d.maxDelay, openWait);
  const peak = (worstMinutes * MINUTE) / SECOND;
  const limitMinutes = (norm.limit * SECOND) / MINUTE;
  const breached = d.over > 0 || worstMinutes > limitMinutes;
  const atMinute = openWait > d.maxDelay ? d.oldestOpenMinute : d.maxDelayArrivalMinute;
  return {
    normId: norm.id,
    title: norm.title,
    window: 'per item',
    limit: norm.limit,
    unit: 's',
    measured,
    peak,
    ...(atMinute >= 0 ? { peakAt: h.start + atMinute * MINUTE } : {}),
    headroomPct: headroomPct(norm.limit, peak),
    windowsOver: Math.round(d.over),
    windowsTotal: 0,
    excess: d.over,
    status: breached ? 'fail' : 'pass',
    citation: `${citationText(norm)} (${what})`,
    periods: breached ? periods : [],
  };
}

export interface CheckInput {
  readonly horizon: Horizon;
  readonly forecast: Forecast;
  readonly series: MinuteSeries;
  readonly curves: QueueCurves;
}

export interface Checks {
  readonly rows: readonly CheckRow[];
  readonly processing: FifoDelays;
  readonly notification: FifoDelays;
  readonly subscriptions: Readonly<Record<SubscriptionSeries, FifoDelays>>;
}

/**
 * Every norm the forecast can be held against, each at its own resolution: per second (parking),
 * per minute (DigiD, Machtigen), per clock hour and calendar day (intake, notifications,
 * Validatieservice), per night (Abonnementservice quotas), per letter or request (24 h processing,
 * 4 h lead time), per month (share with attachment) and over the horizon (number of afnemers).
 */
export function checkNorms({ horizon: h, forecast, series, curves }: CheckInput): Checks {
  const rows: CheckRow[] = [];
  const M = h.minutes;
  const hourBounds = new Int32Array(h.hours + 1);
  for (let i = 0; i <= h.hours; i++) hourBounds[i] = i * MINUTES_PER_HOUR;
  const dayBounds = Int32Array.from(h.dayHourStart, (x) => x * MINUTES_PER_HOUR);
  const minuteWin = (i: number): Win => ({ from: i, to: i + 1 });
  const hourWin = (i: number): Win => ({ from: i * MINUTES_PER_HOUR, to: (i + 1) * MINUTES_PER_HOUR });
  const dayWin = (i: number): Win => ({ from: dayBounds[i]!, to: dayBounds[i + 1]! });

  // Parking is held against the forecast's own offering; the burst of redeliveries after a refusal
  // shows in the queue figures (parking backlog and delay) rather than as a second breach.
  rows.push(
    rateRow(
      h,
      MESSAGES_PARKED_PER_SECOND,
      'letters/s',
      'letters first offered per second (the forecast), evenly within each minute',
      series.messages,
      minuteWin,
      1 / SECONDS_PER_MINUTE,
    ),
  );
  rows.push(
    rateRow(
      h,
      DIGID_AUTHENTICATIONS_PER_MINUTE,
      'authentications/min',
      'DigiD authentications offered, all afnemers',
      series.digid,
      minuteWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      MACHTIGEN_TRANSACTIONS_PER_MINUTE,
      'transactions/min',
      'Machtigen transactions offered, all afnemers',
      series.machtigen,
      minuteWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      MESSAGES_PER_HOUR,
      'letters/hour',
      'letters first offered per clock hour (the forecast)',
      windowSums(curves.offered, hourBounds),
      hourWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      MESSAGES_PER_DAY,
      'letters/day',
      'letters first offered per calendar day (the forecast)',
      windowSums(curves.offered, dayBounds),
      dayWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      NOTIFICATIONS_PER_HOUR,
      'notifications/hour',
      'notifications entering the notification queue (their letters processed)',
      windowSums(curves.notifIn, hourBounds),
      hourWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      NOTIFICATIONS_PER_DAY,
      'notifications/day',
      'notifications entering the notification queue per calendar day',
      windowSums(curves.notifIn, dayBounds),
      dayWin,
    ),
  );
  rows.push(
    rateRow(
      h,
      VALIDATION_QUERIES_PER_HOUR,
      'queries/hour',
      'Validatieservice queries offered per clock hour, all afnemers',
      hourSums(series.validation, h.hours),
      hourWin,
    ),
  );

  // Night quotas: the requests a night has to take are those arriving since the previous night ended.
  const nightBounds = [0, ...h.nights.map((n) => n.end)];
  if (nightBounds[nightBounds.length - 1]! < M) nightBounds.push(M);
  const nightNorm: Record<SubscriptionSeries, Norm> = {
    subsAlles: SUBSCRIPTION_NIGHT_ALLES,
    subsBsnLijst: SUBSCRIPTION_NIGHT_BSN_LIJST,
    subsMutatiebasis: SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  };
  for (const kind of SUBSCRIPTION_SERIES) {
    const sums = windowSums(curves.subsArrived[kind], nightBounds);
    rows.push(
      rateRow(
        h,
        nightNorm[kind],
        'requests/night',
        'requests arriving since the previous night window ended (all to be taken this night)',
        sums,
        (i) => ({
          from: h.nights[i]?.start ?? nightBounds[i]!,
          to: h.nights[i]?.end ?? nightBounds[i + 1]!,
          loadFrom: nightBounds[i]!,
          loadTo: nightBounds[i + 1]!,
        }),
      ),
    );
  }

  const processing = fifoDelays(
    curves.offered,
    curves.parked,
    (MAX_PROCESSING_TIME.limit * SECOND) / MINUTE,
    curves.parkPerMinute,
  );
  const processingLimit = (MAX_PROCESSING_TIME.limit * SECOND) / MINUTE;
  rows.push(
    durationRow(
      MAX_PROCESSING_TIME,
      'first offering → processed (intake backlog, redelivery and parking)',
      processing,
      h,
      'from first offering',
      delayPeriods(h, processing, processingLimit),
    ),
  );
  const notification = fifoDelays(curves.notifIn, curves.notified, Number.POSITIVE_INFINITY, curves.notifyPerMinute);
  const leadMinutes = (SUBSCRIPTION_LEAD_TIME.limit * SECOND) / MINUTE;
  const subscriptions = {} as Record<SubscriptionSeries, FifoDelays>;
  for (const kind of SUBSCRIPTION_SERIES)
    subscriptions[kind] = fifoDelays(
      curves.subsArrived[kind],
      curves.subsServed[kind],
      leadMinutes,
      Number.POSITIVE_INFINITY,
    );
  // One lead-time row for the three kinds together: the worst of them.
  const worst = SUBSCRIPTION_SERIES.map((k) => subscriptions[k]).reduce((a, b) =>
    b.maxDelay > a.maxDelay || (b.openAtEnd > 0 && a.openAtEnd === 0) ? b : a,
  );
  const allOver = SUBSCRIPTION_SERIES.reduce((s, k) => s + subscriptions[k].over, 0);
  const leadPeriods = SUBSCRIPTION_SERIES.flatMap((k) => delayPeriods(h, subscriptions[k], leadMinutes, k)).sort(
    (a, b) => a.from - b.from || (a.series ?? '').localeCompare(b.series ?? ''),
  );
  rows.push(
    durationRow(
      SUBSCRIPTION_LEAD_TIME,
      "request → taken into processing in a night window (the answer's own processing time comes on top)",
      { ...worst, over: allOver },
      h,
      'waiting for the night and its quota',
      leadPeriods,
    ),
  );

  // Share with attachment per month, all afnemers together.
  const monthIndex = new Map(h.months.map((m, i) => [m, i]));
  const letters = new Float64Array(h.months.length);
  const withAttachment = new Float64Array(h.months.length);
  for (let k = 0; k < forecast.rows.length; k++) {
    const r = forecast.rows[k]!;
    const i = monthIndex.get(r.month);
    if (i === undefined) continue;
    letters[i] = letters[i]! + r.counts.messages;
    withAttachment[i] = withAttachment[i]! + (r.counts.messages * r.attachmentSharePct) / 100;
  }
  const shareByMonth = Array.from(letters, (l, i) => (l > 0 ? (withAttachment[i]! / l) * 100 : 0));
  rows.push(
    rateRow(
      h,
      MAX_SHARE_WITH_ATTACHMENT,
      '%',
      "share of the month's letters with an attachment, all afnemers",
      shareByMonth,
      (i) => ({ from: h.monthHourStart[i]! * MINUTES_PER_HOUR, to: h.monthHourStart[i + 1]! * MINUTES_PER_HOUR }),
    ),
  );
  const last = rows[rows.length - 1]!;
  rows[rows.length - 1] = { ...last, window: 'month' };

  const delivering = new Set<string>();
  for (let k = 0; k < forecast.rows.length; k++) {
    const r = forecast.rows[k]!;
    if (r.counts.messages > 0) delivering.add(r.oin);
  }
  const suppliers = delivering.size;
  rows.push(
    rateRow(h, SUPPORTED_SUPPLIERS, 'afnemers', 'afnemers delivering letters in the horizon', [suppliers], () => ({
      from: 0,
      to: M,
    })),
  );
  const { peakAt: _none, ...sup } = rows[rows.length - 1]!;
  rows[rows.length - 1] = { ...sup, window: 'horizon' };
  return { rows, processing, notification, subscriptions };
}
