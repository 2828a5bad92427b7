import type { WindowStats } from './capacity-stats.ts';
import {
  MINUTE,
  hourStart,
  nextHourStart,
  dayStart,
  nextDayStart,
  dailyWindowAt,
  nextDailyWindowStart,
} from '../../clock/index.ts';

/** A window a count is kept in, on the sim clock (Europe/Amsterdam calendar). */
export type LimitWindow =
  | 'minute'
  | 'hour'
  | 'day'
  | { readonly night: { readonly from: string; readonly to: string } }
  /** Fixed windows of n seconds from the epoch (n divides an hour, so they align with the hours). */
  | { readonly seconds: number };

export interface WindowLimit {
  readonly window: LimitWindow;
  readonly limit: number;
  /** Which norm this limit keeps (the verdict finds a capacity norm's window by it). */
  readonly normId?: string;
}

export interface Bucket {
  /** Identifies the window instance (same key: same count). */
  readonly key: number;
  /** When the next window instance opens. */
  readonly reopensAt: number;
}

/** The bucket of `t` in `window`; undefined for a night window when `t` is outside the night. */
export function bucketOf(window: LimitWindow, t: number): Bucket | undefined {
  if (window === 'minute') {
    const key = Math.floor(t / MINUTE) * MINUTE; // Amsterdam offsets are whole hours
    return { key, reopensAt: key + MINUTE };
  }
  if (window === 'hour') return { key: hourStart(t), reopensAt: nextHourStart(t) };
  if (window === 'day') return { key: dayStart(t), reopensAt: nextDayStart(t) };
  if ('seconds' in window) {
    const ms = window.seconds * 1000;
    const key = Math.floor(t / ms) * ms;
    return { key, reopensAt: key + ms };
  }
  const w = dailyWindowAt(t, window.night.from, window.night.to);
  if (!w) return undefined;
  return { key: w.start, reopensAt: nextDailyWindowStart(w.end, window.night.from, window.night.to) };
}

export function windowName(window: LimitWindow): string {
  if (typeof window === 'string') return window;
  return 'seconds' in window ? `${window.seconds} s` : `night ${window.night.from}-${window.night.to}`;
}

/** A window's fixed length in seconds; undefined for calendar days and nights (DST makes them 23 or 25 h). */
export function windowSeconds(window: LimitWindow): number | undefined {
  if (window === 'minute') return 60;
  if (window === 'hour') return 3600; // Amsterdam offsets are whole hours: every clock hour lasts one hour
  if (typeof window === 'object' && 'seconds' in window) return window.seconds;
  return undefined;
}

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly limit: WindowLimit; readonly used: number; readonly reopensAt: number };

const ADMITTED: Admission = Object.freeze({ admitted: true });

/**
 * Admission limits per window, counted in memory on the sim clock. The whole request (n units)
 * is admitted or refused; a refusal says which limit and when its window reopens (for Retry-After).
 */
export class WindowLimiter {
  readonly limits: readonly WindowLimit[];
  readonly #counts: { key: number; count: number }[];
  /**
   * Units offered (admitted or not) in the latest bucket and the one before it (a request sent
   * late in a window may arrive after the next one opened: see tryAdmit), and the most offered in
   * any bucket.
   */
  readonly #offered: {
    key: number;
    count: number;
    prevKey: number;
    prevCount: number;
    peak: number;
    peakKey: number;
  }[];
  readonly #cache: (Bucket | undefined)[];
  readonly #scratch: (Bucket | undefined)[];

  constructor(limits: readonly WindowLimit[]) {
    for (const l of limits) {
      if (!(l.limit >= 0))
        throw new RangeError(`limit for window ${windowName(l.window)} must be >= 0, got ${l.limit}`);
    }
    this.limits = limits;
    this.#counts = limits.map(() => ({ key: Number.NaN, count: 0 }));
    this.#offered = limits.map(() => ({
      key: Number.NaN,
      count: 0,
      prevKey: Number.NaN,
      prevCount: 0,
      peak: 0,
      peakKey: Number.NaN,
    }));
    this.#cache = limits.map(() => undefined);
    this.#scratch = limits.map(() => undefined);
  }

  /** The most units offered in one window instance so far, per limit (the load the norm is held against). */
  peakOffered(): number[] {
    return this.#offered.map((o) => o.peak);
  }

  /**
   * Admits n units at t if every window has room, counting them; otherwise counts nothing.
   * `offeredAt` (≤ t) is when the load generator sent them, when it says so: the offered load (what
   * the verdict reads) is counted in that instant's window. Counted by arrival instead, a burst held
   * up on its way in (a cold start, a GC pause, a loaded machine: at sim speed 120 a wall 0.1 s is
   * a fifth of a sim minute) moved the end of one minute into the next, which then read more than
   * was ever sent in a minute (bench/digid/overread-probe.ts: 1,427 read where at most 1,016 were
   * sent). Admission itself stays by arrival, as the real service's.
   */
  tryAdmit(t: number, n = 1, offeredAt = t): Admission {
    // Plain loops over a reused scratch array and cached buckets: this runs on every request of a
    // simulated service (a DigiD authentication, each intake batch).
    const buckets = this.#scratch;
    for (let i = 0; i < this.limits.length; i++) buckets[i] = this.#bucket(i, t);
    for (let i = 0; i < buckets.length; i++) {
      const b = offeredAt === t ? buckets[i] : bucketOf(this.limits[i]!.window, offeredAt);
      if (b) this.#offer(i, b, n);
    }
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (!b) continue; // a night limit outside the night does not apply
      const l = this.limits[i]!;
      const c = this.#counts[i]!;
      const used = c.key === b.key ? c.count : 0;
      if (used + n > l.limit) return { admitted: false, limit: l, used, reopensAt: b.reopensAt };
    }
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (!b) continue;
      const c = this.#counts[i]!;
      if (c.key !== b.key) {
        c.key = b.key;
        c.count = 0;
      }
      c.count += n;
    }
    return ADMITTED;
  }

  /** Counts n offered units in bucket b of limit i: the latest bucket, the one before it, or a new latest one. */
  #offer(i: number, b: Bucket, n: number): void {
    const o = this.#offered[i]!;
    let count: number;
    let key = b.key;
    if (key === o.key) count = o.count += n;
    else if (key === o.prevKey) count = o.prevCount += n;
    else if (!(key < o.key)) {
      // A newer bucket (or the first): the latest becomes the one before.
      o.prevKey = o.key;
      o.prevCount = o.count;
      o.key = key;
      count = o.count = n;
    } else {
      // Older than both kept buckets (the caller bounds how late a request may say it was sent):
      // counted in the latest, as by arrival.
      count = o.count += n;
      key = o.key;
    }
    if (count > o.peak) {
      o.peak = count;
      o.peakKey = key;
    }
  }

  /**
   * The bucket of limit i at t. A minute, hour, day or n-second window is one interval [key,
   * reopensAt), so the last bucket holds for every t in it (the calendar arithmetic of hours and
   * days runs once per window, not per request); a night bucket also spans the day between nights.
   */
  #bucket(i: number, t: number): Bucket | undefined {
    const cached = this.#cache[i];
    if (cached !== undefined && t >= cached.key && t < cached.reopensAt) return cached;
    const w = this.limits[i]!.window;
    const b = bucketOf(w, t);
    if (b && (typeof w === 'string' || 'seconds' in w)) this.#cache[i] = b;
    return b;
  }

  /** Gives back n units admitted at t that were not served after all (e.g. the queue was full). */
  refund(t: number, n = 1): void {
    for (const [i, l] of this.limits.entries()) {
      const b = bucketOf(l.window, t);
      const c = this.#counts[i]!;
      if (b && c.key === b.key) c.count = Math.max(0, c.count - n);
    }
  }

  /** Each window's figures at t, in the shape every service reports (capacity-stats.ts). */
  stats(t: number): WindowStats[] {
    const used = this.used(t);
    const peaks = this.peakOffered();
    return this.limits.map((l, i) => {
      const limited = Number.isFinite(l.limit);
      const u = used[i] ?? 0;
      return {
        window: windowName(l.window),
        seconds: windowSeconds(l.window) ?? null,
        normId: l.normId ?? null,
        limit: limited ? l.limit : null,
        used: u,
        remaining: limited ? Math.max(0, l.limit - u) : null,
        peakOffered: peaks[i] ?? 0,
        peakAt: Number.isFinite(this.#offered[i]?.peakKey) ? new Date(this.#offered[i]!.peakKey).toISOString() : null,
      };
    });
  }

  /** Units admitted in the current window of each limit at t. */
  used(t: number): number[] {
    return this.limits.map((l, i) => {
      const b = bucketOf(l.window, t);
      const c = this.#counts[i]!;
      return b && c.key === b.key ? c.count : 0;
    });
  }
}
