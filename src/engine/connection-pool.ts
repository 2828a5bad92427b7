import { Client, type Dispatcher } from 'undici';

export interface ConnectionPoolOptions {
  /** Keep-alive connections at most. */
  readonly connections: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining; 1: none). */
  readonly pipelining: number;
  readonly keepAliveTimeout: number;
  /** Connections being opened at once at most (MAX_OPENING). */
  readonly maxOpening?: number;
  /**
   * A GET a new connection sends before it carries any request of ours (see the class comment);
   * any answer will do. Absent: a new connection carries the request that opened it.
   */
  readonly probe?: { readonly path: string; readonly timeoutMs: number };
  /** undici's connect options (TLS). */
  readonly connect?: Record<string, unknown>;
}

/**
 * Connections being opened at once: with a probe, until it is answered; without one, until undici's
 * 'connect'. The peak-day replay needs about 2,000 connections within a second of its evening step
 * (DigiD's 381 ms mean service time × 5,000 wall iterations/s); opened in one burst against a mock
 * listening with Node's default backlog of 511 they overflowed its accept queue (53,688
 * ListenOverflows in a 25 s slice), each overflowing SYN retried after 1, 3, 7, 15 s: p99 32 s, 72 %
 * of the iterations dropped. Half that backlog at once cannot overflow it; the mock listens with a
 * backlog of 4,096 (MOCK_LISTEN_BACKLOG).
 */
const MAX_OPENING = 256;

interface Waiting {
  readonly opts: Dispatcher.DispatchOptions;
  readonly handler: Dispatcher.DispatchHandler;
}

/**
 * Keep-alive connections (undici Clients) with a free list: a request takes an idle connection in
 * O(1), or waits in a FIFO for the next one to come free while new ones are opened for the waiting
 * (under `connections`, at most MAX_OPENING at once). undici's Pool scans its clients for a free
 * one on every dispatch, twice: with 2,000 busy connections that was 35 µs a request (1.2 s of a
 * 25 s slice's profile), a quarter of a core at the peak's 6,000 requests/s.
 *
 * The probe: a request written to a connection the server has not accepted waits in its accept
 * queue, and a busy Node server accepts one connection per turn of its event loop (libuv 1.45, in
 * Node 20: "don't accept() connections in a loop"), while it serves the connections it has on every
 * turn. On loopback the kernel completes the handshake for the server, so undici's 'connect' says
 * nothing of that. When the office-hours slice (10:00–11:00 at 1,800/s) slowed down, this pool
 * opened a connection for each extra iteration in flight, with that iteration's request on it:
 * 3,000 connections waited in the mock's accept queue for 20 s, accepted 2 to 4 a second (turns of
 * 0.3–1 s), their requests answered after 25 s (the whole day's after the 60 s timeout) while they
 * held the engine's in-flight bound full. A probe answered proves the connection accepted: only
 * then does it carry a request, and until then every request waits in the FIFO, taken by whichever
 * connection comes free first. The same slice with the machine's cores taken by other work for 15 s:
 * 3,300 connections in the accept queue and presentation p99.9 12–14 s before; at most 255 probes
 * there and p99.9 2.1–2.6 s with them. A connection whose socket closed (the server's keep-alive timeout,
 * an error) leaves the pool, since undici would open it again by itself for its next request,
 * unprobed.
 */
export class ConnectionPool {
  readonly #origin: string;
  readonly #opts: ConnectionPoolOptions;
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  readonly #broken = new Set<Client>();
  /** Connections being opened (see MAX_OPENING). */
  readonly #opening = new Set<Client>();
  /** Requests in flight per connection (pipelining > 1 lets a connection take more than one). */
  readonly #load = new Map<Client, number>();
  #waiting: Waiting[] = [];
  #head = 0;
  #closed = false;
  /** The probe, until a target shows it keeps no connection open after an answer. */
  #probe: ConnectionPoolOptions['probe'];

  constructor(origin: string, opts: ConnectionPoolOptions) {
    this.#origin = origin;
    this.#opts = opts;
    this.#probe = opts.probe;
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
    if (c) {
      this.#run(c, opts, handler);
      return;
    }
    this.#waiting.push({ opts, handler });
    this.#grow();
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
    this.#opening.clear();
  }

  #canOpen(): boolean {
    return this.#all.size < this.#opts.connections && this.#opening.size < (this.#opts.maxOpening ?? MAX_OPENING);
  }

  #take(): Client | undefined {
    const idle = this.#idle.pop();
    if (idle) return idle;
    // Without a probe a new connection carries the request that opened it.
    if (this.#probe === undefined && this.#canOpen()) {
      const c = this.#open();
      // Opened once undici has connected it (or could not).
      const opened = (): void => {
        if (this.#opening.delete(c)) this.#pump();
      };
      c.once('connect', opened);
      c.once('connectionError', opened);
      return c;
    }
    return undefined;
  }

  /** With a probe: opens connections for the waiting requests, no more than there are (each probed before it serves one). */
  #grow(): void {
    const probe = this.#probe;
    if (probe === undefined || this.#closed) return;
    while (this.#opening.size < this.waiting && this.#canOpen()) this.#probeNew(this.#open(), probe);
  }

  #open(): Client {
    const c = new Client(this.#origin, {
      pipelining: this.#opts.pipelining,
      keepAliveTimeout: this.#opts.keepAliveTimeout,
      ...(this.#opts.connect !== undefined ? { connect: this.#opts.connect } : {}),
    });
    this.#opening.add(c);
    // A connection that could not be made is dropped, not reused (as undici's Pool does); so is one
    // whose socket closed. A request of ours on it has failed by then (undici fails it first).
    const drop = (): void => {
      if (!this.#all.has(c)) return;
      this.#broken.add(c);
      // Outside undici's event, which goes on with the client after it (as release() does).
      queueMicrotask(() => {
        if ((this.#load.get(c) ?? 0) === 0) this.#remove(c);
      });
    };
    c.on('connectionError', drop);
    c.on('disconnect', drop);
    this.#all.add(c);
    this.#load.set(c, 0);
    return c;
  }

  /** The probe's GET on a new connection; answered, the connection serves the waiting. */
  #probeNew(c: Client, probe: NonNullable<ConnectionPoolOptions['probe']>): void {
    this.#load.set(c, 1);
    let done = false;
    const answered = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      queueMicrotask(() => {
        this.#opening.delete(c);
        this.#load.set(c, 0);
        if (err !== undefined) {
          // No connection (refused, reset, timed out): the first waiting request fails with it, as
          // it would have carried on the connection, and is not sent; otherwise a target that is
          // down would be probed again and again while its requests waited for their timeouts.
          this.#shift()?.handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, err);
          this.#remove(c);
          return;
        }
        // Closed with its answer: the target keeps no connection open (Connection: close), so a
        // probe would cost a connection per request and prove nothing; requests open their own.
        if (!this.#live(c)) {
          this.#probe = undefined;
          this.#remove(c);
          return;
        }
        this.#idle.push(c);
        this.#pump();
      });
    };
    c.dispatch(
      { method: 'GET', path: probe.path, headersTimeout: probe.timeoutMs, bodyTimeout: probe.timeoutMs },
      {
        // undici tells its handler API apart by these; the answer itself is not read.
        onRequestStart: () => undefined,
        onResponseStart: () => undefined,
        onResponseData: () => undefined,
        onResponseEnd: () => answered(undefined),
        onResponseError: (_ctl, err) => answered(err),
      },
    );
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
    if (!this.#live(c)) {
      this.#broken.add(c);
      if (load === 0) this.#remove(c);
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

  /**
   * Whether a connection can take the next request as it is: not failed, and its socket still open.
   * A socket closed with the answer (Connection: close, Keep-Alive: timeout=0) goes before undici's
   * 'disconnect', and undici would open a new one for the next request by itself, unprobed.
   */
  #live(c: Client): boolean {
    return !c.destroyed && !c.closed && !this.#broken.has(c) && c.stats.connected;
  }

  /** Takes a connection out of the pool for good (no request of ours left on it). */
  #remove(c: Client): void {
    if (!this.#all.delete(c)) return;
    this.#load.delete(c);
    this.#broken.delete(c);
    this.#opening.delete(c);
    const i = this.#idle.lastIndexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    void c.destroy().catch(() => undefined);
    this.#pump();
  }

  /** Starts waiting requests while connections can be had, and opens more for the rest. */
  #pump(): void {
    if (this.#closed) return;
    while (this.waiting > 0) {
      const c = this.#take();
      if (!c) break;
      const next = this.#shift()!;
      this.#run(c, next.opts, next.handler);
    }
    this.#grow();
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
