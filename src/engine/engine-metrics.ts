import type { TimelinePoint } from '../results/summary.ts';
import { LatencyHistogram } from '../results/histogram.ts';
import type { RequestTags } from './load-plan.ts';

/** The figures of one (service, flow) pair; every summary metric is a merge of these. */
export interface TagSeries {
  readonly service: string;
  readonly flow: string;
  /** From the intended send time (corrected for coordinated omission). */
  readonly latency: LatencyHistogram;
  /** Raw service time: written to answered. */
  readonly serviceTime: LatencyHistogram;
  requests: number;
  failed: number;
}

interface SecondBucket {
  requests: number;
  failed: number;
  readonly latency: LatencyHistogram;
}

/**
 * Everything the engine counts while it runs: latency per (service, flow), counters, checks,
 * iterations, drops, gauges, and per wall second per service the points of the timeline. Seconds are
 * counted from the start of the load by completion time, so a second is final once it has passed.
 */
export class EngineMetrics {
  /** service → flow → series (nested, so recording a request builds no key string). */
  readonly #series = new Map<string, Map<string, TagSeries>>();
  readonly counters = new Map<string, number>();
  /** k6 Gauges: last value, min and max. */
  readonly gauges = new Map<string, { value: number; min: number; max: number }>();
  readonly iterationDuration = new LatencyHistogram();
  readonly sendLag = new LatencyHistogram();
  /** Iterations per flow: completed, interrupted, dropped. */
  readonly perFlow = new Map<string, { iterations: number; interrupted: number; dropped: number }>();
  checksPassed = 0;
  checksFailed = 0;
  requests = 0;
  failed = 0;
  iterations = 0;
  interrupted = 0;
  dropped = 0;
  /** Iterations that threw something other than a stop (a bug in a flow or an unexpected answer). */
  iterationErrors = 0;
  readonly errorSamples: string[] = [];

  readonly #seconds = new Map<number, Map<string, SecondBucket>>();
  readonly #spare: LatencyHistogram[] = [];
  #flushedUpTo = 0;
  #t0 = 0;

  /** `counters`: reported even when nothing was added to them. */
  constructor(counters: readonly string[] = []) {
    for (const c of counters) this.counters.set(c, 0);
  }

  /** Second 0 of the timeline starts here (performance.now() instant). */
  begin(t0: number): void {
    this.#t0 = t0;
  }

  #flow(flow: string): { iterations: number; interrupted: number; dropped: number } {
    let f = this.perFlow.get(flow);
    if (!f) this.perFlow.set(flow, (f = { iterations: 0, interrupted: 0, dropped: 0 }));
    return f;
  }

  /** Failed requests by status ('0': no answer) and by the client's error (the first words of its message). */
  readonly failedByStatus = new Map<string, number>();
  readonly failedByError = new Map<string, number>();
  /** Failed requests per service by status (refusals 429/503 are told from errors by it). */
  readonly failedByServiceStatus = new Map<string, Map<string, number>>();

  failedStatus(status: number, error: string | undefined, service?: string): void {
    this.failedByStatus.set(String(status), (this.failedByStatus.get(String(status)) ?? 0) + 1);
    if (service !== undefined) {
      let m = this.failedByServiceStatus.get(service);
      if (!m) this.failedByServiceStatus.set(service, (m = new Map()));
      m.set(String(status), (m.get(String(status)) ?? 0) + 1);
    }
    if (error !== undefined) {
      const key = error.split(/[:(]/)[0]!.trim().slice(0, 60) || 'error';
      this.failedByError.set(key, (this.failedByError.get(key) ?? 0) + 1);
    }
  }

  /** One answered (or failed) request: intended and end are performance.now() instants. */
  request(tags: RequestTags, intended: number, end: number, serviceMs: number, failed: boolean): void {
    let byFlow = this.#series.get(tags.service);
    if (!byFlow) this.#series.set(tags.service, (byFlow = new Map()));
    let s = byFlow.get(tags.flow);
    if (!s) {
      s = {
        service: tags.service,
        flow: tags.flow,
        latency: new LatencyHistogram(),
        serviceTime: new LatencyHistogram(),
        requests: 0,
        failed: 0,
      };
      byFlow.set(tags.flow, s);
    }
    const latency = end - intended;
    s.latency.recordMs(latency);
    s.serviceTime.recordMs(serviceMs);
    s.requests++;
    this.requests++;
    if (failed) {
      s.failed++;
      this.failed++;
    }
    const second = Math.max(this.#flushedUpTo, Math.floor((end - this.#t0) / 1000));
    let perService = this.#seconds.get(second);
    if (!perService) this.#seconds.set(second, (perService = new Map()));
    let b = perService.get(tags.service);
    if (!b)
      perService.set(
        tags.service,
        (b = { requests: 0, failed: 0, latency: this.#spare.pop() ?? new LatencyHistogram() }),
      );
    b.requests++;
    if (failed) b.failed++;
    b.latency.recordMs(latency);
  }

  /** Every (service, flow) pair seen. */
  series(): TagSeries[] {
    return [...this.#series.values()].flatMap((m) => [...m.values()]);
  }

  iterationDone(flow: string, durationMs: number): void {
    this.iterations++;
    this.#flow(flow).iterations++;
    this.iterationDuration.recordMs(durationMs);
  }

  iterationInterrupted(flow: string): void {
    this.interrupted++;
    this.#flow(flow).interrupted++;
  }

  iterationFailed(flow: string, err: unknown): void {
    this.iterationErrors++;
    this.interrupted++;
    this.#flow(flow).interrupted++;
    if (this.errorSamples.length < 5)
      this.errorSamples.push(`${flow}: ${err instanceof Error ? err.message : String(err)}`);
  }

  droppedIterations(flow: string, n: number): void {
    this.dropped += n;
    this.#flow(flow).dropped += n;
  }

  gauge(name: string, value: number): void {
    const g = this.gauges.get(name);
    if (g) Object.assign(g, { value, min: Math.min(g.min, value), max: Math.max(g.max, value) });
    else this.gauges.set(name, { value, min: value, max: value });
  }

  add(counter: string, n: number): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + n);
  }

  /**
   * The timeline points of every second before `second` not handed out yet: one per service that
   * had requests in it (as the k6 path's timeline: no empty points), sorted by service.
   */
  flush(second: number): TimelinePoint[] {
    const out: TimelinePoint[] = [];
    for (let t = this.#flushedUpTo; t < second; t++) {
      const perService = this.#seconds.get(t);
      if (!perService) continue;
      this.#seconds.delete(t);
      for (const service of [...perService.keys()].sort()) {
        const b = perService.get(service)!;
        out.push({
          t,
          service,
          requests: b.requests,
          failed: b.failed,
          p50: b.latency.percentile(50),
          p95: b.latency.percentile(95),
          p99: b.latency.percentile(99),
          max: b.latency.percentile(100),
        });
        b.latency.reset();
        this.#spare.push(b.latency);
      }
    }
    if (second > this.#flushedUpTo) this.#flushedUpTo = second;
    return out;
  }

  /** The last second with any request (for the final flush), exclusive. */
  lastSecond(): number {
    let last = this.#flushedUpTo;
    for (const s of this.#seconds.keys()) last = Math.max(last, s + 1);
    return last;
  }
}
