import type { Norm, Rate } from './types.ts';

const WINDOW_SECONDS = { second: 1, minute: 60, hour: 3600, day: 86_400 } as const;

function rate(count: number, window: Rate['window']): Rate {
  if (!Number.isFinite(count) || count < 0) {
    throw new RangeError(`rate count must be a finite number >= 0, got ${String(count)}`);
  }
  return Object.freeze({ count, window, perSecond: count / WINDOW_SECONDS[window] });
}

export const perSecond = (count: number): Rate => rate(count, 'second');
export const perMinute = (count: number): Rate => rate(count, 'minute');
export const perHour = (count: number): Rate => rate(count, 'hour');
export const perDay = (count: number): Rate => rate(count, 'day');

export function windowSeconds(window: Rate['window']): number {
  return WINDOW_SECONDS[window];
}

/** The rate a rate norm allows, e.g. rateOf(MESSAGES_PER_HOUR).perSecond ≈ 41.7. */
export function rateOf(norm: Norm): Rate {
  const w = norm.window;
  if (norm.quantity !== 'rate' || (w !== 'second' && w !== 'minute' && w !== 'hour' && w !== 'day')) {
    throw new TypeError(`norm ${norm.id} is not a per-second/minute/hour/day rate`);
  }
  return rate(norm.limit, w);
}
