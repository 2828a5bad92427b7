import { SimClock, SpeedSchedule, type Clock } from '../clock/index.ts';
import type { IterationContext } from './load-plan.ts';

/**
 * k6's setup(): reads the target's sim clock from GET /status (`now`, `speed`, and the speed
 * `schedule` when it runs on one) so that AanmaakDatum lies near the mock's now and think times are
 * paid at the speed there. A target without /status is taken to run on the wall clock (undefined).
 */
export async function readSimClock(ctx: IterationContext): Promise<Clock | undefined> {
  // A service of one's own need not have /status: its 404 is an answer, not a failed request.
  const res = await ctx.request(
    { service: 'ops', flow: 'setup' },
    { method: 'GET', path: '/status' },
    { expectedStatus: (s) => (s >= 200 && s < 400) || s === 404 },
  );
  if (res.status === 200) {
    try {
      const body = JSON.parse(res.body) as { now?: unknown; speed?: unknown; schedule?: unknown };
      const start = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
      const speed = Number(body.speed);
      const schedule =
        SpeedSchedule.fromJSON(body.schedule) ??
        SpeedSchedule.constant(speed > 0 && Number.isFinite(speed) ? speed : 1);
      if (Number.isFinite(start)) return new SimClock({ start, schedule });
    } catch {
      // Not the mock's /status: fall through to the wall clock, as the k6 script does.
    }
  }
  return undefined;
}
