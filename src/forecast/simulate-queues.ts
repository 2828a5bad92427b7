import type { Horizon } from './horizon.ts';
import { MINUTES_PER_HOUR } from './horizon.ts';
import { cumulative } from './fifo-curves.ts';
import { SECONDS_PER_MINUTE, type QueueLimits } from './queue-limits.ts';
import type { MinuteSeries } from './spreader.ts';

export const SUBSCRIPTION_SERIES = ['subsAlles', 'subsBsnLijst', 'subsMutatiebasis'] as const;
export type SubscriptionSeries = (typeof SUBSCRIPTION_SERIES)[number];

/**
 * Cumulative curves (length minutes + 1; value at m = count before minute m) of every stage. The
 * per-minute figure of a stage is the difference of two neighbours, a backlog the difference of
 * two curves.
 */
export interface QueueCurves {
  /** Letters first offered by the afnemers (the forecast). */
  readonly offered: Float64Array;
  /** Letters not admitted in the minute they were first offered (refused, to be redelivered). */
  readonly refused: Float64Array;
  /** Admitted by intake (first offerings and redeliveries, FIFO). */
  readonly admitted: Float64Array;
  /** Parked and processed. */
  readonly parked: Float64Array;
  /** Letters that will notify, by their offering (the forecast's notifications). */
  readonly notifying: Float64Array;
  /** Notifications entering the notification queue (their letters processed). */
  readonly notifIn: Float64Array;
  readonly notified: Float64Array;
  readonly subsArrived: Readonly<Record<SubscriptionSeries, Float64Array>>;
  /** Taken into processing in a night window (within its quota). */
  readonly subsServed: Readonly<Record<SubscriptionSeries, Float64Array>>;
  /** Service rates while a backlog waits, per minute (for exact times within a minute). */
  readonly parkPerMinute: number;
  readonly notifyPerMinute: number;
}

/**
 * The Berichtenbox as the mock models it, minute by minute over the whole horizon (a fluid model:
 * items are spread evenly within a minute, fractions allowed):
 *
 * 1. Intake admits at most `messagesPerHour` per clock hour and `messagesPerDay` per calendar day.
 *    What does not fit is refused (the mock answers 429 with Retry-After); the afnemer redelivers
 *    it as soon as the window reopens, before newer letters (FIFO in order of first offering).
 * 2. Admitted letters are parked at `parkedPerSecond`, FIFO, and processed then (the mock's
 *    processing delay of seconds is below this resolution).
 * 3. A processed letter that notifies enters one FIFO notification queue, sent evenly at
 *    `notificationsPerHour` and at most `notificationsPerDay` per calendar day; the rest waits.
 * 4. Subscription requests of each kind wait for the night window and are taken up to the kind's
 *    quota per night, FIFO; the rest waits for the next night.
 */
export function simulateQueues(h: Horizon, series: MinuteSeries, limits: QueueLimits): QueueCurves {
  const M = h.minutes;
  const offeredPerMinute = series.messages;
  const offered = cumulative(offeredPerMinute);
  const notifying = cumulative(series.notifications);
  const refused = new Float64Array(M + 1);
  const admitted = new Float64Array(M + 1);
  const parked = new Float64Array(M + 1);
  const notifIn = new Float64Array(M + 1);
  const notified = new Float64Array(M + 1);
  const parkPerMinute = limits.parkedPerSecond * SECONDS_PER_MINUTE;
  const notifPerMinute = limits.notificationsPerHour / MINUTES_PER_HOUR;
  let intakeQ = 0;
  let parkQ = 0;
  let notifQ = 0;
  let day = -1;
  let dayAdmitted = 0;
  let dayNotified = 0;
  let j = 0; // pointer into `offered` for the letters → notifications mapping
  const total = offered[M]!;
  for (let hour = 0; hour < h.hours; hour++) {
    if (h.hourDay[hour] !== day) {
      day = h.hourDay[hour]!;
      dayAdmitted = 0;
      dayNotified = 0;
    }
    let hourAdmitted = 0;
    let hourNotified = 0;
    const m0 = hour * MINUTES_PER_HOUR;
    for (let m = m0; m < m0 + MINUTES_PER_HOUR; m++) {
      // 1. Admission: backlog first (redeliveries), then this minute's first offerings.
      const o = offeredPerMinute[m]!;
      const room = Math.max(0, Math.min(limits.messagesPerHour - hourAdmitted, limits.messagesPerDay - dayAdmitted));
      const demand = intakeQ + o;
      const adm = demand < room ? demand : room;
      const firstTimeIn = Math.min(o, Math.max(0, room - intakeQ));
      intakeQ = demand - adm;
      hourAdmitted += adm;
      dayAdmitted += adm;
      admitted[m + 1] = admitted[m]! + adm;
      refused[m + 1] = refused[m]! + (o - firstTimeIn);
      // 2. Parking at a constant rate.
      const pq = parkQ + adm;
      const p = pq < parkPerMinute ? pq : parkPerMinute;
      parkQ = pq - p;
      const k = parked[m]! + p;
      parked[m + 1] = k;
      // 3. Notifications of the letters processed so far: the notifying share of letters 0..k.
      while (j < M && offered[j + 1]! <= k) j++;
      let nl: number;
      if (j >= M || k >= total) nl = notifying[M]!;
      else {
        const a = offered[j]!;
        const b = offered[j + 1]!;
        nl = notifying[j]! + ((k - a) / (b - a)) * (notifying[j + 1]! - notifying[j]!);
      }
      const nIn = Math.max(0, nl - notifIn[m]!);
      notifIn[m + 1] = notifIn[m]! + nIn;
      const cap = Math.max(
        0,
        Math.min(notifPerMinute, limits.notificationsPerHour - hourNotified, limits.notificationsPerDay - dayNotified),
      );
      const nq = notifQ + nIn;
      const s = nq < cap ? nq : cap;
      notifQ = nq - s;
      hourNotified += s;
      dayNotified += s;
      notified[m + 1] = notified[m]! + s;
    }
  }
  const quota: Record<SubscriptionSeries, number> = {
    subsAlles: limits.nightAlles,
    subsBsnLijst: limits.nightBsnLijst,
    subsMutatiebasis: limits.nightMutatiebasis,
  };
  const subsArrived = {} as Record<SubscriptionSeries, Float64Array>;
  const subsServed = {} as Record<SubscriptionSeries, Float64Array>;
  for (const kind of SUBSCRIPTION_SERIES) {
    subsArrived[kind] = cumulative(series[kind]);
    subsServed[kind] = serveInNights(h, series[kind], quota[kind]);
  }
  return {
    offered,
    refused,
    admitted,
    parked,
    notifying,
    notifIn,
    notified,
    subsArrived,
    subsServed,
    parkPerMinute,
    notifyPerMinute: notifPerMinute,
  };
}

/** Requests wait for a night window and are taken up to `quota` per night, FIFO. */
function serveInNights(h: Horizon, perMinute: Float64Array, quota: number): Float64Array {
  const M = h.minutes;
  const served = new Float64Array(M + 1);
  let q = 0;
  let n = 0;
  let used = 0;
  for (let m = 0; m < M; m++) {
    q += perMinute[m]!;
    while (n < h.nights.length && h.nights[n]!.end <= m) {
      n++;
      used = 0;
    }
    const night = h.nights[n];
    let s = 0;
    if (night && m >= night.start && q > 0) {
      s = Math.min(q, quota - used);
      used += s;
      q -= s;
    }
    served[m + 1] = served[m]! + s;
  }
  return served;
}
