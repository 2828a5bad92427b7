import { MINUTE } from '../../clock/index.ts';

export interface MinuteSummary {
  readonly minutes: number;
  readonly requests: number;
  /** Mean latency over all requests, ms. */
  readonly meanMs: number;
  /** Share (0..100) of minutes whose mean latency is within `limitMs`. */
  readonly withinPercent: number;
}

/**
 * Request count and latency sum per sim minute, for norms read as "processed on average within
 * 4 s, for 99.5 %" (of the minutes). Bounded: keeps the last `maxMinutes` minutes.
 */
export class MinuteStats {
  readonly #byMinute = new Map<number, { n: number; sum: number }>();

  constructor(readonly maxMinutes = 60 * 24 * 7) {}

  record(t: number, latencyMs: number): void {
    const key = Math.floor(t / MINUTE);
    let m = this.#byMinute.get(key);
    if (!m) {
      m = { n: 0, sum: 0 };
      this.#byMinute.set(key, m);
      if (this.#byMinute.size > this.maxMinutes) {
        const oldest = this.#byMinute.keys().next().value;
        if (oldest !== undefined) this.#byMinute.delete(oldest);
      }
    }
    m.n += 1;
    m.sum += latencyMs;
  }

  summary(limitMs: number): MinuteSummary {
    let requests = 0;
    let sum = 0;
    let within = 0;
    for (const m of this.#byMinute.values()) {
      requests += m.n;
      sum += m.sum;
      if (m.sum / m.n <= limitMs) within += 1;
    }
    const minutes = this.#byMinute.size;
    return {
      minutes,
      requests,
      meanMs: requests ? sum / requests : 0,
      withinPercent: minutes ? (within / minutes) * 100 : 100,
    };
  }
}
