import {
  MESSAGES_PARKED_PER_SECOND,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_DAY,
  NOTIFICATIONS_PER_HOUR,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  windowSeconds,
} from '../norms/index.ts';

/** The capacities the queue simulation runs with; by default the norms (the mock's defaults too). */
export interface QueueLimits {
  readonly messagesPerHour: number;
  readonly messagesPerDay: number;
  readonly parkedPerSecond: number;
  readonly notificationsPerHour: number;
  readonly notificationsPerDay: number;
  readonly nightAlles: number;
  readonly nightBsnLijst: number;
  readonly nightMutatiebasis: number;
}

export const NORM_LIMITS: QueueLimits = Object.freeze({
  messagesPerHour: MESSAGES_PER_HOUR.limit,
  messagesPerDay: MESSAGES_PER_DAY.limit,
  parkedPerSecond: MESSAGES_PARKED_PER_SECOND.limit,
  notificationsPerHour: NOTIFICATIONS_PER_HOUR.limit,
  notificationsPerDay: NOTIFICATIONS_PER_DAY.limit,
  nightAlles: SUBSCRIPTION_NIGHT_ALLES.limit,
  nightBsnLijst: SUBSCRIPTION_NIGHT_BSN_LIJST.limit,
  nightMutatiebasis: SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit,
});

export const SECONDS_PER_MINUTE = windowSeconds('minute');
