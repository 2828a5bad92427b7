/**
 * A slice of the whole `peak-day`: its hours from..to as they are in the day (levels and fitted
 * speeds), to profile what the day meets at its evening peak in a few minutes instead of ten.
 *
 *   node bin/run-ts.js bench/peak-day/slice.ts --engine native --hours 19-21 [--verbose]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../../src/run/index.ts';
import { defineScenario, minutes, scenarioWallMs, scheduleLines, type Scenario } from '../../src/scenario/index.ts';
import peakDayWhole from '../../scenarios/peak-day.ts';
import { perSecond } from '../../src/norms/index.ts';
import { simProfile } from '../../src/scenario/wall-profile.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engine = (arg('--engine') ?? 'native') as 'k6' | 'native';
const [from, to] = (arg('--hours') ?? '19-21').split('-').map(Number) as [number, number];

/**
 * Hours [from, to) of the day as they are in it: each flow's hourly levels (a 3-sim-minute step
 * between hours, as the day's hours step) and the day's own fitted speeds over those hours.
 */
export function daySlice(day: Scenario, from: number, to: number): Scenario {
  const shared = day.flows.filter((f) => !f.load).reduce((a, f) => a + (f.weight ?? 1), 0);
  const stagesOf = (load: Scenario['load'], k: number): Scenario['load'] => {
    const st = simProfile(load).stages;
    const level = (h: number): number => (st[h]?.target ?? 0) * k;
    return {
      kind: 'stages',
      start: perSecond(level(from)),
      stages: Array.from({ length: to - from }, (_, i) => [
        { target: perSecond(level(from + i)), duration: minutes(3) },
        { target: perSecond(level(from + i)), duration: minutes(57) },
      ]).flat(),
    };
  };
  const at = from * 3_600_000;
  const segs = day.clock.schedule;
  const first = [...segs].reverse().find((x) => x.from <= at)!;
  const schedule = [
    { speed: first.speed },
    ...segs
      .filter((x) => x.from > at && x.from < to * 3_600_000)
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

const scenario = daySlice(peakDayWhole, from, to);
for (const l of scheduleLines(scenario)) console.log(`  ${l}`);
console.log(`  planned wall ${(scenarioWallMs(scenario) / 1000).toFixed(1)} s`);
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-slice-'));
const t0 = performance.now();
try {
  const r = await runScenario({
    scenario,
    outDir: tmp,
    k6Path: join(ROOT, '.tools', 'bin', 'k6'),
    engine,
    quiet: !args.includes('--verbose'),
    log: (l) => console.log(`  ${l}`),
  });
  if (r.error) console.log('error:', r.error);
  const s = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as {
    k6: { metrics: Record<string, { values: Record<string, number> }> };
  };
  const m = s.k6.metrics;
  console.log(
    `${engine} ${scenario.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, iterations ${m['iterations']?.values['count']}, dropped ${m['dropped_iterations']?.values['count'] ?? 0}, http_reqs ${m['http_reqs']?.values['count']} (${m['http_reqs']?.values['rate']?.toFixed(0)}/s), p99 ${m['http_req_duration']?.values['p(99)']?.toFixed(0)} ms`,
  );
  for (const row of r.rows) console.log(`  ${row.normId}: ${row.status} ${row.measured ?? ''}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
