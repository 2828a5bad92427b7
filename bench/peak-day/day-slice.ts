/**
 * A slice of the whole `peak-day`: its hours from..to as they are in the day, for the benches that
 * look at one part of it (slice.ts profiles the evening, cost.ts measures what an iteration costs).
 */
import { defineScenario, minutes, type Scenario } from '../../src/scenario/index.ts';
import { perSecond } from '../../src/norms/index.ts';
import { simProfile } from '../../src/scenario/wall-profile.ts';

/**
 * Hours [from, to) of the day as they are in it: each flow's hourly levels (a 3-sim-minute step
 * between hours, as the day's hours step) and the day's own fitted speeds over those hours;
 * `simMinutes`: only the slice's first so many sim minutes.
 */
export function daySlice(day: Scenario, from: number, to: number, simMinutes?: number): Scenario {
  const shared = day.flows.filter((f) => !f.load).reduce((a, f) => a + (f.weight ?? 1), 0);
  const stagesOf = (load: Scenario['load'], k: number): Scenario['load'] => {
    const st = simProfile(load).stages;
    const level = (h: number): number => (st[h]?.target ?? 0) * k;
    const hours = Array.from({ length: to - from }, (_, i) => [
      { level: level(from + i), min: 3 },
      { level: level(from + i), min: 57 },
    ]).flat();
    let left = simMinutes ?? Number.POSITIVE_INFINITY;
    const stages = [];
    for (const h of hours) {
      if (left <= 0) break;
      const min = Math.min(h.min, left);
      left -= min;
      stages.push({ target: perSecond(h.level), duration: minutes(min) });
    }
    return { kind: 'stages', start: perSecond(level(from)), stages };
  };
  const at = from * 3_600_000;
  // The slice ends at `to`, or sooner when only its first simMinutes run.
  const end = Math.min(to * 3_600_000, simMinutes === undefined ? Number.POSITIVE_INFINITY : at + simMinutes * 60_000);
  const segs = day.clock.schedule;
  const first = [...segs].reverse().find((x) => x.from <= at)!;
  const schedule = [
    { speed: first.speed },
    ...segs
      .filter((x) => x.from > at && x.from < end)
      .map((x) => ({ from: minutes((x.from - at) / 60_000), speed: x.speed })),
  ];
  return defineScenario({
    name: `peak-day-${from}h-${to}h`,
    description: `peak-day from ${from}:00 to ${to}:00 on its own speeds`,
    clock: { start: `2027-03-01T${String(from).padStart(2, '0')}:00:00+01:00`, schedule },
    flows: day.flows
      .map((f) => ({ ...f, load: f.load ? stagesOf(f.load, 1) : stagesOf(day.load, (f.weight ?? 1) / shared) }))
      .filter((f) => simProfile(f.load).stages.some((x) => x.target > 0)),
    load: stagesOf(day.load, 1),
    ...(day.data ? { data: day.data } : {}),
    norms: day.norms,
    expectBreaches: [],
  });
}
