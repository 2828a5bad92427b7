import type { Clock } from '../../clock/index.ts';
import { createPrng, hash32 } from '../../random/index.ts';
import { ServerModel } from './server-model.ts';
import type { ServiceTime } from './service-time.ts';
import { windowName, type WindowLimit } from './window-limiter.ts';
import { windowCounting, type WindowCounting } from './shared-window-limiter.ts';
import type { SharedWindows } from '../../store/store.ts';
import { MinuteStats } from './minute-stats.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import type { CapacityStats } from './capacity-stats.ts';

export interface CapacityModelOptions {
  /** Service name, used in metrics and messages ('digid', 'validatieservice', …). */
  readonly service: string;
  readonly limits: readonly WindowLimit[];
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly serviceTime: ServiceTime;
  readonly seed: number;
  readonly clock: Clock;
  readonly metrics: ServiceMetrics;
  /** The service's "average within N ms" norm, if it has one (DigiD, Machtigen): read per sim minute. */
  readonly minuteNormMs?: number;
  /**
   * Windows in the store shared by several instances (ctx.store.windows): the norms' windows are the
   * service's, so instances on one database admit no more than the limit together. Absent: in memory.
   */
  readonly shared?: SharedWindows | undefined;
}

/**
 * How late (wall ms) a request may arrive after the instant its load generator says it was sent
 * and still be counted as offered then; an earlier claim counts as sent this much before arrival.
 */
const MAX_ARRIVAL_LAG_WALL_MS = 5000;

/**
 * The sim instant a request counts as offered at: when its load generator says it sent it
 * (x-bbsim-sent-at), never after `now` and at most MAX_ARRIVAL_LAG_WALL_MS of wall time at `speed`
 * before it; `now` when it says nothing. Requests held up on their way in (a GC pause, a loaded
 * machine) then count in the window they were sent in, not in the one they got through in.
 */
export function offeredInstant(now: number, sentAt: number | undefined, speed: number): number {
  if (sentAt === undefined || !(sentAt < now)) return now;
  return Math.max(sentAt, now - MAX_ARRIVAL_LAG_WALL_MS * Math.max(1, speed));
}

/** Wall ms between two background reads of shared window figures for stats(). */
const SHARED_REFRESH_MS = 1000;

export type Handled<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly queuedMs: number;
      readonly serviceMs: number;
      readonly latencyMs: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'limit';
      readonly detail: string;
      readonly retryAfterS: number;
      readonly window: string;
      readonly used: number;
      readonly limit: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'saturated' | 'closed';
      readonly detail: string;
      readonly retryAfterS: number;
    };

/**
 * The capacity of one simulated service: admission limits per window (from the norms, sim clock),
 * then a server with a concurrency limit, a FIFO queue and drawn service times (wall clock).
 * Seeded: the same seed and load draw the same service times.
 */
export class CapacityModel {
  readonly service: string;
  readonly limiter: WindowCounting;
  readonly server: ServerModel;
  /** Per sim minute: requests and mean latency (the DigiD/Machtigen "average < 4 s for 99.5 %" reading). */
  readonly minutes = new MinuteStats();
  readonly #baseConcurrency: number;
  readonly #baseMaxQueue: number;
  readonly #clock: Clock;
  readonly #metrics: ServiceMetrics;
  readonly #minuteNormMs: number | undefined;
  readonly #counts = { admitted: 0, limit: 0, saturated: 0, closed: 0, latencySumMs: 0, latencyMaxMs: 0 };
  /** The per-request metrics with this service's label bound once (prom-client's children). */
  readonly #hot: {
    readonly admitted: { inc(): void };
    readonly latency: { observe(v: number): void };
    readonly queue: { set(v: number): void };
  };
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: CapacityModelOptions) {
    this.service = opts.service;
    this.#clock = opts.clock;
    this.#metrics = opts.metrics;
    this.#minuteNormMs = opts.minuteNormMs;
    this.limiter = windowCounting(opts.service, opts.limits, opts.shared);
    const labels = { service: opts.service };
    this.#hot = {
      admitted: opts.metrics.admitted.labels(labels),
      latency: opts.metrics.latency.labels(labels),
      queue: opts.metrics.queue.labels(labels),
    };
    // Time compression: at speed s the same sim load arrives s times as fast in wall time while each
    // request still takes its wall service time, so the same system needs s times the workers and
    // queue places. Without this a compressed peak saturates the mock long before the norm does.
    // Under a speed schedule the factor follows the speed now, so a peak replayed slowly meets the
    // real system's workers, not those of the fast night before it.
    this.#baseConcurrency = opts.concurrency;
    this.#baseMaxQueue = opts.maxQueue;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the server reads the live figures through getters
    const model = this;
    this.server = new ServerModel({
      get concurrency() {
        return model.concurrency;
      },
      get maxQueue() {
        return model.maxQueue;
      },
      serviceTime: opts.serviceTime,
      next: createPrng(hash32(opts.service, opts.seed)),
    });
  }

  /** Workers in wall time now: the configured ones × the clock's speed now (see the constructor). */
  get concurrency(): number {
    return Math.ceil(this.#baseConcurrency * Math.max(1, this.#clock.speed));
  }

  /** Queue places in wall time now, scaled as `concurrency`. */
  get maxQueue(): number {
    return Math.ceil(this.#baseMaxQueue * Math.max(1, this.#clock.speed));
  }

  /**
   * Admits `units` of work at the current sim time and serves it, or says why not. `sentAt`: the
   * sim instant the load generator sent the request, when it says so (never after now, at most
   * MAX_ARRIVAL_LAG_WALL_MS of wall time before): the offered load is counted then (WindowLimiter).
   */
  async handle<T>(work: () => T | Promise<T>, units = 1, sentAt?: number): Promise<Handled<T>> {
    const now = this.#clock.now();
    const offeredAt = offeredInstant(now, sentAt, this.#clock.speed);
    let admission;
    try {
      admission = await this.limiter.tryAdmit(now, units, offeredAt);
    } catch {
      // The shared windows cannot be read (the database is down): the service cannot keep its norm, so it refuses.
      this.#counts.saturated += 1;
      this.#metrics.refused.inc({ service: this.service, reason: 'saturated' });
      return {
        ok: false,
        reason: 'saturated',
        retryAfterS: 1,
        detail: `${this.service}: its capacity windows (shared by the instances on this database) cannot be read`,
      };
    }
    this.#maybeRefresh(now);
    if (!admission.admitted) {
      this.#counts.limit += 1;
      this.#metrics.refused.inc({ service: this.service, reason: 'limit' });
      const w = windowName(admission.limit.window);
      return {
        ok: false,
        reason: 'limit',
        window: w,
        used: admission.used,
        limit: admission.limit.limit,
        retryAfterS: this.#retryAfter(admission.reopensAt - now),
        detail: `${this.service}: capacity of ${admission.limit.limit} per ${w} reached (${admission.used} admitted in this window); the window reopens at ${new Date(admission.reopensAt).toISOString()} (sim time)`,
      };
    }
    this.#hot.queue.set(this.server.queued);
    const served = await this.server.serve(work);
    this.#hot.queue.set(this.server.queued);
    if (!served.ok) {
      // Refused for saturation, not admitted: it must not use up the window.
      void Promise.resolve(this.limiter.refund(now, units)).catch(() => undefined);
      this.#counts[served.reason === 'closed' ? 'closed' : 'saturated'] += 1;
      this.#metrics.refused.inc({ service: this.service, reason: served.reason });
      return served.reason === 'closed'
        ? { ok: false, reason: 'closed', retryAfterS: 1, detail: `${this.service} is shutting down` }
        : {
            ok: false,
            reason: 'saturated',
            retryAfterS: 1,
            detail: `${this.service} is saturated: ${this.server.busy} in service and ${this.server.queued} waiting`,
          };
    }
    const latencyMs = served.queuedMs + served.serviceMs;
    this.#counts.admitted += 1;
    this.#counts.latencySumMs += latencyMs;
    this.#counts.latencyMaxMs = Math.max(this.#counts.latencyMaxMs, latencyMs);
    this.#hot.admitted.inc();
    this.#hot.latency.observe(latencyMs / 1000);
    this.minutes.record(this.#clock.now(), latencyMs);
    return { ...served, latencyMs };
  }

  /** The service's capacity figures now, in the one shape every service reports (shared windows as of the last read, at most about a second old). */
  stats(): CapacityStats {
    const now = this.#clock.now();
    this.#maybeRefresh(now);
    const c = this.#counts;
    const m = this.minutes.summary(this.#minuteNormMs ?? Number.POSITIVE_INFINITY);
    return {
      service: this.service,
      now: new Date(now).toISOString(),
      admitted: c.admitted,
      refused: { limit: c.limit, saturated: c.saturated, closed: c.closed, total: c.limit + c.saturated + c.closed },
      latency: { meanMs: c.admitted ? c.latencySumMs / c.admitted : 0, maxMs: c.latencyMaxMs },
      minutes: {
        count: m.minutes,
        meanMs: m.meanMs,
        normMs: this.#minuteNormMs ?? null,
        withinNormPercent: this.#minuteNormMs === undefined ? null : m.withinPercent,
      },
      windows: this.limiter.stats(now),
      server: {
        concurrency: this.concurrency,
        maxQueue: this.maxQueue,
        busy: this.server.busy,
        queued: this.server.queued,
      },
    };
  }

  close(): void {
    this.server.close();
  }

  /** Waits for a fresh read of shared windows (nothing to do in memory). */
  async refresh(): Promise<void> {
    this.#refreshedAt = performance.now();
    await this.limiter.refresh?.(this.#clock.now());
  }

  #maybeRefresh(now: number): void {
    if (this.limiter.refresh === undefined || performance.now() - this.#refreshedAt < SHARED_REFRESH_MS) return;
    this.#refreshedAt = performance.now();
    this.limiter.refresh(now).catch(() => undefined);
  }

  #retryAfter(simMs: number): number {
    return Math.max(1, Math.ceil(this.#clock.toWallMs(simMs) / 1000));
  }
}
