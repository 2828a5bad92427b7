/**
 * Paces sending within the afnemer's share of the intake norms, on the target's clock: a token
 * bucket at the hourly rate (so letters are spread over the hour, not sent in a burst at its
 * start), and hard caps per clock hour and calendar day (Europe/Amsterdam, DST-safe) counted in the
 * ledger, so a restarted run does not overshoot a window it had already used.
 */
import { dayKey, hourKey, nextDayStart, nextHourStart, HOUR, type Clock } from '../clock/index.ts';

export interface PacerOptions {
  /** Letters per clock hour this afnemer may offer (share × the norm). */
  readonly perHour: number;
  readonly perDay: number;
  /** Largest single acquisition (a batch), letters; also the bucket's depth. */
  readonly burst: number;
  readonly clock: Clock;
  /** Letters already offered in a window (from the ledger). */
  readonly used: (kind: 'hour' | 'day', key: string) => number;
  /** Waits `wallMs`; resolves early when the run stops. */
  readonly sleep: (wallMs: number) => Promise<void>;
  readonly stopped: () => boolean;
}

export interface Reservation {
  readonly n: number;
  readonly hourKey: string;
  readonly dayKey: string;
}

export class Pacer {
  #tokens: number;
  #tokensAt: number;
  readonly #reserved = new Map<string, number>();
  #queue: Promise<void> = Promise.resolve();
  /** Sim ms the last acquisitions waited in all (for the report). */
  waitedSimMs = 0;

  constructor(private readonly o: PacerOptions) {
    if (!(o.perHour > 0 && o.perDay > 0)) throw new RangeError('perHour and perDay must be > 0');
    if (o.burst > o.perHour || o.burst > o.perDay)
      throw new RangeError(
        `a batch of ${o.burst} letters is more than the share allows per hour (${o.perHour}) or day (${o.perDay}); use a smaller --batch-size`,
      );
    this.#tokens = o.burst;
    this.#tokensAt = o.clock.now();
  }

  /** Letters per sim ms. */
  get rate(): number {
    return this.o.perHour / HOUR;
  }

  /** Waits until `n` letters may be offered now, and reserves them (undefined when the run stopped first). */
  async acquire(n: number): Promise<Reservation | undefined> {
    if (n > this.o.burst) throw new RangeError(`cannot acquire ${n} letters at once (at most ${this.o.burst})`);
    // One acquisition at a time, in order of arrival.
    const previous = this.#queue;
    let done!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous;
    try {
      while (!this.o.stopped()) {
        const t = this.o.clock.now();
        this.#tokens = Math.min(this.o.burst, this.#tokens + Math.max(0, t - this.#tokensAt) * this.rate);
        this.#tokensAt = t;
        const hk = `hour:${hourKey(t)}`;
        const dk = `day:${dayKey(t)}`;
        const hourUsed = this.o.used('hour', hourKey(t)) + (this.#reserved.get(hk) ?? 0);
        const dayUsed = this.o.used('day', dayKey(t)) + (this.#reserved.get(dk) ?? 0);
        let waitSim = 0;
        if (hourUsed + n > this.o.perHour) waitSim = Math.max(waitSim, nextHourStart(t) - t);
        if (dayUsed + n > this.o.perDay) waitSim = Math.max(waitSim, nextDayStart(t) - t);
        if (this.#tokens < n) waitSim = Math.max(waitSim, (n - this.#tokens) / this.rate);
        if (waitSim <= 0) {
          this.#tokens -= n;
          this.#reserved.set(hk, (this.#reserved.get(hk) ?? 0) + n);
          this.#reserved.set(dk, (this.#reserved.get(dk) ?? 0) + n);
          return { n, hourKey: hourKey(t), dayKey: dayKey(t) };
        }
        this.waitedSimMs += waitSim;
        // +1 ms: never wake just before the instant and spin.
        await this.o.sleep(this.o.clock.toWallMs(waitSim) + 1);
      }
      return undefined;
    } finally {
      done();
    }
  }

  /** The reservation is settled: the ledger now counts it (admitted or unknown), or it was not admitted. */
  settle(r: Reservation): void {
    for (const k of [`hour:${r.hourKey}`, `day:${r.dayKey}`]) {
      const left = (this.#reserved.get(k) ?? 0) - r.n;
      if (left > 0) this.#reserved.set(k, left);
      else this.#reserved.delete(k);
    }
  }
}
