import { NORMS, windowSeconds, type Norm } from '../norms/index.ts';
import { FLOWS, type LoadProfile, type Scenario } from './types.ts';
import { flowShare, flowWallProfile, scenarioWallMs } from './wall-profile.ts';

/** A load this many times the largest rate norm its flow touches is taken for a unit slip (perSecond for perMinute is 60×; the designed breaches of the shipped scenarios stay within 2×). */
export const FAR_PAST_FACTOR = 5;
/** Below this wall time no norm can be judged: k6 and the mock's figures need whole seconds (a duration of 180 read as ms gave a 30 ms run). */
export const MIN_WALL_MS = 5000;

/** Requests a flow's iteration makes to a service, where more than one (burger-reads: list, then read a letter). */
const REQUESTS_PER_ITERATION: Partial<Record<string, Partial<Record<string, number>>>> = {
  'burger-reads': { presentatie: 2 },
};

const RATE_WINDOWS = new Set(['second', 'minute', 'hour', 'day']);

function peakSimPerSecond(l: LoadProfile): number {
  switch (l.kind) {
    case 'constant':
      return l.rate.perSecond;
    case 'ramp':
      return Math.max(l.from.perSecond, l.to.perSecond);
    case 'stages':
      return Math.max(l.start?.perSecond ?? 0, ...l.stages.map((x) => x.target.perSecond));
    case 'day-curve':
      return l.peak.perSecond * Math.max(0, ...l.hourly);
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
  for (const [i, f] of s.flows.entries()) {
    const services: readonly string[] = FLOWS[f.flow].services;
    const norms = NORMS.filter(
      (n): n is Norm & { window: 'second' | 'minute' | 'hour' | 'day' } =>
        services.includes(n.service) && checked.has(n.id) && n.quantity === 'rate' && RATE_WINDOWS.has(n.window ?? ''),
    );
    if (norms.length === 0) continue;
    const rate = peakSimPerSecond(f.load ?? s.load) * flowShare(s, i);
    const largest = norms.reduce((a, n) =>
      n.limit / windowSeconds(n.window) > a.limit / windowSeconds(a.window) ? n : a,
    );
    const allowed = largest.limit / windowSeconds(largest.window);
    if (rate > FAR_PAST_FACTOR * allowed) {
      out.push(
        `${f.flow} is offered ${fmt(rate * 60)}/min (sim), ${fmt(rate / allowed)}× ${largest.id} (${fmt(largest.limit)} per ${largest.window}), the largest rate norm it touches: a unit slip (perSecond for perMinute)?`,
      );
    }
  }
  const wallMs = scenarioWallMs(s);
  if (wallMs < MIN_WALL_MS) {
    out.push(
      `the run takes ${fmt(wallMs)} ms of wall time (${fmt(wallMs * s.clock.speed)} sim ms at speed ${s.clock.speed}): too short to judge any norm (a duration meant in seconds or minutes?)`,
    );
  } else {
    // Iterations of each flow over the run at most (its peak wall rate × its wall time).
    const iterations = s.flows.map((_, i) => {
      const w = flowWallProfile(s, i);
      return (w.peakRate * w.durationMs * flowShare(s, i)) / 1000;
    });
    for (const n of NORMS) {
      if (
        !checked.has(n.id) ||
        n.quantity !== 'latency' ||
        typeof n.statistic !== 'number' ||
        n.statistic < 99 ||
        n.statistic >= 100
      )
        continue;
      const requests = s.flows.reduce(
        (a, f, i) =>
          a +
          ((FLOWS[f.flow].services as readonly string[]).includes(n.service)
            ? (iterations[i] ?? 0) * (REQUESTS_PER_ITERATION[f.flow]?.[n.service] ?? 1)
            : 0),
        0,
      );
      const needed = Math.round(100 / (100 - n.statistic));
      if (requests > 0 && requests < needed) {
        out.push(
          `${n.id} is judged on at most about ${fmt(requests)} requests: the p${n.statistic} of fewer than ${fmt(needed)} is their maximum (run longer or faster)`,
        );
      }
    }
  }
  return out;
}
