/**
 * A rate plan in wall time, k6 ramping-arrival-rate style: the rate starts at `startRate` and moves
 * linearly to each stage's `target` over its duration (iterations per second).
 */
export interface RateProfile {
  readonly startRate: number;
  readonly stages: readonly { readonly target: number; readonly durationMs: number }[];
}

interface Segment {
  readonly start: number;
  readonly duration: number;
  /** Rates at the start and end, per ms. */
  readonly r0: number;
  readonly r1: number;
  /** Arrivals before the segment (the cumulative count, fractional). */
  readonly c0: number;
  readonly count: number;
}

/** Float slack so that exactly 4000.0 arrivals in 10 s at 400/s do not become 4001. */
const EPS = 1e-9;

/**
 * The intended start times of an open-model flow: arrival i is due when the integral of the rate
 * reaches i (i = 0, 1, …), so the iterations follow the rate exactly, whatever the target does.
 * Offsets are wall ms from the start of the load.
 */
export class ArrivalSchedule {
  readonly #segments: Segment[] = [];
  readonly durationMs: number;
  /** How many arrivals the whole plan holds. */
  readonly total: number;
  #i = 0;
  #seg = 0;

  constructor(profile: RateProfile) {
    let start = 0;
    let c = 0;
    let rate = profile.startRate / 1000;
    for (const s of profile.stages) {
      const r1 = s.target / 1000;
      if (s.durationMs > 0) {
        const count = ((rate + r1) / 2) * s.durationMs;
        this.#segments.push({ start, duration: s.durationMs, r0: rate, r1, c0: c, count });
        c += count;
        start += s.durationMs;
      }
      rate = r1;
    }
    this.durationMs = start;
    this.total = Math.max(0, Math.ceil(c - EPS));
  }

  /** Arrivals handed out or skipped so far. */
  get index(): number {
    return this.#i;
  }

  /** Offset (ms) of the next arrival without taking it; undefined when the plan is done. */
  peek(): number | undefined {
    if (this.#i >= this.total) return undefined;
    const n = this.#i;
    while (this.#seg < this.#segments.length - 1) {
      const s = this.#segments[this.#seg]!;
      if (n < s.c0 + s.count - EPS) break;
      this.#seg++;
    }
    const s = this.#segments[this.#seg]!;
    const d = Math.max(0, n - s.c0);
    const k = (s.r1 - s.r0) / (2 * s.duration);
    // Solves r0·t + k·t² = d in the form that stays exact when k → 0 or r0 = 0.
    const root = Math.sqrt(Math.max(0, s.r0 * s.r0 + 4 * k * d));
    const denom = s.r0 + root;
    const t = denom > 0 ? (2 * d) / denom : 0;
    return Math.min(s.start + t, this.durationMs);
  }

  /** Takes the next arrival. */
  next(): number | undefined {
    const t = this.peek();
    if (t !== undefined) this.#i++;
    return t;
  }

  /** Arrivals the plan intends before `offsetMs` (fractional count, the integral of the rate). */
  cumulative(offsetMs: number): number {
    if (offsetMs <= 0) return 0;
    for (const s of this.#segments) {
      if (offsetMs < s.start + s.duration) {
        const t = offsetMs - s.start;
        return s.c0 + s.r0 * t + ((s.r1 - s.r0) / (2 * s.duration)) * t * t;
      }
    }
    const last = this.#segments[this.#segments.length - 1];
    return last ? last.c0 + last.count : 0;
  }

  /** The rate the plan asks for at `offsetMs`, per second (0 outside the plan). */
  rateAt(offsetMs: number): number {
    for (const s of this.#segments) {
      if (offsetMs >= s.start && offsetMs < s.start + s.duration)
        return (s.r0 + ((s.r1 - s.r0) * (offsetMs - s.start)) / s.duration) * 1000;
    }
    return 0;
  }

  /** Skips every remaining arrival due before `offsetMs` (they are dropped); returns how many. */
  skipBefore(offsetMs: number): number {
    const upTo = Math.min(this.total, Math.ceil(this.cumulative(offsetMs) - EPS));
    const n = Math.max(0, upTo - this.#i);
    this.#i += n;
    return n;
  }
}
