/**
 * When a subscription request of one kind is processed: in the night window, at most `limit` per night,
 * first come first served. The current night's count is kept by a WindowLimiter with the night window
 * (sim clock, Europe/Amsterdam); requests waiting for a later night form a FIFO backlog whose entries
 * are admitted into the limiter when their night opens (lazily, on the next `advance`).
 *
 * Planning is exact at acceptance: FIFO means later requests never move earlier ones, so the backlog
 * packs `limit` requests into each following night and a new request's night is fixed by its position.
 * Invariant: inside a night the backlog is non-empty only when that night is full.
 */
import { dailyWindowAt, nextDailyWindowStart } from '../../clock/index.ts';
import { WindowLimiter, bucketOf, type LimitWindow } from '../capacity/index.ts';

export type Policy = 'queue' | 'refuse';

export interface PlannerOptions {
  readonly night: { readonly from: string; readonly to: string };
  readonly limit: number;
  readonly normId: string;
  readonly outsideWindow: Policy;
  readonly overQuota: Policy;
  readonly maxQueuedNights: number;
}

export type Plan =
  | { readonly ok: true; readonly startAt: number; readonly deferred: boolean }
  | {
      readonly ok: false;
      /** outside-window: refused by `outsideWindow: 'refuse'`; quota: by `overQuota: 'refuse'`; backlog-full: more than maxQueuedNights of backlog. */
      readonly reason: 'outside-window' | 'quota' | 'backlog-full';
      /** When asking again can succeed (sim ms). */
      readonly retryAt: number;
      readonly used: number;
      readonly queued: number;
    };

/** A planner's state as JSON (instances sharing a database keep it there): the night count and the backlog. */
export interface PlannerSnapshot {
  /** An instant in the night the count belongs to (null: nothing admitted yet). */
  readonly at: number | null;
  readonly used: number;
  readonly backlog: readonly number[];
}

export class NightPlanner {
  readonly limiter: WindowLimiter;
  readonly window: LimitWindow;
  readonly #opts: PlannerOptions;
  /** Planned start instants of the queued requests, FIFO (non-decreasing). */
  #backlog: number[] = [];
  #head = 0;
  /** The instant of the latest admission into the limiter (its night holds the count). */
  #lastAt: number | null = null;

  constructor(opts: PlannerOptions) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new RangeError(`night limit must be a positive integer, got ${opts.limit}`);
    this.#opts = opts;
    this.window = { night: { from: opts.night.from, to: opts.night.to } };
    this.limiter = new WindowLimiter([{ window: this.window, limit: opts.limit, normId: opts.normId }]);
  }

  get limit(): number {
    return this.#opts.limit;
  }

  snapshot(): PlannerSnapshot {
    return {
      at: this.#lastAt,
      used: this.#lastAt === null ? 0 : this.used(this.#lastAt),
      backlog: this.#backlog.slice(this.#head),
    };
  }

  /** A planner in the state `snapshot()` gave. */
  static restore(opts: PlannerOptions, snap: PlannerSnapshot | undefined): NightPlanner {
    const p = new NightPlanner(opts);
    if (snap === undefined) return p;
    if (snap.at !== null && snap.used > 0) p.#admit(snap.at, snap.used);
    p.#backlog = [...snap.backlog];
    return p;
  }

  #admit(t: number, n = 1): boolean {
    const a = this.limiter.tryAdmit(t, n);
    if (a.admitted) this.#lastAt = t;
    return a.admitted;
  }

  /** Requests waiting for a later night. */
  get queued(): number {
    return this.#backlog.length - this.#head;
  }

  /** The night window containing t, if any. */
  nightAt(t: number): { start: number; end: number } | undefined {
    return dailyWindowAt(t, this.#opts.night.from, this.#opts.night.to);
  }

  /** Start of the first night opening after the one containing t (or after t when t is in no night). */
  nextNightStart(t: number): number {
    const w = this.nightAt(t);
    return nextDailyWindowStart(w ? w.end : t, this.#opts.night.from, this.#opts.night.to);
  }

  /** Requests admitted in the night containing t (0 outside the night). */
  used(t: number): number {
    return this.limiter.used(t)[0] ?? 0;
  }

  /** Admits the queued requests whose night has opened by `now` (call with a non-decreasing `now`). */
  advance(now: number): void {
    while (this.#head < this.#backlog.length) {
      const startAt = this.#backlog[this.#head] ?? Number.POSITIVE_INFINITY;
      if (startAt > now) break;
      // Cannot fail: at most `limit` entries are planned per night and nothing else is admitted while they wait.
      this.#admit(startAt);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#backlog.length) {
      this.#backlog = this.#backlog.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Plans a request arriving at `now` (after `advance(now)`): when it starts, or why it is refused. */
  plan(now: number): Plan {
    this.advance(now);
    const { limit, outsideWindow, overQuota, maxQueuedNights } = this.#opts;
    const bucket = bucketOf(this.window, now);
    const queued = this.queued;
    if (bucket && queued === 0) {
      if (this.#admit(now)) return { ok: true, startAt: now, deferred: false };
    }
    const used = this.used(now);
    if (bucket && overQuota === 'refuse') {
      // This night is full; the next one has room (nothing is queued under 'refuse' once a night is open).
      return { ok: false, reason: 'quota', retryAt: bucket.reopensAt, used, queued };
    }
    if (!bucket && outsideWindow === 'refuse') {
      return {
        ok: false,
        reason: 'outside-window',
        retryAt: nextDailyWindowStart(now, this.#opts.night.from, this.#opts.night.to),
        used,
        queued,
      };
    }
    const first = this.nextNightStart(now);
    const night = Math.floor(queued / limit);
    if (overQuota === 'refuse' && night >= 1) {
      // The next night is already fully planned; after it opens, the one after has room.
      return { ok: false, reason: 'quota', retryAt: this.#nightStart(first, 1), used, queued };
    }
    if (night >= maxQueuedNights) {
      return { ok: false, reason: 'backlog-full', retryAt: first, used, queued };
    }
    const startAt = this.#nightStart(first, night);
    this.#backlog.push(startAt);
    return { ok: true, startAt, deferred: true };
  }

  /** The start of the n-th night from the night starting at `first` (n = 0: `first`). */
  #nightStart(first: number, n: number): number {
    let s = first;
    for (let k = 0; k < n; k++) s = this.nextNightStart(s);
    return s;
  }
}
