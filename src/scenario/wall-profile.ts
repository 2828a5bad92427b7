import { parseDuration, k6Duration } from './duration.ts';
import type { Scenario, SimDuration } from './types.ts';

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

/**
 * The scenario's load profile converted from sim time to wall time: at speed s a sim duration
 * takes 1/s of the wall time and a sim rate becomes s times as many requests per wall second.
 */
export function wallProfile(scenario: Scenario): WallProfile {
  const speed = scenario.clock.speed;
  const wallMs = (d: SimDuration): number => (parseDuration(d) ?? 0) / speed;
  const rate = (perSecond: number): number => perSecond * speed;
  const stages: { target: number; durationMs: number }[] = [];
  let startRate: number;
  const load = scenario.load;
  switch (load.kind) {
    case 'constant':
      startRate = rate(load.rate.perSecond);
      stages.push({ target: startRate, durationMs: wallMs(load.duration) });
      break;
    case 'ramp':
      startRate = rate(load.from.perSecond);
      stages.push({ target: rate(load.to.perSecond), durationMs: wallMs(load.duration) });
      break;
    case 'stages':
      startRate = rate(load.start?.perSecond ?? 0);
      for (const s of load.stages) stages.push({ target: rate(s.target.perSecond), durationMs: wallMs(s.duration) });
      break;
    case 'day-curve': {
      const days = load.days ?? 1;
      const hourMs = 3_600_000 / speed;
      startRate = rate(load.peak.perSecond * (load.hourly[0] ?? 0));
      // Each hour: a short ramp to its level, then hold it (k6 interpolates linearly within a stage).
      for (let d = 0; d < days; d++) {
        for (const share of load.hourly) {
          const target = rate(load.peak.perSecond * share);
          stages.push({ target, durationMs: Math.min(hourMs * 0.05, 1000) }, { target, durationMs: hourMs - Math.min(hourMs * 0.05, 1000) });
        }
      }
      break;
    }
  }
  const durationMs = stages.reduce((a, s) => a + s.durationMs, 0);
  return {
    startRate, timeUnit: '1s', durationMs,
    peakRate: Math.max(startRate, ...stages.map((s) => s.target)),
    stages: stages.map((s) => ({ target: s.target, durationMs: s.durationMs, duration: k6Duration(s.durationMs) })),
  };
}
