import { HOUR, hourStart, dayStart, nextDayStart } from '../clock/index.ts';
import type { NotificationPlanner, NotificationState } from '../store/store.ts';

export interface NotificationLimits {
  readonly perHour: number;
  readonly perDay: number;
}

/**
 * One FIFO queue, in order of arrival: notifications go out spaced at the hourly rate, at most
 * `perHour` in a clock hour and `perDay` in a calendar day (Amsterdam); what does not fit waits
 * for the next hour or day. Pure: state in, state out, so the store can persist it.
 */
export function createNotificationPlanner(limits: NotificationLimits): NotificationPlanner {
  const spacing = HOUR / limits.perHour;
  // The last calendar day seen, cached: dayStart() is costly and this runs per notification.
  let dayFrom = 0;
  let dayTo = 0;
  const dayOf = (t: number): number => {
    if (t < dayFrom || t >= dayTo) {
      dayFrom = dayStart(t);
      dayTo = nextDayStart(t);
    }
    return dayFrom;
  };

  return (state: NotificationState, enqueuedAt: number) => {
    let at = Math.max(enqueuedAt, state.nextFreeAt);
    for (;;) {
      const hs = hourStart(at);
      const ds = dayOf(at);
      const hourCount = state.hourStart === hs ? state.hourCount : 0;
      const dayCount = state.dayStart === ds ? state.dayCount : 0;
      if (dayCount >= limits.perDay) {
        at = dayTo;
        continue;
      }
      if (hourCount >= limits.perHour) {
        at = hs + HOUR;
        continue;
      }
      return {
        notifyAt: at,
        state: {
          nextFreeAt: at + spacing,
          hourStart: hs,
          hourCount: hourCount + 1,
          dayStart: ds,
          dayCount: dayCount + 1,
        },
      };
    }
  };
}
