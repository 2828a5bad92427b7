import { serviceTimeSampler, type ServiceTime } from './service-time.ts';

export interface ServerModelOptions {
  /**
   * Requests served at once; the rest queue (FIFO). Read at every arrival and release, so it may
   * be a getter that follows the clock's speed schedule (the capacity model's workers × speed).
   */
  readonly concurrency: number;
  /** Requests that may wait; beyond it the request is refused (the service is saturated). */
  readonly maxQueue: number;
  readonly serviceTime: ServiceTime;
  /** Seeded uint32 PRNG for the service-time draws. */
  readonly next: () => number;
}

export type Served<T> =
  | { readonly ok: true; readonly value: T; readonly queuedMs: number; readonly serviceMs: number }
  | { readonly ok: false; readonly reason: 'queue-full' | 'closed' };

/**
 * A service with `concurrency` workers and a FIFO queue: each request holds a worker for a drawn
 * service time (wall ms), so latency rises smoothly as load nears capacity (queueing) instead of
 * jumping from fine to refused.
 */
export class ServerModel {
  readonly #opts: ServerModelOptions;
  readonly #draw: () => number;
  readonly #waiting: (() => void)[] = [];
  readonly #timers = new Map<NodeJS.Timeout, () => void>();
  #busy = 0;
  #closed = false;

  constructor(opts: ServerModelOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
      throw new RangeError(`concurrency must be an integer >= 1, got ${opts.concurrency}`);
    if (!Number.isInteger(opts.maxQueue) || opts.maxQueue < 0)
      throw new RangeError(`maxQueue must be an integer >= 0, got ${opts.maxQueue}`);
    this.#opts = opts;
    this.#draw = serviceTimeSampler(opts.serviceTime, opts.next);
  }

  get busy(): number {
    return this.#busy;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async serve<T>(work: () => T | Promise<T>): Promise<Served<T>> {
    if (this.#closed) return { ok: false, reason: 'closed' };
    const arrived = performance.now();
    this.#admitWaiters();
    if (this.#busy >= this.#opts.concurrency) {
      if (this.#waiting.length >= this.#opts.maxQueue) return { ok: false, reason: 'queue-full' };
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      if (this.#closed) return { ok: false, reason: 'closed' };
    } else {
      this.#busy += 1;
    }
    // The worker slot is ours here (handed over by release() when we waited).
    const started = performance.now();
    const serviceMs = this.#draw();
    try {
      if (serviceMs > 0) await this.#sleep(serviceMs);
      if (this.#closed) return { ok: false, reason: 'closed' };
      const value = await work();
      return { ok: true, value, queuedMs: started - arrived, serviceMs };
    } finally {
      this.#release();
    }
  }

  /** Stops every timer; waiting and sleeping requests finish as 'closed'. */
  close(): void {
    this.#closed = true;
    for (const [t, wake] of this.#timers) {
      clearTimeout(t);
      wake();
    }
    this.#timers.clear();
    for (const w of this.#waiting.splice(0)) w();
  }

  /** More workers than before (the clock sped up): waiters take the new slots first, in order. */
  #admitWaiters(): void {
    while (this.#busy < this.#opts.concurrency && this.#waiting.length > 0) {
      this.#busy += 1;
      this.#waiting.shift()!();
    }
  }

  #release(): void {
    // Fewer workers than busy (the clock slowed down): the slot goes, nobody takes it over.
    if (this.#busy > this.#opts.concurrency) {
      this.#busy -= 1;
      return;
    }
    const nextWaiter = this.#waiting.shift();
    if (nextWaiter)
      nextWaiter(); // hand the slot over without freeing it
    else this.#busy -= 1;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.set(t, resolve);
    });
  }
}
