/**
 * The mock's sim clock as seen from the bench: GET /status reports the sim `now`; with the round
 * trip's midpoint and the known speed the bench can say what the mock's clock reads at any moment
 * (to within half a round trip, i.e. a fraction of a wall millisecond times the speed).
 */
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';

export interface SimClockEstimate {
  readonly speed: number;
  /** Estimated sim epoch ms on the mock right now. */
  now(): number;
  /** Half the best round trip, sim ms: the estimate's uncertainty. */
  readonly uncertaintySimMs: number;
}

/** `dispatcher`: for an https mock with a test CA (an undici Agent with connect.ca). */
export async function calibrateSimClock(
  baseUrl: string,
  speed: number,
  samples = 5,
  dispatcher?: Dispatcher,
): Promise<SimClockEstimate> {
  let best: { rtt: number; mid: number; sim: number } | undefined;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const res = await request(`${baseUrl}/status`, {
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const body = (await res.body.json()) as { now?: string };
    const t1 = performance.now();
    if (res.statusCode !== 200 || typeof body.now !== 'string')
      throw new Error(`GET /status answered ${res.statusCode} without a sim 'now'`);
    const sim = Date.parse(body.now);
    if (best === undefined || t1 - t0 < best.rtt) best = { rtt: t1 - t0, mid: (t0 + t1) / 2, sim };
  }
  const b = best;
  if (b === undefined) throw new Error('no clock sample');
  return {
    speed,
    uncertaintySimMs: (b.rtt / 2) * speed,
    now: () => b.sim + (performance.now() - b.mid) * speed,
  };
}
