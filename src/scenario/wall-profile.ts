import { SpeedSchedule } from '../clock/index.ts';
import { parseDuration, k6Duration } from './duration.ts';
import type { LoadProfile, Scenario, SimDuration } from './types.ts';

/** A ramping-arrival-rate plan in wall time, in k6's own words (startRate, timeUnit, stages). */
export interface WallProfile {
  /** Iterations per second at the start. */
  readonly startRate: number;
  readonly timeUnit: '1s';
  readonly stages: readonly { readonly target: number; readonly duration: string; readonly durationMs: number }[];
  /** Total wall duration, ms. */
  readonly durationMs: number;
  /** The highest wall rate, per second (sizes the VU pool with the expected latency). */
  readonly peakRate: number;
}

/** A load profile on the sim clock: rates per sim second, moving linearly over each stage's sim ms. */
export interface SimProfile {
  readonly startRate: number;
  /** `stepped`: a day-curve hour, a short ramp to its level then held (see toWallProfile). */
  readonly stages: readonly { readonly target: number; readonly durationMs: number; readonly stepped?: true }[];
}

/** The scenario's speed schedule over sim offsets from its start (one segment for one speed). */
export function scenarioSchedule(scenario: Scenario): SpeedSchedule {
  return new SpeedSchedule(scenario.clock.schedule);
}

const HOUR_MS = 3_600_000;

/** A load profile in sim time: sim rates per second over sim ms. */
export function simProfile(load: LoadProfile): SimProfile {
  const ms = (d: SimDuration): number => parseDuration(d) ?? 0;
  const stages: { target: number; durationMs: number; stepped?: true }[] = [];
  let startRate: number;
  switch (load.kind) {
    case 'constant':
      startRate = load.rate.perSecond;
      stages.push({ target: startRate, durationMs: ms(load.duration) });
      break;
    case 'ramp':
      startRate = load.from.perSecond;
      stages.push({ target: load.to.perSecond, durationMs: ms(load.duration) });
      break;
    case 'stages':
      startRate = load.start?.perSecond ?? 0;
      for (const s of load.stages) stages.push({ target: s.target.perSecond, durationMs: ms(s.duration) });
      break;
    case 'day-curve': {
      const days = load.days ?? 1;
      startRate = load.peak.perSecond * (load.hourly[0] ?? 0);
      for (let d = 0; d < days; d++) {
        for (const share of load.hourly)
          stages.push({ target: load.peak.perSecond * share, durationMs: HOUR_MS, stepped: true });
      }
      break;
    }
  }
  return { startRate, stages };
}

/**
 * Converts a sim profile to wall time along a schedule of sim offsets: within a segment at speed s a
 * sim span takes 1/s of the wall time and a sim rate becomes s times as many requests per wall
 * second; a stage crossing a boundary is split there, the rate jumping with the speed (a stage of
 * no duration, which the native engine and k6 both take as a step). Exact: each piece is linear in
 * wall time as it was in sim time.
 */
export function toWallProfile(profile: SimProfile, schedule: SpeedSchedule): WallProfile {
  const out: { target: number; durationMs: number }[] = [];
  let t = 0;
  let rate = profile.startRate;
  let speed = schedule.speedAt(0);
  const startRate = rate * speed;
  // A day-curve hour: a short ramp to its level, then held (k6 interpolates linearly within a
  // stage). The ramp is 5 % of the hour or one wall second at the speed there, whichever is shorter.
  const pieces = profile.stages.flatMap((st, i) => {
    if (!st.stepped) return [st];
    const at = profile.stages.slice(0, i).reduce((a, x) => a + x.durationMs, 0);
    const ramp = Math.min(st.durationMs * 0.05, 1000 * schedule.speedAt(at));
    return [
      { target: st.target, durationMs: ramp },
      { target: st.target, durationMs: st.durationMs - ramp },
    ];
  });
  for (const st of pieces) {
    const d = st.durationMs;
    const end = t + d;
    const r0 = rate;
    const at = (x: number): number => (d > 0 ? r0 + ((st.target - r0) * (x - t)) / d : st.target);
    let a = t;
    for (const b of [...schedule.boundariesBetween(t, end), end]) {
      const s = schedule.speedAt(a);
      if (s !== speed) {
        out.push({ target: at(a) * s, durationMs: 0 });
        speed = s;
      }
      out.push({ target: at(b) * s, durationMs: schedule.wallBetween(a, b) });
      a = b;
    }
    t = end;
    rate = st.target;
  }
  const durationMs = out.reduce((x, s) => x + s.durationMs, 0);
  return {
    startRate,
    timeUnit: '1s',
    durationMs,
    peakRate: Math.max(startRate, ...out.map((s) => s.target)),
    stages: out.map((s) => ({ target: s.target, durationMs: s.durationMs, duration: k6Duration(s.durationMs) })),
  };
}

/**
 * The scenario's load profile converted from sim time to wall time along its speed schedule: at
 * speed s a sim duration takes 1/s of the wall time and a sim rate becomes s times as many requests
 * per wall second. The flows without a load of their own share it by weight.
 */
export function wallProfile(scenario: Scenario): WallProfile {
  return toWallProfile(simProfile(scenario.load), scenarioSchedule(scenario));
}

/** A flow's whole wall profile: its own load, or the scenario's (the caller applies the weight share). */
export function flowWallProfile(scenario: Scenario, flowIndex: number): WallProfile {
  const f = scenario.flows[flowIndex];
  if (!f) throw new RangeError(`scenario '${scenario.name}' has no flow ${flowIndex}`);
  return f.load ? toWallProfile(simProfile(f.load), scenarioSchedule(scenario)) : wallProfile(scenario);
}

/** The whole run in wall ms: the longest of the flows' profiles. */
export function scenarioWallMs(scenario: Scenario): number {
  return Math.max(...scenario.flows.map((_, i) => flowWallProfile(scenario, i).durationMs));
}

/**
 * The share of a flow's profile it runs: its weight among the flows that share the scenario's
 * load, 1 for a flow with a load of its own.
 */
export function flowShare(scenario: Scenario, flowIndex: number): number {
  const f = scenario.flows[flowIndex];
  if (!f) throw new RangeError(`scenario '${scenario.name}' has no flow ${flowIndex}`);
  if (f.load) return 1;
  const total = scenario.flows.filter((g) => !g.load).reduce((a, g) => a + g.weight, 0);
  return f.weight / total;
}
