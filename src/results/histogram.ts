import * as hdr from 'hdr-histogram-js';

/** The generated k6 script's summaryTrendStats, the keys of every trend the engine reports. */
export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'] as const;
export type TrendStat = (typeof TREND_STATS)[number];
export type TrendValues = Record<TrendStat, number>;

/** Microsecond resolution: HDR stores integers, latencies are fractional ms. */
const US_PER_MS = 1000;

/**
 * The engine's one latency histogram: HDR (3 significant digits, so a percentile is within 0.1 %)
 * for percentiles, plus exact count, sum, min and max (k6 reports those exactly).
 */
export class LatencyHistogram {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60 * 60 * US_PER_MS * 1000, numberOfSignificantValueDigits: 3, autoResize: true });
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  get count(): number {
    return this.#count;
  }

  recordMs(ms: number): void {
    const v = ms > 0 ? ms : 0;
    // HDR cannot hold 0; a sub-microsecond value is recorded as 1 µs (the exact stats keep the truth).
    this.#h.recordValue(Math.max(1, Math.round(v * US_PER_MS)));
    this.#count++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  add(other: LatencyHistogram): void {
    if (other.#count === 0) return;
    this.#h.add(other.#h);
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  /** The value at a percentile (0–100), ms; 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    if (p >= 100) return this.#max;
    // HDR answers the highest value equivalent to the bucket; never above the exact max.
    return Math.min(this.#h.getValueAtPercentile(p) / US_PER_MS, this.#max);
  }

  /** The value at rank r (1..count) of the sorted sample, ms (to HDR's 0.1 %). */
  atRank(r: number): number {
    if (this.#count === 0) return 0;
    if (r >= this.#count) return this.#max;
    if (r <= 1) return this.#min;
    return this.percentile((100 * r) / this.#count);
  }

  /** How many values are above ms (to HDR's 0.1 %), by bisection over the ranks. */
  countAbove(ms: number): number {
    const n = this.#count;
    if (n === 0 || this.#max <= ms) return 0;
    if (this.#min > ms) return n;
    let lo = 1; // atRank(lo) <= ms
    let hi = n; // atRank(hi) > ms
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.atRank(mid) <= ms) lo = mid;
      else hi = mid;
    }
    return n - lo;
  }

  mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /** k6's trend values (avg, min, med, max, p(90), p(95), p(99), p(99.9) in ms, and count); zeros when empty. */
  trend(): TrendValues {
    const empty = this.#count === 0;
    return {
      avg: this.mean(), min: empty ? 0 : this.#min, med: this.percentile(50), max: this.#max,
      'p(90)': this.percentile(90), 'p(95)': this.percentile(95), 'p(99)': this.percentile(99), 'p(99.9)': this.percentile(99.9), count: this.#count,
    };
  }

  /** The stored form (EncodedHistogram in src/run/summary.ts): merges and percentiles stay exact after decoding. */
  encode(): { hdr: string; count: number; sum: number; min: number; max: number } {
    return { hdr: hdr.encodeIntoCompressedBase64(this.#h), count: this.#count, sum: this.#sum, min: this.#count === 0 ? 0 : this.#min, max: this.#max };
  }

  static decode(e: { readonly hdr: string; readonly count: number; readonly sum: number; readonly min: number; readonly max: number }): LatencyHistogram {
    const out = new LatencyHistogram();
    if (e.count === 0) return out;
    out.#h.add(hdr.decodeFromCompressedBase64(e.hdr));
    out.#count = e.count;
    out.#sum = e.sum;
    out.#min = e.min;
    out.#max = e.max;
    return out;
  }

  reset(): void {
    this.#h.reset();
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = 0;
  }
}
