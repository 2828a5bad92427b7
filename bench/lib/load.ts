/**
 * Load loops against 127.0.0.1, each bounded in request count and in wall time.
 *
 * - closedLoop: `concurrency` workers send back to back (throughput).
 * - openLoop: constant arrival rate (open model). Request i is due at t0 + i/rate whether or not
 *   earlier ones have come back, and its latency is measured from that intended time, so a stall
 *   of the server (or of this process) shows up in the figures instead of silently delaying the
 *   next sends (no coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { Dispatcher, Pool } from 'undici';

export interface Req {
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** A histogram of latencies in microseconds (3 significant digits). */
export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  recordMs(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const h = this.h;
    const at = (p: number): number => (h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(p) / 1000);
    return {
      count: h.totalCount,
      meanMs: h.totalCount === 0 ? Number.NaN : h.mean / 1000,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: h.totalCount === 0 ? Number.NaN : h.maxValue / 1000,
    };
  }
}

/** What a response counts for: ok or not, and how many units (e.g. letters) it carried. */
export interface Verdict {
  readonly ok: boolean;
  readonly units?: number;
  readonly bytes?: number;
  /** Why it is not ok (kept for the first few). */
  readonly note?: string;
}

export interface ClosedLoopOptions {
  readonly pool: Pool;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** The i-th request (0-based); called just before it is sent. */
  make(i: number): Req;
  /** Classifies a response; default: 2xx is ok. */
  check?(statusCode: number, body: string, i: number): Verdict;
  readonly timeoutMs?: number;
}

export interface ClosedLoopResult {
  readonly requests: number;
  readonly ok: number;
  readonly okUnits: number;
  readonly okBytes: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly samples: readonly string[];
  readonly wallMs: number;
  readonly stoppedBy: 'time' | 'count';
  /** Per-request service time (from send to full response). */
  readonly latency: LatencySummary;
  /** Per second of the run (by completion): ok responses and their units, to see a rate that drifts. */
  readonly timeline: readonly { readonly second: number; readonly ok: number; readonly units: number }[];
}

const SAMPLE_LIMIT = 5;

function defaultCheck(statusCode: number, body: string): Verdict {
  return statusCode >= 200 && statusCode < 300
    ? { ok: true }
    : { ok: false, note: `${statusCode} ${body.slice(0, 300)}` };
}

export async function closedLoop(o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const check = o.check ?? defaultCheck;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const hist = new LatencyHistogram();
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let next = 0;
  let requests = 0;
  let ok = 0;
  let okUnits = 0;
  let okBytes = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  let lastDone = start;
  let stoppedBy: 'time' | 'count' = 'count';
  const timeline: { second: number; ok: number; units: number }[] = [];

  const worker = async (): Promise<void> => {
    for (;;) {
      if (next >= o.maxRequests) return;
      if (performance.now() >= deadline) {
        stoppedBy = 'time';
        return;
      }
      const i = next++;
      const r = o.make(i);
      const t0 = performance.now();
      requests++;
      try {
        const res = await o.pool.request({
          path: r.path,
          method: r.method,
          headers: r.headers ?? {},
          body: r.body ?? null,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await res.body.text();
        const t1 = performance.now();
        lastDone = Math.max(lastDone, t1);
        hist.recordMs(t1 - t0);
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
        const v = check(res.statusCode, text, i);
        if (v.ok) {
          ok++;
          okUnits += v.units ?? 1;
          const second = Math.floor((t1 - start) / 1000);
          while (timeline.length <= second) timeline.push({ second: timeline.length, ok: 0, units: 0 });
          const b = timeline[second];
          if (b) {
            b.ok++;
            b.units += v.units ?? 1;
          }
          okBytes += v.bytes ?? (typeof r.body === 'string' ? Buffer.byteLength(r.body) : (r.body?.length ?? 0));
        } else if (samples.length < SAMPLE_LIMIT) {
          samples.push(v.note ?? `${res.statusCode} ${text.slice(0, 300)}`);
        }
      } catch (err) {
        lastDone = Math.max(lastDone, performance.now());
        errors++;
        statuses['error'] = (statuses['error'] ?? 0) + 1;
        if (samples.length < SAMPLE_LIMIT) samples.push(`error: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, () => worker()));
  return {
    requests,
    ok,
    okUnits,
    okBytes,
    errors,
    statuses,
    samples,
    wallMs: lastDone - start,
    stoppedBy,
    latency: hist.summary(),
    timeline,
  };
}

export interface OpenLoopOptions {
  readonly pool: Pool;
  /** Requests per second. */
  readonly rate: number;
  readonly durationMs: number;
  make(i: number): Req;
  /** Classifies a response; default: 2xx is ok. */
  check?(statusCode: number, body: string, i: number): Verdict;
  /** Wall ms to wait for stragglers after the last intended send; those still out count as timeouts. */
  readonly drainMs?: number;
  readonly timeoutMs?: number;
  /**
   * 'timer' (default) sleeps between sends with setTimeout (about 1 ms of granularity, which shows
   * as send lag and is counted in the latency); 'spin' polls with setImmediate when a send is near
   * (precise, but takes a whole core, which on a small machine the server may need).
   */
  readonly pacing?: 'timer' | 'spin';
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly intended: number;
  readonly completed: number;
  readonly ok: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statuses: Record<string, number>;
  readonly samples: readonly string[];
  /** Completed requests per second over the run. */
  readonly achievedRate: number;
  /** From the intended send time: what a user would see. */
  readonly latency: LatencySummary;
  /** From the moment the request was handed to the client: the service time alone. */
  readonly service: LatencySummary;
  /** How late this process got round to sending (scheduler lag); large values mean the client, not the server, was busy. */
  readonly sendLag: LatencySummary;
  readonly wallMs: number;
  /** Per second of the run (by intended send time): requests and their worst latency, to see whether slow ones cluster. */
  readonly timeline: readonly { readonly second: number; readonly count: number; readonly maxMs: number }[];
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const check = o.check ?? defaultCheck;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const drainMs = o.drainMs ?? 5_000;
  const n = Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
  const interval = 1000 / o.rate;
  const latency = new LatencyHistogram();
  const service = new LatencyHistogram();
  const lag = new LatencyHistogram();
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let completed = 0;
  let ok = 0;
  let errors = 0;
  let inflight = 0;
  const outstanding = new Map<number, number>(); // i → intended time
  let lastDone = 0;
  const t0 = performance.now() + 5;
  const spin = o.pacing === 'spin';
  const seconds = Math.ceil(o.durationMs / 1000) + 1;
  const timeline = Array.from({ length: seconds }, (_, second) => ({ second, count: 0, maxMs: 0 }));
  const mark = (intended: number, latencyMs: number): void => {
    const b = timeline[Math.min(seconds - 1, Math.max(0, Math.floor((intended - t0) / 1000)))];
    if (b) {
      b.count++;
      b.maxMs = Math.max(b.maxMs, latencyMs);
    }
  };

  const fire = (i: number, intended: number): void => {
    const r = o.make(i);
    const sent = performance.now();
    lag.recordMs(sent - intended);
    inflight++;
    outstanding.set(i, intended);
    o.pool
      .request({
        path: r.path,
        method: r.method,
        headers: r.headers ?? {},
        body: r.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      .then(async (res) => {
        const text = await res.body.text();
        return { status: res.statusCode, text };
      })
      .then(
        ({ status, text }) => {
          if (!outstanding.delete(i)) return; // already written off as a timeout
          const done = performance.now();
          lastDone = Math.max(lastDone, done);
          latency.recordMs(done - intended);
          mark(intended, done - intended);
          service.recordMs(done - sent);
          completed++;
          statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
          const v = check(status, text, i);
          if (v.ok) ok++;
          else if (samples.length < SAMPLE_LIMIT) samples.push(v.note ?? `${status} ${text.slice(0, 300)}`);
        },
        (err: unknown) => {
          if (!outstanding.delete(i)) return;
          const done = performance.now();
          lastDone = Math.max(lastDone, done);
          latency.recordMs(done - intended);
          mark(intended, done - intended);
          errors++;
          statuses['error'] = (statuses['error'] ?? 0) + 1;
          if (samples.length < SAMPLE_LIMIT) samples.push(`error: ${(err as Error).message}`);
        },
      )
      .finally(() => {
        inflight--;
      });
  };

  // Send loop: sleep with setTimeout while the next send is far, spin with setImmediate when it is
  // near (setTimeout alone has about a millisecond of jitter, too coarse for a 1 ms interval).
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (i < n && t0 + i * interval <= now) {
        fire(i, t0 + i * interval);
        i++;
      }
      if (i >= n) {
        resolve();
        return;
      }
      const wait = t0 + i * interval - performance.now();
      if (spin && wait <= 2) setImmediate(tick);
      else setTimeout(tick, spin ? wait - 1.5 : Math.max(0, wait));
    };
    tick();
  });

  // Drain, bounded.
  const lastIntended = t0 + (n - 1) * interval;
  const drainDeadline = performance.now() + drainMs;
  while (inflight > 0 && outstanding.size > 0 && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 2));
  }
  let timeouts = 0;
  const now = performance.now();
  for (const intended of outstanding.values()) {
    // Still out: at least this late. Recorded so that the tail cannot look better than it was.
    latency.recordMs(now - intended);
    mark(intended, now - intended);
    timeouts++;
  }
  outstanding.clear();
  if (timeouts > 0) statuses['timeout'] = timeouts;
  const wallMs = Math.max(lastDone, lastIntended) - t0;
  return {
    rate: o.rate,
    intended: n,
    completed,
    ok,
    errors,
    timeouts,
    statuses,
    samples,
    achievedRate: wallMs > 0 ? (completed / wallMs) * 1000 : 0,
    latency: latency.summary(),
    service: service.summary(),
    sendLag: lag.summary(),
    wallMs,
    timeline,
  };
}
