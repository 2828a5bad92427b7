import { MAX_SPEED, SpeedSchedule, type SpeedSegment } from '../clock/index.ts';
import { simProfile, type SimProfile } from './wall-profile.ts';
import type { FlowSpec, LoadProfile, Scenario } from './types.ts';

/**
 * Wall iterations per second the load generator may be asked for when nothing else is said. One k6
 * process reaches about 10,000 iterations/s against a hello-world here, but against the mock (every
 * request a real Fastify route, a SQLite commit for a batch, DigiD's signed work) `npm run
 * bench:overhead` finds far less on this 2-core machine, shared with the mock: 2,000/s is where it
 * dropped no iteration in every probe. `bbsim run` takes the figure the bench last wrote
 * (results/generator-ceiling.json) when there is one.
 */
export const DEFAULT_MAX_WALL_RATE = 2000;

/** Sim ms over which one speed holds at least (the derived schedule's grain). */
export const SCHEDULE_SLOT_MS = 15 * 60_000;

export interface FitOptions {
  /** Wall iterations per second at most, all flows together. */
  readonly maxWallRate: number;
  /** Wall ms the whole run may take. */
  readonly wallBudgetMs: number;
  /** Sim ms per slot of one speed (default 15 min). */
  readonly slotMs?: number;
}

export interface FittedSchedule {
  /** Sim offsets from the scenario's start. */
  readonly segments: readonly SpeedSegment[];
  /** Wall ms the run takes on it. */
  readonly wallMs: number;
  /** The highest wall iteration rate on it, per s. */
  readonly peakWallRate: number;
  /** When no schedule fits both bounds: what the rate bound alone needs, and why. */
  readonly problem?: string;
}

/** What the derivation needs of a scenario: each flow's sim profile in iterations, by weight or its own. */
export function iterationProfiles(
  flows: readonly (FlowSpec & { readonly weight: number })[],
  load: LoadProfile,
  batchSize: number,
): SimProfile[] {
  const shared = flows.filter((f) => !f.load).reduce((a, f) => a + f.weight, 0);
  return flows.map((f) => {
    const p = simProfile(f.load ?? load);
    const k = (f.load ? 1 : f.weight / shared) / (f.flow === 'deliver-batch' ? batchSize : 1);
    return { startRate: p.startRate * k, stages: p.stages.map((s) => ({ ...s, target: s.target * k })) };
  });
}

/** The highest sim rate of a profile within [a, b] (linear stages: at the ends or a stage boundary). */
function peakIn(p: SimProfile, a: number, b: number): number {
  let t = 0;
  let r = p.startRate;
  let peak = 0;
  for (const s of p.stages) {
    const end = t + s.durationMs;
    if (end > a && t < b) {
      // A day-curve hour ramps to its level at once (within a wall second): its level counts whole,
      // and so does the level it ramps down from, in the slot where the hour starts.
      const at = (x: number): number =>
        s.stepped ? s.target : s.durationMs > 0 ? r + ((s.target - r) * (x - t)) / s.durationMs : s.target;
      peak = Math.max(peak, at(Math.max(a, t)), at(Math.min(b, end)), s.stepped && t >= a ? r : 0);
    }
    t = end;
    r = s.target;
    if (t >= b) break;
  }
  return peak;
}

/** Rounds a speed down to two significant digits (readable, and never over the cap it came from). */
function niceSpeed(x: number): number {
  if (x >= MAX_SPEED) return MAX_SPEED;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.max(p >= 1 ? p : 1, Math.floor(x / p) * p);
}

/**
 * A speed schedule for a load: per slot of sim time the speed that keeps the wall rate under
 * `maxWallRate` at the slot's busiest instant, and no faster than the whole run needs to fit
 * `wallBudgetMs` — the quiet slots run at one high speed, the busy ones as slowly as the budget
 * allows (slower is more faithful: fewer workers stand in for the real ones, see the capacity model).
 * Water-filling: the lowest speed cap S such that Σ slot / min(cap_i, S) fits the budget.
 */
export function fitSchedule(profiles: readonly SimProfile[], opts: FitOptions): FittedSchedule {
  const slot = opts.slotMs ?? SCHEDULE_SLOT_MS;
  const total = Math.max(...profiles.map((p) => p.stages.reduce((a, s) => a + s.durationMs, 0)));
  const slots: { from: number; len: number; cap: number; peak: number }[] = [];
  for (let a = 0; a < total; a += slot) {
    const b = Math.min(total, a + slot);
    const peak = profiles.reduce((x, p) => x + peakIn(p, a, b), 0);
    slots.push({
      from: a,
      len: b - a,
      peak,
      cap: peak > 0 ? niceSpeed(Math.min(MAX_SPEED, opts.maxWallRate / peak)) : MAX_SPEED,
    });
  }
  // Slow down one slot before a busier one: a load generator running late across a fast → slow
  // boundary sends what was meant for the fast slot into the slow one, where it counts
  // s_fast/s_slow times denser in sim time; the lead-in slot takes that, not the peak's first window.
  for (let i = 0; i + 1 < slots.length; i++) slots[i]!.cap = Math.min(slots[i]!.cap, slots[i + 1]!.cap);
  const wallAt = (S: number): number => slots.reduce((w, s) => w + s.len / Math.min(s.cap, niceSpeed(S)), 0);
  let problem: string | undefined;
  let S: number;
  if (wallAt(MAX_SPEED) > opts.wallBudgetMs) {
    S = MAX_SPEED;
    problem = `at most ${opts.maxWallRate} iterations per wall second the load needs ${Math.ceil(wallAt(MAX_SPEED) / 1000)} s of wall time, over the wall budget of ${Math.round(opts.wallBudgetMs / 1000)} s`;
  } else {
    // Bisection on the cap S (wall time falls as S rises).
    let lo = 1e-3;
    let hi = MAX_SPEED;
    for (let i = 0; i < 200 && hi / lo > 1.0001; i++) {
      const mid = Math.sqrt(lo * hi);
      if (wallAt(mid) > opts.wallBudgetMs) lo = mid;
      else hi = mid;
    }
    S = hi;
  }
  const segments: SpeedSegment[] = [];
  for (const s of slots) {
    const speed = Math.min(s.cap, niceSpeed(S));
    if (segments[segments.length - 1]?.speed !== speed) segments.push({ from: s.from, speed });
  }
  if (segments.length === 0) segments.push({ from: 0, speed: 1 });
  const sched = new SpeedSchedule(segments);
  const peakWallRate = Math.max(0, ...slots.map((s) => s.peak * sched.speedAt(s.from)));
  return { segments: sched.segments, wallMs: wallAt(S), peakWallRate, ...(problem !== undefined ? { problem } : {}) };
}

/** Per segment of a scenario's schedule: its sim span and the highest sim iteration rate in it, all flows together. */
function segmentPeaks(scenario: Scenario): { segment: SpeedSegment; end: number; peak: number }[] {
  const profiles = iterationProfiles(scenario.flows, scenario.load, scenario.data?.batchSize ?? 100);
  const total = Math.max(...profiles.map((p) => p.stages.reduce((a, s) => a + s.durationMs, 0)));
  const segments = new SpeedSchedule(scenario.clock.schedule).segments;
  return segments.map((segment, i) => {
    const end = segments[i + 1]?.from ?? total;
    return { segment, end, peak: profiles.reduce((x, p) => x + peakIn(p, segment.from, end), 0) };
  });
}

/** The highest wall iteration rate a scenario asks of its load generator, all flows together, per s. */
export function peakWallRate(scenario: Scenario): number {
  return Math.max(0, ...segmentPeaks(scenario).map((x) => x.peak * x.segment.speed));
}

/** The schedule of a scenario in words, one line per segment, with the wall time and peak wall rate. */
export function scheduleLines(scenario: Scenario): string[] {
  const sched = new SpeedSchedule(scenario.clock.schedule);
  return segmentPeaks(scenario).map(({ segment: s, end, peak }) => {
    const wall = sched.wallBetween(s.from, end);
    const at =
      scenario.clock.start !== undefined
        ? ` (${hm(s.from, scenario.clock.start)}–${hm(end, scenario.clock.start)} sim)`
        : '';
    return `+${offset(s.from)} – +${offset(end)}${at}: speed ${s.speed}, ${(wall / 1000).toFixed(1)} s wall, at most ${Math.round(peak * s.speed)} iterations/s wall`;
  });
}

function offset(ms: number): string {
  const m = Math.round(ms / 60_000);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function hm(ms: number, start: string): string {
  const t = new Date(Date.parse(start) + ms);
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(t);
}
