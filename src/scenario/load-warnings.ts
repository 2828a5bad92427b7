import { NORMS, windowSeconds, type Norm } from '../norms/index.ts';
import { FLOWS, type Scenario } from './types.ts';
import { wallProfile } from './wall-profile.ts';

/** A load this many times the largest rate norm its flow touches is taken for a unit slip (perSecond for perMinute is 60×; the designed breaches of the shipped scenarios stay within 2×). */
export const FAR_PAST_FACTOR = 5;
/** Below this wall time no norm can be judged: k6 and the mock's figures need whole seconds (a duration of 180 read as ms gave a 30 ms run). */
export const MIN_WALL_MS = 5000;

/** Requests a flow's iteration makes to a service, where more than one (burger-reads: list, then read a letter). */
const REQUESTS_PER_ITERATION: Partial<Record<string, Partial<Record<string, number>>>> = { 'burger-reads': { presentatie: 2 } };

const RATE_WINDOWS = new Set(['second', 'minute', 'hour', 'day']);

function peakSimPerSecond(s: Scenario): number {
  const l = s.load;
  switch (l.kind) {
    case 'constant': return l.rate.perSecond;
    case 'ramp': return Math.max(l.from.perSecond, l.to.perSecond);
    case 'stages': return Math.max(l.start?.perSecond ?? 0, ...l.stages.map((x) => x.target.perSecond));
    case 'day-curve': return l.peak.perSecond * Math.max(0, ...l.hourly);
  }
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

/**
 * Warnings about a scenario that is valid but probably not what its author meant: a flow offered
 * far past every rate norm it touches (a unit slip: perSecond(1200) for perMinute gave 19,800
 * VUs), a wall time too short to judge anything, and latency percentiles judged on too few requests
 * (the p99.9 of fewer than 1,000 requests is their maximum). Each names the flow or norm.
 */
export function scenarioWarnings(s: Scenario): string[] {
  const out: string[] = [];
  const checked = new Set(s.norms);
  const totalWeight = s.flows.reduce((a, f) => a + f.weight, 0);
  const peak = peakSimPerSecond(s);
  for (const f of s.flows) {
    const services: readonly string[] = FLOWS[f.flow].services;
    const norms = NORMS.filter((n): n is Norm & { window: 'second' | 'minute' | 'hour' | 'day' } => services.includes(n.service) && checked.has(n.id) && n.quantity === 'rate' && RATE_WINDOWS.has(n.window ?? ''));
    if (norms.length === 0) continue;
    const rate = (peak * f.weight) / totalWeight;
    const largest = norms.reduce((a, n) => (n.limit / windowSeconds(n.window) > a.limit / windowSeconds(a.window) ? n : a));
    const allowed = largest.limit / windowSeconds(largest.window);
    if (rate > FAR_PAST_FACTOR * allowed) {
      out.push(`${f.flow} is offered ${fmt(rate * 60)}/min (sim), ${fmt(rate / allowed)}× ${largest.id} (${fmt(largest.limit)} per ${largest.window}), the largest rate norm it touches: a unit slip (perSecond for perMinute)?`);
    }
  }
  const wall = wallProfile(s);
  if (wall.durationMs < MIN_WALL_MS) {
    out.push(`the run takes ${fmt(wall.durationMs)} ms of wall time (${fmt(wall.durationMs * s.clock.speed)} sim ms at speed ${s.clock.speed}): too short to judge any norm (a duration meant in seconds or minutes?)`);
  } else {
    // Iterations over the run at most (peak wall rate × wall time), each flow by its weight.
    const iterations = (wall.peakRate * wall.durationMs) / 1000;
    for (const n of NORMS) {
      if (!checked.has(n.id) || n.quantity !== 'latency' || typeof n.statistic !== 'number' || n.statistic < 99 || n.statistic >= 100) continue;
      const perIteration = s.flows.filter((f) => (FLOWS[f.flow].services as readonly string[]).includes(n.service))
        .reduce((a, f) => a + f.weight * (REQUESTS_PER_ITERATION[f.flow]?.[n.service] ?? 1), 0) / totalWeight;
      const requests = iterations * perIteration;
      const needed = Math.round(100 / (100 - n.statistic));
      const share = perIteration;
      if (share > 0 && requests < needed) {
        out.push(`${n.id} is judged on at most about ${fmt(requests)} requests: the p${n.statistic} of fewer than ${fmt(needed)} is their maximum (run longer or faster)`);
      }
    }
  }
  return out;
}
