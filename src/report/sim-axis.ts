import { SpeedSchedule, zoneOffset } from '../clock/index.ts';
import type { RunSummary } from '../results/summary.ts';
import type { XTick } from './svg-chart.ts';

/** A run report's time axis: what x a timeline point gets, its ticks, marks, label and tooltip words. */
export interface TimeAxis {
  /** x for a timeline bucket's wall second t. */
  x(t: number): number;
  readonly label: string;
  readonly ticks?: readonly XTick[];
  readonly marks?: readonly XTick[];
  pointLabel?(x: number): string;
  /** The schedule in words, for the report's context. */
  readonly schedule?: string;
}

const MINUTE = 60_000;
/** Tick spacings on a sim-time axis, sim minutes. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

const two = (n: number): string => String(n).padStart(2, '0');

/** Local Amsterdam HH:MM (HH:MM:SS with seconds) of a sim instant. */
function clockText(ms: number, seconds = false): string {
  const d = new Date(ms + zoneOffset(ms));
  const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${two(d.getUTCSeconds())}` : hm;
}

/**
 * Wall seconds since the start (one speed), or sim time under a speed schedule: the timeline's
 * buckets carry wall seconds, converted along the run's schedule to sim instants (Europe/Amsterdam
 * clock times), with a mark at each segment's start naming its speed. A day replayed with the night
 * at speed 1,000 and the evening at 28 is then drawn as the day it is, not as its wall minutes.
 */
export function timeAxis(summary: RunSummary, maxTicks = 7): TimeAxis {
  const clock = summary.clock;
  if (clock === undefined || clock.schedule.length <= 1) return { x: (t) => t, label: 'wall time since start (s)' };
  const start = Date.parse(clock.start);
  const sched = new SpeedSchedule(clock.schedule);
  const x = (t: number): number => start + sched.simOf(t * 1000);
  const ts = summary.timeline.map((p) => p.t);
  const lo = x(ts.length ? Math.min(...ts) : 0);
  const hi = x(ts.length ? Math.max(...ts) : 0);
  const span = Math.max(MINUTE, hi - lo);
  const step = (STEPS.find((m) => span / (m * MINUTE) <= maxTicks) ?? 1440) * MINUTE;
  const ticks: XTick[] = [];
  // Ticks on whole local clock times (the zone offset is whole hours, so a step of up to an hour aligns in UTC too).
  const off = zoneOffset(lo);
  for (let t = Math.ceil((lo + off) / step) * step - off; t <= hi && ticks.length < 50; t += step)
    ticks.push({ x: t, label: clockText(t) });
  const marks = sched.segments.map((s) => ({ x: start + s.from, label: `speed ${s.speed}` }));
  return {
    x,
    label: 'sim time, Europe/Amsterdam (dotted: the speed from there on)',
    ticks,
    marks,
    pointLabel: (v) => `${clockText(v, true)} sim`,
    schedule: sched.segments.map((s) => `${clockText(start + s.from)} ×${s.speed}`).join(', '),
  };
}
