import { MINUTE } from '../clock/index.ts';
import type { ForecastResult } from './run-forecast.ts';
import { SUBSCRIPTION_SERIES, type SubscriptionSeries } from './simulate-queues.ts';

export interface BacklogPeak {
  /** Largest number waiting (minute resolution). */
  readonly max: number;
  /** When it was largest (start of the minute, epoch ms); absent when never any backlog. */
  readonly at?: number;
}

export interface DelaySummary {
  readonly maxMinutes: number;
  /** Arrival minute of the item that waited longest (epoch ms). */
  readonly at?: number;
  readonly over?: number;
  readonly openAtEnd: number;
}

/** The queue simulation in a few figures: totals, largest backlogs, longest delays, what is left open. */
export interface QueueSummary {
  readonly offered: number;
  readonly refusedFirstOffering: number;
  readonly admitted: number;
  readonly processed: number;
  readonly notificationsForecast: number;
  readonly notified: number;
  readonly intakeBacklog: BacklogPeak;
  readonly parkingBacklog: BacklogPeak;
  readonly notificationBacklog: BacklogPeak;
  readonly processing: DelaySummary;
  readonly notification: DelaySummary;
  readonly subscriptions: Readonly<
    Record<SubscriptionSeries, DelaySummary & { readonly arrived: number; readonly served: number }>
  >;
  /** Left at the end of the horizon in each queue. */
  readonly atEnd: {
    readonly intake: number;
    readonly parking: number;
    readonly notificationsWaitingForLetters: number;
    readonly notificationQueue: number;
  };
}

export function queueSummary(r: ForecastResult): QueueSummary {
  const c = r.curves;
  const h = r.horizon;
  const M = h.minutes;
  const peak = (a: Float64Array, b: Float64Array): BacklogPeak => {
    let max = 0;
    let at = -1;
    for (let m = 1; m <= M; m++) {
      const v = a[m]! - b[m]!;
      if (v > max) {
        max = v;
        at = m - 1;
      }
    }
    return at >= 0 && max > 1e-6 ? { max, at: h.start + at * MINUTE } : { max: 0 };
  };
  const delay = (
    d: { maxDelay: number; maxDelayArrivalMinute: number; over: number; openAtEnd: number },
    withOver: boolean,
  ): DelaySummary => ({
    maxMinutes: d.maxDelay,
    ...(d.maxDelayArrivalMinute >= 0 ? { at: h.start + d.maxDelayArrivalMinute * MINUTE } : {}),
    ...(withOver ? { over: d.over } : {}),
    openAtEnd: d.openAtEnd,
  });
  const subscriptions = {} as Record<SubscriptionSeries, DelaySummary & { arrived: number; served: number }>;
  for (const k of SUBSCRIPTION_SERIES)
    subscriptions[k] = {
      ...delay(r.checks.subscriptions[k], true),
      arrived: c.subsArrived[k][M]!,
      served: c.subsServed[k][M]!,
    };
  return {
    offered: c.offered[M]!,
    refusedFirstOffering: c.refused[M]!,
    admitted: c.admitted[M]!,
    processed: c.parked[M]!,
    notificationsForecast: c.notifying[M]!,
    notified: c.notified[M]!,
    intakeBacklog: peak(c.offered, c.admitted),
    parkingBacklog: peak(c.admitted, c.parked),
    notificationBacklog: peak(c.notifIn, c.notified),
    processing: delay(r.checks.processing, true),
    notification: delay(r.checks.notification, false),
    subscriptions,
    atEnd: {
      intake: c.offered[M]! - c.admitted[M]!,
      parking: c.admitted[M]! - c.parked[M]!,
      notificationsWaitingForLetters: c.notifying[M]! - c.notifIn[M]!,
      notificationQueue: c.notifIn[M]! - c.notified[M]!,
    },
  };
}
