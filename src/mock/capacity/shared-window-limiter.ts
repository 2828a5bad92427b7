import type { SharedWindows } from '../../store/store.ts';
import type { WindowStats } from './capacity-stats.ts';
import {
  WindowLimiter,
  bucketOf,
  windowName,
  windowSeconds,
  type Admission,
  type WindowLimit,
} from './window-limiter.ts';

/** What the capacity model and the intake's offered counter need of a limiter, in memory or shared. */
export interface WindowCounting {
  readonly limits: readonly WindowLimit[];
  /** `offeredAt`: when the load generator sent the units (≤ t), for the offered count (WindowLimiter.tryAdmit). */
  tryAdmit(t: number, n?: number, offeredAt?: number): Admission | Promise<Admission>;
  refund(t: number, n?: number): void | Promise<void>;
  /** Figures as of the last read (a shared limiter refreshes them in the background; see `refresh`). */
  stats(t: number): WindowStats[];
  /** Reads the current figures (shared: from the database; in memory: nothing to do). */
  refresh?(t: number): Promise<void>;
}

/**
 * The WindowLimiter's windows counted in the store, so several mock instances on one database
 * admit together no more than each limit (exact: the store checks and counts every window of a
 * request in one transaction, all or nothing). `scope` names the service ('digid', …).
 */
export class SharedWindowLimiter implements WindowCounting {
  readonly limits: readonly WindowLimit[];
  readonly #scope: string;
  readonly #windows: SharedWindows;
  #last: { used: number[]; peakOffered: number[]; keys: string[] } | undefined;

  constructor(scope: string, limits: readonly WindowLimit[], windows: SharedWindows) {
    for (const l of limits) {
      if (!(l.limit >= 0))
        throw new RangeError(`limit for window ${windowName(l.window)} must be >= 0, got ${l.limit}`);
    }
    this.#scope = scope;
    this.limits = limits;
    this.#windows = windows;
  }

  /** Bucket keys of t per limit (undefined: a night window outside the night). */
  #keys(t: number): (string | undefined)[] {
    return this.limits.map((l, i) => {
      const b = bucketOf(l.window, t);
      return b === undefined ? undefined : `${i}:${b.key}`;
    });
  }

  /** Counts the offered load by arrival (`offeredAt` is not used: the store keeps one bucket per window). */
  async tryAdmit(t: number, n = 1): Promise<Admission> {
    const keys = this.#keys(t);
    const asked: { i: number; key: string; limit: number }[] = [];
    keys.forEach((key, i) => {
      if (key !== undefined) asked.push({ i, key, limit: this.limits[i]!.limit });
    });
    if (asked.length === 0) return { admitted: true };
    // Infinity does not survive JSON/SQL: a counted-only window gets the largest safe limit.
    const a = await this.#windows.admit(
      this.#scope,
      asked.map((x) => ({ key: x.key, limit: Number.isFinite(x.limit) ? x.limit : Number.MAX_SAFE_INTEGER })),
      n,
    );
    if (a.admitted) return { admitted: true };
    const which = asked[a.index]!;
    const limit = this.limits[which.i]!;
    return { admitted: false, limit, used: a.used, reopensAt: bucketOf(limit.window, t)?.reopensAt ?? t };
  }

  async refund(t: number, n = 1): Promise<void> {
    const keys = this.#keys(t).filter((k): k is string => k !== undefined);
    if (keys.length > 0) await this.#windows.refund(this.#scope, keys, n);
  }

  async refresh(t: number): Promise<void> {
    const keys = this.#keys(t);
    const present = keys.map((k, i) => k ?? `${i}:none`);
    const r = await this.#windows.read(this.#scope, present);
    this.#last = {
      used: r.used.map((u, i) => (keys[i] === undefined ? 0 : u)),
      peakOffered: r.peakOffered,
      keys: present,
    };
  }

  stats(t: number): WindowStats[] {
    const keys = this.#keys(t).map((k, i) => k ?? `${i}:none`);
    const last = this.#last;
    return this.limits.map((l, i) => {
      const limited = Number.isFinite(l.limit);
      // A window instance that has turned over since the last read starts at 0.
      const u = last !== undefined && last.keys[i] === keys[i] ? (last.used[i] ?? 0) : 0;
      return {
        window: windowName(l.window),
        seconds: windowSeconds(l.window) ?? null,
        normId: l.normId ?? null,
        limit: limited ? l.limit : null,
        used: u,
        remaining: limited ? Math.max(0, l.limit - u) : null,
        peakOffered: last?.peakOffered[i] ?? 0,
      };
    });
  }
}

/** A limiter for these windows: shared through the store when it is shared, else in memory. */
export function windowCounting(
  scope: string,
  limits: readonly WindowLimit[],
  shared: SharedWindows | undefined,
): WindowCounting {
  return shared === undefined ? new WindowLimiter(limits) : new SharedWindowLimiter(scope, limits, shared);
}
