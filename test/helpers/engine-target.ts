import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stall as it really happened on the target (performance.now() instants). */
export interface Stall {
  readonly start: number;
  readonly end: number;
}

export interface StallSchedule {
  /** Offset of the first stall from `from`, ms. */
  readonly firstMs: number;
  readonly periodMs: number;
  readonly stallMs: number;
  readonly count: number;
}

/**
 * A target whose latency is known exactly: every request is answered `serviceMs` after it
 * arrives, except during a stall, when arrivals are held and answered `serviceMs` after the stall
 * ends. Stalls are driven by timers and their real start and end are recorded, so the correct
 * latency of any send time follows from them. Runs in the test's process (one clock for both sides).
 */
export interface StallTarget {
  readonly url: string;
  readonly serviceMs: number;
  /** The stalls of the last schedule, as they happened. */
  readonly stalls: Stall[];
  /** Arms a stall schedule from `from` (a performance.now() instant); resolves when the last stall has ended. */
  schedule(from: number, s: StallSchedule): Promise<void>;
  close(): Promise<void>;
}

export async function startStallTarget(serviceMs: number): Promise<StallTarget> {
  let held: (() => void)[] | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    const answer = (): void => later(() => res.end('ok'), serviceMs);
    if (held) held.push(answer);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stalls: Stall[] = [];
  return {
    url: `http://127.0.0.1:${port}`,
    serviceMs,
    stalls,
    schedule(from, s) {
      stalls.length = 0;
      return new Promise<void>((resolve) => {
        for (let k = 0; k < s.count; k++) {
          later(
            () => {
              const start = performance.now();
              held = [];
              later(() => {
                const release = held ?? [];
                held = undefined;
                stalls.push({ start, end: performance.now() });
                for (const a of release) a();
                if (stalls.length === s.count) resolve();
              }, s.stallMs);
            },
            from + s.firstMs + k * s.periodMs - performance.now(),
          );
        }
      });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The correct latency of a request meant to go out at `t`: the service time, plus what is left of a stall it lands in. */
export function expectedLatency(t: number, serviceMs: number, stalls: readonly Stall[]): number {
  for (const s of stalls) if (t >= s.start && t < s.end) return s.end - t + serviceMs;
  return serviceMs;
}

/** The value at percentile p of a sample, as HDR defines it: the smallest value with at least p % of the sample at or below it. */
export function exactPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
