import { MINUTES_PER_HOUR } from './horizon.ts';

/** Below this, a difference of cumulative counts is rounding noise (counts are whole items). */
export const EPS = 1e-6;

/** Running sums: out[0] = 0, out[m + 1] = out[m] + perMinute[m]. */
export function cumulative(perMinute: Float64Array): Float64Array {
  const out = new Float64Array(perMinute.length + 1);
  let s = 0;
  for (let m = 0; m < perMinute.length; m++) {
    s += perMinute[m]!;
    out[m + 1] = s;
  }
  return out;
}

/**
 * The earliest time (minutes from the horizon start, fractional) at which the cumulative curve
 * reaches k, items being uniform within a minute; Infinity when it never does.
 */
export function reachTime(cum: Float64Array, k: number): number {
  const last = cum.length - 1;
  if (k <= cum[0]! + EPS) return 0;
  if (cum[last]! < k - EPS) return Number.POSITIVE_INFINITY;
  let lo = 0;
  let hi = last;
  // Smallest j with cum[j] >= k - EPS.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! >= k - EPS) hi = mid;
    else lo = mid + 1;
  }
  const j = lo;
  const a = cum[j - 1]!;
  const b = cum[j]!;
  return b - a > 0 ? j - 1 + Math.min(1, Math.max(0, (k - a) / (b - a))) : j;
}

/**
 * When the departure curve of a FIFO stage reaches k (minutes from the start, fractional), exact
 * for a fluid stage whose arrivals are even within each minute and whose server runs at
 * `ratePerMinute` while it has a backlog (Infinity: everything waiting leaves at once, as intake
 * admission and the night quota do); Infinity when it never does.
 */
export function departureTime(
  arrivals: Float64Array,
  departures: Float64Array,
  k: number,
  ratePerMinute: number,
): number {
  const last = departures.length - 1;
  if (k <= departures[0]! + EPS) return 0;
  if (departures[last]! < k - EPS) return Number.POSITIVE_INFINITY;
  let lo = 1;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (departures[mid]! >= k - EPS) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1 + withinMinute(arrivals, departures, lo - 1, k, ratePerMinute);
}

/** The fraction of minute j at which departures[j] + (k − departures[j]) have left. */
function withinMinute(arrivals: Float64Array, departures: Float64Array, j: number, k: number, rate: number): number {
  const dk = Math.max(0, k - departures[j]!);
  const d = departures[j + 1]! - departures[j]!;
  if (d <= 0) return 1;
  const backlog = Math.max(0, arrivals[j]! - departures[j]!);
  const a = arrivals[j + 1]! - arrivals[j]!;
  // Phase 1: the backlog (and what arrives meanwhile) leaves at the full rate until the backlog is gone.
  if (rate === Number.POSITIVE_INFINITY) {
    if (dk <= backlog + EPS) return 0;
    return a > 0 ? Math.min(1, (dk - backlog) / a) : 1;
  }
  if (rate <= a) return Math.min(1, dk / rate);
  const tau = backlog / (rate - a);
  if (dk <= rate * Math.min(1, tau)) return dk / rate;
  // Phase 2: departures follow the arrivals.
  return a > 0 ? Math.min(1, tau + (dk - rate * tau) / a) : 1;
}

export interface FifoDelays {
  /** The longest time, minutes, from arrival to departure of an item that departed. */
  readonly maxDelay: number;
  /** The arrival minute of that item (its minute's last item). */
  readonly maxDelayArrivalMinute: number;
  /** Items whose delay exceeded `limitMinutes` (decided within the horizon). */
  readonly over: number;
  /** Items still waiting at the end of the horizon, and when the oldest of them arrived (minute). */
  readonly openAtEnd: number;
  readonly oldestOpenMinute: number;
  /** The longest delay per hour, by the hour of arrival (minutes; 0 where nothing arrived). */
  readonly maxDelayByHour: Float32Array;
}

/**
 * Delays through a FIFO stage from its cumulative arrivals and departures (both length minutes + 1):
 * for the last item of each arrival minute, when the departure curve reaches its index
 * (departureTime). The longest delay is that of the last item of some minute, to within a minute.
 */
export function fifoDelays(
  arrivals: Float64Array,
  departures: Float64Array,
  limitMinutes: number,
  ratePerMinute: number,
): FifoDelays {
  const minutes = arrivals.length - 1;
  const hours = Math.ceil(minutes / MINUTES_PER_HOUR);
  const byHour = new Float32Array(hours);
  let maxDelay = 0;
  let maxAt = -1;
  let over = 0;
  let j = 0; // departures pointer: smallest j with departures[j] >= k - EPS
  for (let m = 0; m < minutes; m++) {
    const a0 = arrivals[m]!;
    const k = arrivals[m + 1]!;
    if (k - a0 <= 0) continue;
    const deadline = m + 1 + limitMinutes;
    if (deadline <= minutes) {
      const late = k - departures[Math.floor(deadline)]!;
      if (late > EPS) over += Math.min(k - a0, late);
    }
    while (j <= minutes && departures[j]! < k - EPS) j++;
    if (j > minutes) continue; // not served by the end: counted as open below
    const dep = j === 0 ? 0 : j - 1 + withinMinute(arrivals, departures, j - 1, k, ratePerMinute);
    const delay = Math.max(0, dep - (m + 1));
    if (delay > maxDelay) {
      maxDelay = delay;
      maxAt = m;
    }
    const hour = Math.floor(m / MINUTES_PER_HOUR);
    if (delay > byHour[hour]!) byHour[hour] = delay;
  }
  const open = Math.max(0, arrivals[minutes]! - departures[minutes]!);
  let oldest = -1;
  if (open > EPS) {
    const firstOpen = departures[minutes]!;
    // The first item not yet departed arrived when the arrival curve passed the departures' end value.
    oldest = Math.floor(reachTime(arrivals, firstOpen + EPS * 2));
  }
  return {
    maxDelay,
    maxDelayArrivalMinute: maxAt,
    over,
    openAtEnd: open > EPS ? open : 0,
    oldestOpenMinute: oldest,
    maxDelayByHour: byHour,
  };
}
