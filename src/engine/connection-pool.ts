import { Client, type Dispatcher } from 'undici';

export interface ConnectionPoolOptions {
  /** Keep-alive connections at most. */
  readonly connections: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining; 1: none). */
  readonly pipelining: number;
  readonly keepAliveTimeout: number;
  /** Connections being opened at once at most (see the class comment). */
  readonly maxConnecting?: number;
  /** undici's connect options (TLS). */
  readonly connect?: Record<string, unknown>;
}

/**
 * Connections opened at once. The peak-day replay needs about 2,000 connections within a second of
 * its evening step (DigiD's 381 ms mean service time × 5,000 wall iterations/s); opened in one
 * burst against a mock listening with Node's default backlog of 511 they overflowed its accept
 * queue (53,688 ListenOverflows in a 25 s slice), each overflowing SYN retried after 1, 3, 7, 15 s:
 * p99 32 s, 72 % of the iterations dropped. Half that backlog at once cannot overflow it; the
 * mock listens with a backlog of 4,096 (MOCK_LISTEN_BACKLOG).
 */
const MAX_CONNECTING = 256;

interface Waiting {
  readonly opts: Dispatcher.DispatchOptions;
  readonly handler: Dispatcher.DispatchHandler;
}

/**
 * Keep-alive connections (undici Clients) with a free list: a request takes an idle connection in
 * O(1), opens a new one while under `connections` (at most MAX_CONNECTING at once), or waits in a
 * FIFO for the next one to come free. undici's Pool scans its clients for a free one on every
 * dispatch, twice: with 2,000 busy connections that was 35 µs a request (1.2 s of a 25 s slice's
 * profile), a quarter of a core at the peak's 6,000 requests/s.
 */
export class ConnectionPool {
  readonly #origin: string;
  readonly #opts: ConnectionPoolOptions;
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  readonly #broken = new Set<Client>();
  /** Requests in flight per connection (pipelining > 1 lets a connection take more than one). */
  readonly #load = new Map<Client, number>();
  #waiting: Waiting[] = [];
  #head = 0;
  #connecting = 0;
  #closed = false;

  constructor(origin: string, opts: ConnectionPoolOptions) {
    this.#origin = origin;
    this.#opts = opts;
  }

  /** Connections open or being opened. */
  get size(): number {
    return this.#all.size;
  }

  /** Requests waiting for a connection. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.#closed) {
      handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, new Error('client closed'));
      return;
    }
    const c = this.#take();
    if (c) this.#run(c, opts, handler);
    else this.#waiting.push({ opts, handler });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const waiting = this.#waiting.slice(this.#head);
    this.#waiting = [];
    this.#head = 0;
    for (const w of waiting)
      w.handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, new Error('client closed'));
    await Promise.all([...this.#all].map((c) => c.close().catch(() => undefined)));
    this.#all.clear();
    this.#idle.length = 0;
  }

  #take(): Client | undefined {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < this.#opts.connections && this.#connecting < (this.#opts.maxConnecting ?? MAX_CONNECTING))
      return this.#open();
    return undefined;
  }

  #open(): Client {
    const c = new Client(this.#origin, {
      pipelining: this.#opts.pipelining,
      keepAliveTimeout: this.#opts.keepAliveTimeout,
      ...(this.#opts.connect !== undefined ? { connect: this.#opts.connect } : {}),
    });
    this.#connecting++;
    let opening = true;
    const opened = (): void => {
      if (!opening) return;
      opening = false;
      this.#connecting--;
      // The connect slot is free: a waiting request may open the next connection.
      this.#pump();
    };
    c.once('connect', opened);
    c.once('connectionError', opened);
    // A connection that could not be made is dropped, not reused (as undici's Pool does).
    c.on('connectionError', () => this.#broken.add(c));
    this.#all.add(c);
    this.#load.set(c, 0);
    return c;
  }

  #run(c: Client, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    const load = (this.#load.get(c) ?? 0) + 1;
    this.#load.set(c, load);
    // Pipelining: a connection with room for more stays on the free list.
    if (load < this.#opts.pipelining) this.#idle.push(c);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      // Never re-entrant: a request dispatched to the connection from inside undici's own error
      // handling (a failed connect failing its queue) trips its assertion that the queue is empty.
      queueMicrotask(() => this.#release(c));
    };
    c.dispatch(opts, {
      onRequestStart: (ctl, ctx: unknown) => handler.onRequestStart?.(ctl, ctx),
      onResponseStart: (ctl, status, headers, message) => handler.onResponseStart?.(ctl, status, headers, message),
      onResponseData: (ctl, chunk) => handler.onResponseData?.(ctl, chunk),
      onResponseEnd: (ctl, trailers) => {
        release();
        handler.onResponseEnd?.(ctl, trailers);
      },
      onResponseError: (ctl, err) => {
        release();
        handler.onResponseError?.(ctl, err);
      },
    });
  }

  #release(c: Client): void {
    const load = (this.#load.get(c) ?? 1) - 1;
    this.#load.set(c, load);
    if (this.#closed) return;
    if (c.destroyed || c.closed || this.#broken.has(c)) {
      if (load > 0) return;
      this.#all.delete(c);
      this.#load.delete(c);
      this.#broken.delete(c);
      const i = this.#idle.indexOf(c);
      if (i >= 0) this.#idle.splice(i, 1);
      void c.destroy().catch(() => undefined);
      this.#pump();
      return;
    }
    const next = this.#shift();
    if (next) {
      this.#run(c, next.opts, next.handler);
      return;
    }
    // With pipelining the connection may already be on the free list (it had room left).
    if (load + 1 >= this.#opts.pipelining) this.#idle.push(c);
  }

  /** Starts waiting requests while connections can be had. */
  #pump(): void {
    while (this.waiting > 0) {
      const c = this.#take();
      if (!c) return;
      const next = this.#shift()!;
      this.#run(c, next.opts, next.handler);
    }
  }

  #shift(): Waiting | undefined {
    if (this.#head >= this.#waiting.length) return undefined;
    const w = this.#waiting[this.#head]!;
    this.#waiting[this.#head++] = undefined as unknown as Waiting;
    // Compacts now and then so the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return w;
  }
}
