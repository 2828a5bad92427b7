import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_HOUR,
  VALIDATION_QUERIES_PER_HOUR,
} from '../norms/index.ts';
import type { Horizon } from './horizon.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import type { FifoDelays } from './fifo-curves.ts';
import { SECONDS_PER_MINUTE } from './queue-limits.ts';
import { SUBSCRIPTION_SERIES, type QueueCurves } from './simulate-queues.ts';
import type { MinuteSeries } from './spreader.ts';

/** The norms an hour is judged by in the hourly table, heat map and worst hours (hour or finer windows). */
export const HOUR_NORMS = [
  MESSAGES_PER_HOUR,
  MESSAGES_PARKED_PER_SECOND,
  NOTIFICATIONS_PER_HOUR,
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  VALIDATION_QUERIES_PER_HOUR,
] as const;

/** Per clock hour of the horizon: loads, busiest minutes, backlogs at the hour's end, utilisation. */
export interface HourlyTable {
  readonly offered: Float64Array;
  readonly offeredPeakMinute: Float64Array;
  readonly refused: Float64Array;
  readonly admitted: Float64Array;
  readonly admittedPeakMinute: Float64Array;
  readonly parked: Float64Array;
  readonly notifIn: Float64Array;
  readonly notified: Float64Array;
  readonly digid: Float64Array;
  readonly digidPeakMinute: Float64Array;
  readonly machtigen: Float64Array;
  readonly machtigenPeakMinute: Float64Array;
  readonly validation: Float64Array;
  readonly subscriptions: Float64Array;
  readonly intakeBacklog: Float64Array;
  readonly parkingBacklog: Float64Array;
  readonly notificationBacklog: Float64Array;
  readonly subscriptionBacklog: Float64Array;
  /** Longest first offering → processed of letters offered in the hour, minutes. */
  readonly processingDelayMax: Float32Array;
  /** Load / limit of the hour's most loaded norm among HOUR_NORMS (1 = at the norm). */
  readonly utilisation: Float64Array;
  /** Index into HOUR_NORMS of that norm. */
  readonly worstNorm: Uint8Array;
}

export function hourlyTable(h: Horizon, series: MinuteSeries, c: QueueCurves, processing: FifoDelays): HourlyTable {
  const H = h.hours;
  const arr = (): Float64Array => new Float64Array(H);
  const t = {
    offered: arr(),
    offeredPeakMinute: arr(),
    refused: arr(),
    admitted: arr(),
    admittedPeakMinute: arr(),
    parked: arr(),
    notifIn: arr(),
    notified: arr(),
    digid: arr(),
    digidPeakMinute: arr(),
    machtigen: arr(),
    machtigenPeakMinute: arr(),
    validation: arr(),
    subscriptions: arr(),
    intakeBacklog: arr(),
    parkingBacklog: arr(),
    notificationBacklog: arr(),
    subscriptionBacklog: arr(),
    processingDelayMax: processing.maxDelayByHour,
    utilisation: arr(),
    worstNorm: new Uint8Array(H),
  };
  const limits = HOUR_NORMS.map((n) => n.limit);
  // One scratch array for every hour's loads rather than an array per hour (13,000 over 18 months).
  const loads = new Float64Array(HOUR_NORMS.length);
  const { offered, refused, admitted, parked, notifIn, notified } = c;
  const arrived = SUBSCRIPTION_SERIES.map((k) => c.subsArrived[k]);
  const served = SUBSCRIPTION_SERIES.map((k) => c.subsServed[k]);
  const { digid, machtigen, validation, messages } = series;
  // Index loops without a closure or iterator per hour: this runs once per forecast, much of it
  // before the optimiser takes over, where each closure, iterator and boxed number is garbage.
  for (let hour = 0; hour < H; hour++) {
    const a = hour * MINUTES_PER_HOUR;
    const b = a + MINUTES_PER_HOUR;
    t.offered[hour] = offered[b]! - offered[a]!;
    t.refused[hour] = refused[b]! - refused[a]!;
    t.admitted[hour] = admitted[b]! - admitted[a]!;
    t.parked[hour] = parked[b]! - parked[a]!;
    t.notifIn[hour] = notifIn[b]! - notifIn[a]!;
    t.notified[hour] = notified[b]! - notified[a]!;
    let dg = 0,
      dgMax = 0,
      mt = 0,
      mtMax = 0,
      val = 0,
      admMax = 0,
      offMax = 0,
      subs = 0;
    for (let m = a; m < b; m++) {
      const x = digid[m]!;
      dg += x;
      if (x > dgMax) dgMax = x;
      const y = machtigen[m]!;
      mt += y;
      if (y > mtMax) mtMax = y;
      val += validation[m]!;
      const adm = admitted[m + 1]! - admitted[m]!;
      if (adm > admMax) admMax = adm;
      const off = messages[m]!;
      if (off > offMax) offMax = off;
    }
    let subsBacklog = 0;
    for (let k = 0; k < arrived.length; k++) {
      const arr = arrived[k]!;
      subs += arr[b]! - arr[a]!;
      subsBacklog += arr[b]! - served[k]![b]!;
    }
    t.digid[hour] = dg;
    t.digidPeakMinute[hour] = dgMax;
    t.machtigen[hour] = mt;
    t.machtigenPeakMinute[hour] = mtMax;
    t.validation[hour] = val;
    t.admittedPeakMinute[hour] = admMax;
    t.offeredPeakMinute[hour] = offMax;
    t.subscriptions[hour] = subs;
    t.intakeBacklog[hour] = offered[b]! - admitted[b]!;
    t.parkingBacklog[hour] = admitted[b]! - parked[b]!;
    t.notificationBacklog[hour] = notifIn[b]! - notified[b]!;
    t.subscriptionBacklog[hour] = subsBacklog;
    // Same order as HOUR_NORMS.
    loads[0] = t.offered[hour]!;
    loads[1] = offMax / SECONDS_PER_MINUTE;
    loads[2] = t.notifIn[hour]!;
    loads[3] = dgMax;
    loads[4] = mtMax;
    loads[5] = val;
    let worst = 0;
    let u = 0;
    for (let i = 0; i < loads.length; i++) {
      const r = loads[i]! / limits[i]!;
      if (r > u) {
        u = r;
        worst = i;
      }
    }
    t.utilisation[hour] = u;
    t.worstNorm[hour] = worst;
  }
  return t;
}
