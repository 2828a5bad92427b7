/**
 * The target's clock as rehearse sees it. The mock runs on a sim clock (`GET /status` reports its
 * `now` and `speed`); the norms' hours and days, AanmaakDatum and the pacing all run on it. A
 * target without /status (a real acceptance environment) runs on the wall clock at speed 1.
 * The estimate is a lower bound: the status `now` taken as the target's time at the end of the
 * round trip (it was read before that), advanced at `speed`. A lower bound, because AanmaakDatum
 * is stamped from it and must never lie in the target's future; under load /status can take a
 * second, which at speed 600 would be ten minutes (sim) of error either way. It is refreshed now
 * and then, and after the target was unreachable (a restarted mock may resume at another instant).
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { SimClock, SpeedSchedule, type Clock } from '../clock/index.ts';
import type { HttpClient } from '../engine/client.ts';

const statusSchema = z.object({
  now: z.string(),
  speed: z.number().positive(),
  schedule: z.unknown().optional(),
  intake: z
    .object({
      hourLimit: z.number().optional(),
      dayLimit: z.number().optional(),
      admittedThisHour: z.number().optional(),
      admittedToday: z.number().optional(),
    })
    .partial()
    .optional(),
});

/** What GET /status told about the target. */
export interface TargetStatus {
  readonly now: number;
  readonly speed: number;
  /** The target's speed schedule (GET /status `schedule`); a constant `speed` when it reports none. */
  readonly schedule?: SpeedSchedule;
  readonly hourLimit: number | undefined;
  readonly dayLimit: number | undefined;
}

/** A status and the wall instants its request went out and its answer came back. */
export interface StatusReading {
  readonly status: TargetStatus;
  readonly wallSent: number;
  readonly wallReceived: number;
}

/** GET /status, or undefined when the target has none (or is not answering). */
export async function readStatus(
  client: HttpClient,
  timeoutMs: number,
  wallNow: () => number = () => performance.now(),
): Promise<StatusReading | undefined> {
  const t0 = wallNow();
  let res;
  try {
    res = await client.request({ method: 'GET', path: '/status', timeoutMs });
  } catch {
    return undefined;
  }
  const t1 = wallNow();
  if (res.status !== 200) return undefined;
  let parsed;
  try {
    parsed = statusSchema.safeParse(JSON.parse(res.body));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const now = Date.parse(parsed.data.now);
  if (!Number.isFinite(now)) return undefined;
  return {
    status: {
      now,
      speed: parsed.data.speed,
      ...scheduleField(parsed.data.schedule),
      hourLimit: parsed.data.intake?.hourLimit,
      dayLimit: parsed.data.intake?.dayLimit,
    },
    wallSent: t0,
    wallReceived: t1,
  };
}

function scheduleField(value: unknown): { schedule?: SpeedSchedule } {
  const schedule = SpeedSchedule.fromJSON(value);
  return schedule && !schedule.isConstant ? { schedule } : {};
}

/** A Clock reading the target's time; `update` re-anchors it on a fresh status. */
export class TargetClock implements Clock {
  #anchorSim: number;
  #anchorWall: number;
  #speed: number;
  #source: 'status' | 'local';

  constructor(private readonly wallNow: () => number = () => performance.now()) {
    // Until a status arrives: the wall clock (a real target runs in real time).
    const local = new SimClock({ speed: 1, wallNow });
    this.#anchorSim = local.now();
    this.#anchorWall = wallNow();
    this.#speed = 1;
    this.#source = 'local';
  }

  #schedule: SpeedSchedule | undefined;

  get speed(): number {
    return this.#schedule ? this.#schedule.speedAt(this.now()) : this.#speed;
  }

  get schedule(): SpeedSchedule {
    return this.#schedule ?? SpeedSchedule.constant(this.#speed);
  }

  /** 'status': from the target's GET /status; 'local': the wall clock, speed 1. */
  get source(): 'status' | 'local' {
    return this.#source;
  }

  now(): number {
    const wall = this.wallNow() - this.#anchorWall;
    return this.#schedule ? this.#schedule.simAfter(this.#anchorSim, wall) : this.#anchorSim + wall * this.#speed;
  }

  toWallMs(simMs: number): number {
    if (!this.#schedule) return simMs / this.#speed;
    const now = this.now();
    return this.#schedule.wallBetween(now, now + simMs);
  }

  toSimMs(wallMs: number): number {
    if (!this.#schedule) return wallMs * this.#speed;
    const now = this.now();
    return this.#schedule.simAfter(now, wallMs) - now;
  }

  /**
   * Re-anchors on a status reading; returns how far the estimate moved (sim ms). A reading that is
   * lower than the current estimate by less than its own uncertainty (the round trip) is the older
   * bound and is ignored; lower by more, the target's clock went back (a restart), and it is taken.
   */
  update(r: StatusReading): number {
    const wall = this.wallNow();
    const sched = r.status.schedule;
    const candidate = sched
      ? sched.simAfter(r.status.now, wall - r.wallReceived)
      : r.status.now + (wall - r.wallReceived) * r.status.speed;
    const before = this.now();
    const uncertainty = (r.wallReceived - r.wallSent) * r.status.speed;
    const first = this.#source !== 'status' || r.status.speed !== this.#speed;
    if (!first && candidate <= before && candidate >= before - uncertainty) return 0;
    this.#anchorSim = candidate;
    this.#anchorWall = wall;
    this.#speed = r.status.speed;
    this.#schedule = sched;
    this.#source = 'status';
    return first ? 0 : candidate - before;
  }
}
