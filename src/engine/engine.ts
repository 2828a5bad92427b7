import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { TimelinePoint } from '../results/summary.ts';
import { LatencyHistogram } from '../results/histogram.ts';
import { ArrivalSchedule } from './arrival-schedule.ts';
import type { ClientRequest, HttpClient } from './client.ts';
import { EngineMetrics } from './engine-metrics.ts';
import type { EngineEvents, EnginePhase, EngineProgress, EngineResult } from './engine-events.ts';
import { ENGINE_DEFAULTS, EngineOptionsError, engineOptionIssues, type EngineOptions } from './engine-options.ts';
import { k6Summary } from './k6-summary.ts';
import {
  EngineStopped,
  type FlowResponse,
  type IterationContext,
  type LoadPlan,
  type PlannedFlow,
  type RequestOptions,
  type RequestTags,
} from './load-plan.ts';

/** Iterations started per scheduler turn before it yields to I/O (answers must keep flowing). */
const MAX_STARTS_PER_TURN = 512;
/**
 * Iterations that may wait for a slot. Waiting ones are dropped when their turn comes too late
 * anyway; this only keeps memory bounded when a target hangs with every slot taken.
 */
const MAX_WAITING = 100_000;
/** After a hard stop, how long to wait for cut-off iterations to unwind. */
const HARD_STOP_WAIT_MS = 5_000;

interface FlowState {
  readonly flow: PlannedFlow;
  readonly schedule: ArrivalSchedule;
  /** Offset (ms) of its next arrival; undefined when done. */
  next: number | undefined;
  /** Iterations of this flow waiting in the queue for a slot. */
  waiting: number;
}

/** What an iteration needs from the engine (kept off the public surface). */
interface Core {
  send(it: Iteration, tags: RequestTags, req: ClientRequest, opts?: RequestOptions): Promise<FlowResponse>;
  sleep(it: Iteration, wallMs: number): Promise<void>;
  readonly metrics: EngineMetrics;
}

/** One running iteration: knows when its next request is meant to go out. */
class Iteration implements IterationContext {
  constructor(
    private readonly core: Core,
    public due: number,
  ) {}
  request(tags: RequestTags, req: ClientRequest, opts?: RequestOptions): Promise<FlowResponse> {
    return this.core.send(this, tags, req, opts);
  }
  sleep(wallMs: number): Promise<void> {
    return this.core.sleep(this, wallMs);
  }
  check(ok: boolean): void {
    if (ok) this.core.metrics.checksPassed++;
    else this.core.metrics.checksFailed++;
  }
  add(counter: string, n: number): void {
    this.core.metrics.add(counter, n);
  }
  gauge(name: string, value: number): void {
    this.core.metrics.gauge(name, value);
  }
  lateMs(): number {
    return Math.max(0, performance.now() - this.due);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error
    ? err.cause instanceof Error
      ? `${err.message} (${err.cause.message})`
      : err.message
    : String(err);
}

/**
 * The open-model engine. Every flow's arrivals are due at fixed times from its rate plan, and the
 * scheduler starts them at those times whatever the target does: a slow target means more
 * iterations in flight, not fewer sent. p-queue only caps the iterations in flight (maxInFlight).
 * Latency is measured from the intended send time (no coordinated omission) and, separately, as
 * raw service time. An iteration the engine cannot start within `dropAfterMs` of its time (the
 * engine is overloaded, or every slot is taken) is dropped and counted, like k6's
 * dropped_iterations, instead of being sent late and slowing the run down.
 *
 * Events: `request` (each answer; only built when someone listens), `second` (each wall second:
 * timeline points and progress), `phase`, `finished`. Runs once; bounded by the plan's duration
 * plus `gracefulStopMs` plus a few seconds for a hard stop.
 */
export class NativeEngine extends EventEmitter<EngineEvents> {
  readonly #client: HttpClient;
  readonly #plan: LoadPlan;
  readonly #maxInFlight: number;
  readonly #dropAfterMs: number;
  readonly #gracefulStopMs: number;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #queue: PQueue;
  readonly #flows: FlowState[];
  readonly #hardStop = new AbortController();
  readonly #sleepers = new Set<{ readonly timer: NodeJS.Timeout; readonly reject: (err: Error) => void }>();
  readonly #core: Core;
  readonly #metrics: EngineMetrics;
  #phase: EnginePhase | undefined;
  #ran = false;
  #runStart = 0;
  #t0 = 0;
  #stopRequested = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #started = 0;
  #firstStart = Number.POSITIVE_INFINITY;
  #lastStart = Number.NEGATIVE_INFINITY;
  readonly #timeline: TimelinePoint[] = [];

  constructor(options: EngineOptions) {
    super();
    const issues = engineOptionIssues(options);
    if (issues.length > 0) throw new EngineOptionsError(issues);
    this.#client = options.client;
    this.#plan = options.plan;
    this.#maxInFlight = options.maxInFlight ?? ENGINE_DEFAULTS.maxInFlight;
    this.#dropAfterMs = options.dropAfterMs ?? ENGINE_DEFAULTS.dropAfterMs;
    this.#gracefulStopMs = options.gracefulStopMs ?? ENGINE_DEFAULTS.gracefulStopMs;
    this.#timeoutMs = options.timeoutMs ?? ENGINE_DEFAULTS.timeoutMs;
    this.#signal = options.signal;
    this.#queue = new PQueue({ concurrency: this.#maxInFlight });
    this.#flows = options.plan.flows.map((flow) => {
      const schedule = new ArrivalSchedule(flow.rate);
      return { flow, schedule, next: schedule.peek(), waiting: 0 };
    });
    this.#metrics = new EngineMetrics(options.plan.counters ?? []);
    this.#core = {
      send: (it, tags, req, opts) => this.#send(it, tags, req, opts),
      sleep: (it, ms) => this.#sleep(it, ms),
      metrics: this.#metrics,
    };
  }

  get phase(): EnginePhase | undefined {
    return this.#phase;
  }

  /** Arrivals the plan holds in all. */
  get scheduled(): number {
    return this.#flows.reduce((a, f) => a + f.schedule.total, 0);
  }

  /** Wall ms the plan's arrivals take. */
  get durationMs(): number {
    return Math.max(0, ...this.#flows.map((f) => f.schedule.durationMs));
  }

  /** Stops the run from outside: no new iterations, running ones are cut off; run() still resolves with the summary. */
  stop(): void {
    if (this.#stopRequested) return;
    this.#stopRequested = true;
    this.#abortHard();
    this.#wake?.();
  }

  /** Cuts off running iterations: their requests abort, their sleeps end with EngineStopped. */
  #abortHard(): void {
    this.#hardStop.abort(new EngineStopped());
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.reject(new EngineStopped());
    }
    this.#sleepers.clear();
  }

  async run(): Promise<EngineResult> {
    if (this.#ran) throw new Error('a NativeEngine runs once: make a new one for another run');
    this.#ran = true;
    const onAbort = (): void => this.stop();
    this.#signal?.addEventListener('abort', onAbort, { once: true });
    if (this.#signal?.aborted) this.stop();
    this.#runStart = performance.now();
    this.#metrics.begin(this.#runStart);
    try {
      this.#setPhase('setup');
      if (this.#plan.setup && !this.#stopRequested) {
        try {
          await this.#plan.setup(new Iteration(this.#core, performance.now()));
        } catch (err) {
          if (!(err instanceof EngineStopped)) throw new Error(`setup failed: ${errorMessage(err)}`, { cause: err });
        }
      }
      this.#t0 = performance.now();
      this.#setPhase('running');
      this.#armTicker();
      await this.#schedule();
      let idle = false;
      if (!this.#stopRequested) {
        this.#setPhase('draining');
        idle = await this.#waitIdle(this.#gracefulStopMs);
      }
      if (!idle) {
        this.#setPhase('stopping');
        this.#cutOff();
        await this.#waitIdle(HARD_STOP_WAIT_MS);
      }
      const result = this.#result();
      this.#setPhase('done');
      this.emit('finished', result);
      return result;
    } finally {
      this.#signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.#timer);
      clearImmediate(this.#immediate);
      clearTimeout(this.#ticker);
      this.#wake = undefined;
    }
  }

  #setPhase(phase: EnginePhase): void {
    const previous = this.#phase;
    this.#phase = phase;
    this.emit('phase', { phase, previous, elapsedMs: this.#t0 > 0 ? performance.now() - this.#t0 : 0 });
  }

  /** Starts every arrival at its time; resolves when the plan is done or a stop was asked for. */
  #schedule(): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(this.#timer);
        clearImmediate(this.#immediate);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = finish;
      const turn = (): void => {
        this.#timer = undefined;
        this.#immediate = undefined;
        if (this.#stopRequested) return finish();
        let rel = performance.now() - this.#t0;
        let starts = 0;
        for (;;) {
          let best: FlowState | undefined;
          for (const f of this.#flows)
            if (f.next !== undefined && (best === undefined || f.next < best.next!)) best = f;
          if (best === undefined) return finish();
          const due = best.next!;
          if (due > rel) {
            // Sleeps until the next arrival; the timer's lateness (about a ms) is counted as send lag.
            this.#timer = setTimeout(turn, due - rel);
            return;
          }
          if (rel - due > this.#dropAfterMs) {
            // Too late for these: drop, in one step, every arrival of every flow past the bound.
            for (const f of this.#flows) {
              const n = f.schedule.skipBefore(rel - this.#dropAfterMs);
              if (n > 0) this.#metrics.droppedIterations(f.flow.name, n);
              f.next = f.schedule.peek();
            }
            continue;
          }
          best.schedule.next();
          best.next = best.schedule.peek();
          this.#enqueue(best, this.#t0 + due);
          if (++starts % 32 === 0) {
            rel = performance.now() - this.#t0;
            if (starts >= MAX_STARTS_PER_TURN) {
              this.#immediate = setImmediate(turn);
              return;
            }
          }
        }
      };
      turn();
    });
  }

  #enqueue(f: FlowState, intended: number): void {
    if (this.#queue.size >= MAX_WAITING) {
      this.#metrics.droppedIterations(f.flow.name, 1);
      return;
    }
    f.waiting++;
    void this.#queue.add(() => this.#iterate(f, intended));
  }

  async #iterate(f: FlowState, intended: number): Promise<void> {
    f.waiting--;
    const metrics = this.#metrics;
    const now = performance.now();
    if (this.#hardStop.signal.aborted || now - intended > this.#dropAfterMs) {
      metrics.droppedIterations(f.flow.name, 1);
      return;
    }
    this.#started++;
    if (now < this.#firstStart) this.#firstStart = now;
    if (now > this.#lastStart) this.#lastStart = now;
    try {
      await f.flow.iterate(new Iteration(this.#core, intended));
      metrics.iterationDone(f.flow.name, performance.now() - intended);
    } catch (err) {
      if (err instanceof EngineStopped) metrics.iterationInterrupted(f.flow.name);
      else metrics.iterationFailed(f.flow.name, err);
    }
  }

  async #send(it: Iteration, tags: RequestTags, req: ClientRequest, opts?: RequestOptions): Promise<FlowResponse> {
    const metrics = this.#metrics;
    if (this.#hardStop.signal.aborted) throw new EngineStopped();
    const intended = it.due;
    const sent = performance.now();
    metrics.sendLag.recordMs(sent - intended);
    let res: FlowResponse;
    try {
      res = await this.#client.request({
        ...req,
        timeoutMs: req.timeoutMs ?? this.#timeoutMs,
        signal: this.#hardStop.signal,
      });
    } catch (err) {
      if (this.#hardStop.signal.aborted) throw new EngineStopped();
      res = { status: 0, headers: {}, body: '', serviceMs: performance.now() - sent, error: errorMessage(err) };
    }
    const end = performance.now();
    const failed = res.status === 0 || (opts?.expectedStatus ? !opts.expectedStatus(res.status) : res.status >= 400);
    metrics.request(tags, intended, end, res.serviceMs, failed);
    if (failed) metrics.failedStatus(res.status, res.error, tags.service);
    if (this.listenerCount('request') > 0) {
      this.emit('request', {
        service: tags.service,
        flow: tags.flow,
        status: res.status,
        failed,
        latencyMs: end - intended,
        serviceMs: res.serviceMs,
        ...(res.error !== undefined ? { error: res.error } : {}),
      });
    }
    it.due = end;
    return res;
  }

  async #sleep(it: Iteration, wallMs: number): Promise<void> {
    const ms = Math.max(0, wallMs);
    it.due = performance.now() + ms;
    if (ms === 0) return;
    if (this.#hardStop.signal.aborted) throw new EngineStopped();
    // A plain timer in a set the hard stop ends, not an abort listener per sleep: a thousand burgers
    // thinking at once made EventTarget warn (MaxListenersExceeded) and pay O(n) per removal.
    await new Promise<void>((resolve, reject) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve();
        }, ms),
        reject,
      };
      this.#sleepers.add(sleeper);
    });
    // Timers run on the loop's cached clock and may fire up to a ms early: never send before the due time.
    while (performance.now() < it.due) await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.#hardStop.signal.aborted) throw new EngineStopped();
  }

  /** Resolves true when nothing runs or waits, false when `ms` passed (or a stop was asked for) first. */
  async #waitIdle(ms: number): Promise<boolean> {
    if (this.#queue.size === 0 && this.#queue.pending === 0) return true;
    const timer = new AbortController();
    let stopped: (() => void) | undefined;
    const onStop = new Promise<false>((resolve) => {
      stopped = () => resolve(false);
    });
    if (!this.#hardStop.signal.aborted) this.#wake = stopped;
    try {
      return await Promise.race([
        this.#queue.onIdle().then(() => true),
        delay(ms, false, { signal: timer.signal }).catch(() => false),
        onStop,
      ]);
    } finally {
      timer.abort();
      this.#wake = undefined;
    }
  }

  /** Hard stop: waiting iterations are dropped, running ones cut off (their requests aborted). */
  #cutOff(): void {
    for (const f of this.#flows) {
      if (f.waiting > 0) this.#metrics.droppedIterations(f.flow.name, f.waiting);
      f.waiting = 0;
    }
    this.#queue.clear();
    this.#abortHard();
  }

  #progress(): EngineProgress {
    const m = this.#metrics;
    const rel = performance.now() - this.#t0;
    return {
      elapsedMs: rel,
      durationMs: this.durationMs,
      phase: this.#phase ?? 'setup',
      requests: m.requests,
      failed: m.failed,
      iterations: m.iterations,
      dropped: m.dropped,
      inFlight: this.#queue.pending,
      queued: this.#queue.size,
      targetRate: this.#flows.reduce((a, f) => a + f.schedule.rateAt(rel), 0),
    };
  }

  #emitSeconds(points: readonly TimelinePoint[]): void {
    if (points.length === 0) return;
    this.#timeline.push(...points);
    const progress = this.#progress();
    let from = 0;
    for (let i = 1; i <= points.length; i++) {
      if (i === points.length || points[i]!.t !== points[from]!.t) {
        this.emit('second', { t: points[from]!.t, points: points.slice(from, i), progress });
        from = i;
      }
    }
  }

  /** Ticks just after each whole second of the run (a drifting setInterval would skip or double seconds). */
  #armTicker(): void {
    const now = performance.now();
    const next = this.#runStart + (Math.floor((now - this.#runStart) / 1000) + 1) * 1000 + 1;
    this.#ticker = setTimeout(() => {
      this.#emitSeconds(this.#metrics.flush(Math.floor((performance.now() - this.#runStart) / 1000)));
      this.#armTicker();
    }, next - now);
  }

  #result(): EngineResult {
    const m = this.#metrics;
    clearTimeout(this.#ticker);
    this.#emitSeconds(m.flush(m.lastSecond()));
    const durationMs = performance.now() - this.#runStart;
    const scheduled = this.scheduled;
    const planS = this.durationMs / 1000;
    const windowS = (this.#lastStart - this.#firstStart) / 1000;
    return {
      k6: k6Summary(m, durationMs),
      timeline: this.#timeline,
      histograms: histogramsOf(m),
      failures: {
        byStatus: Object.fromEntries(m.failedByStatus),
        byCode: Object.fromEntries(m.failedByError),
        byFlow: Object.fromEntries(
          m.series().map((x) => [`${x.flow}:${x.service}`, { requests: x.requests, failed: x.failed }]),
        ),
        byService: Object.fromEntries(
          [...m.failedByServiceStatus].map(([service, byStatus]) => [service, Object.fromEntries(byStatus)]),
        ),
      },
      scheduled,
      dropped: m.dropped,
      iterations: m.iterations,
      interrupted: m.interrupted,
      requests: m.requests,
      failed: m.failed,
      askedRate: planS > 0 ? scheduled / planS : 0,
      achievedRate: this.#started > 1 && windowS > 0 ? (this.#started - 1) / windowS : 0,
      sendLag: m.sendLag.trend(),
      durationMs,
      startedAt: this.#t0,
      aborted: this.#stopRequested,
      errors: [...m.errorSamples],
    };
  }
}

/** Every request's latency (from the intended time) per service and per `flow:service`, encoded as runs store them. */
function histogramsOf(m: EngineMetrics): EngineResult['histograms'] {
  const service = new Map<string, LatencyHistogram>();
  const flow: Record<string, ReturnType<LatencyHistogram['encode']>> = {};
  for (const s of m.series()) {
    let h = service.get(s.service);
    if (!h) service.set(s.service, (h = new LatencyHistogram()));
    h.add(s.latency);
    flow[`${s.flow}:${s.service}`] = s.latency.encode();
  }
  return { service: Object.fromEntries([...service.entries()].map(([k, h]) => [k, h.encode()])), flow };
}
