import { performance } from 'node:perf_hooks';
import { SpeedSchedule } from './speed-schedule.ts';

/**
 * Simulated time. Rate norms and calendar windows run on it; latency is always wall time.
 * At speed 60 one simulated hour passes in one wall minute.
 */
export interface Clock {
  /** Simulated now, epoch milliseconds. */
  now(): number;
  /** Simulated milliseconds per wall millisecond, now (the schedule's speed at `now()`). */
  readonly speed: number;
  /** The speed over sim time; one segment for a constant speed. */
  readonly schedule: SpeedSchedule;
  /** Wall milliseconds that a simulated duration from now takes (across the schedule's segments). */
  toWallMs(simMs: number): number;
  /** Simulated milliseconds that pass in a wall duration from now. */
  toSimMs(wallMs: number): number;
}

export interface SimClockOptions {
  /** Simulated instant at creation, epoch ms (default: the wall clock's now). */
  readonly start?: number;
  /** Default 1. Ignored when `schedule` is given. */
  readonly speed?: number;
  /** Speed over sim time (sim instants, epoch ms); default the constant `speed`. */
  readonly schedule?: SpeedSchedule;
  /** Wall time source in ms, monotonic; injectable for tests. */
  readonly wallNow?: () => number;
  /** Stand at `start` until `release()`: the load, not the set-up, starts the schedule. */
  readonly held?: boolean;
}

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new RangeError(`clock speed must be a finite number > 0, got ${String(speed)}`);
  }
  return speed;
}

abstract class BaseClock implements Clock {
  constructor(readonly schedule: SpeedSchedule) {}
  abstract now(): number;
  get speed(): number {
    return this.schedule.isConstant ? this.schedule.segments[0]!.speed : this.schedule.speedAt(this.now());
  }
  toWallMs(simMs: number): number {
    const now = this.now();
    return this.schedule.wallBetween(now, now + simMs);
  }
  toSimMs(wallMs: number): number {
    const now = this.now();
    return this.schedule.simAfter(now, wallMs) - now;
  }
}

function scheduleOf(speed: number | SpeedSchedule | undefined): SpeedSchedule {
  return speed instanceof SpeedSchedule ? speed : SpeedSchedule.constant(checkSpeed(speed ?? 1));
}

/** A clock that runs `speed` times faster than the wall clock from `start` (or along its schedule). */
export class SimClock extends BaseClock {
  readonly start: number;
  readonly #wallNow: () => number;
  #wallStart: number;
  #held: boolean;

  constructor(options: SimClockOptions = {}) {
    super(scheduleOf(options.schedule ?? options.speed));
    this.#held = options.held ?? false;
    this.start = options.start ?? Date.now();
    if (!Number.isFinite(this.start)) throw new RangeError('clock start must be a valid instant');
    this.#wallNow = options.wallNow ?? (() => performance.now());
    this.#wallStart = this.#wallNow();
  }

  now(): number {
    if (this.#held) return this.start;
    return this.schedule.simAfter(this.start, this.#wallNow() - this.#wallStart);
  }

  /** Starts a held clock now (its `start` is now); nothing for a running one. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#wallStart = this.#wallNow();
  }
}

/**
 * A clock that never shows a time past its persisted horizon, so that after a crash it can resume
 * no earlier than anything it has answered. Its owner persists a horizon ahead of the inner clock
 * (say `speed` × 2 wall s) and then calls `extendTo`; `now()` is the inner clock's time, held at the
 * horizon if persistence falls behind (a blocked event loop, a full disk): the clock then stands
 * still rather than run past what a restart would resume from. Never runs back.
 */
export class HorizonClock extends BaseClock {
  readonly #inner: Clock;
  #horizon: number;
  #last = Number.NEGATIVE_INFINITY;

  /** `horizon`: an instant already persisted (the resume point), at or after the inner clock's now. */
  constructor(inner: Clock, horizon: number) {
    super(inner.schedule);
    if (!Number.isFinite(horizon)) throw new RangeError('clock horizon must be a valid instant');
    this.#inner = inner;
    this.#horizon = horizon;
  }

  now(): number {
    const t = Math.min(this.#inner.now(), this.#horizon);
    if (t > this.#last) this.#last = t;
    return this.#last;
  }

  /** The persisted horizon: no answer can carry a later time. */
  get horizon(): number {
    return this.#horizon;
  }

  /** The instant the owner should persist next: the inner clock's now plus `aheadSimMs`. */
  nextHorizon(aheadSimMs: number): number {
    return Math.max(this.#horizon, this.#inner.now() + aheadSimMs);
  }

  /** The instant `aheadWallMs` of wall time past the inner clock's now, along the schedule. */
  nextHorizonWall(aheadWallMs: number): number {
    return Math.max(this.#horizon, this.#inner.now() + this.#inner.toSimMs(aheadWallMs));
  }

  /** Call once `horizon` is durably persisted; a lower one is ignored. */
  extendTo(horizon: number): void {
    if (horizon > this.#horizon) this.#horizon = horizon;
  }
}

/** A clock that moves only when told to; for tests. `speed` still converts durations. */
export class ManualClock extends BaseClock {
  #now: number;

  constructor(start: number | Date | string = Date.UTC(2026, 0, 1), speed: number | SpeedSchedule = 1) {
    super(scheduleOf(speed));
    this.#now = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.#now)) throw new RangeError('clock start must be a valid instant');
  }

  now(): number {
    return this.#now;
  }

  advance(simMs: number): number {
    if (!(simMs >= 0)) throw new RangeError('a clock only moves forward');
    this.#now += simMs;
    return this.#now;
  }

  set(instant: number | Date | string): void {
    const t = typeof instant === 'number' ? instant : new Date(instant).getTime();
    if (!(t >= this.#now)) throw new RangeError('a clock only moves forward');
    this.#now = t;
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
