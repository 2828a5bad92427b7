/**
 * The busiest sim minutes of `peak-day` (20:00–21:00 rates) held for a while at one speed: the
 * profile of what the whole day meets at its peak, in a minute instead of ten.
 *
 *   node bin/run-ts.js bench/peak-day/slice.ts --engine native --speed 28 --minutes 15
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../../src/run/index.ts';
import { defineScenario, minutes, type Scenario } from '../../src/scenario/index.ts';
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
const speed = Number(arg('--speed') ?? 28);
const mins = Number(arg('--minutes') ?? 15);
const hour = Number(arg('--hour') ?? 20);

/** Each flow's sim rate in that hour of the day, held constant. */
export function peakSlice(day: Scenario, h: number, simMinutes: number, s: number): Scenario {
  const shared = day.flows.filter((f) => !f.load).reduce((a, f) => a + (f.weight ?? 1), 0);
  const rateOf = (load: Scenario['load']): number => simProfile(load).stages[h]!.target;
  return defineScenario({
    name: `peak-day-slice-${h}h`,
    description: `peak-day's rates at ${h}:00 held for ${simMinutes} sim minutes at speed ${s}`,
    clock: { start: `2027-03-01T${String(h).padStart(2, '0')}:00:00+01:00`, speed: s },
    flows: day.flows
      .filter((f) => (f.load ? rateOf(f.load) : rateOf(day.load) / shared) > 0)
      .map((f) => ({
        ...f,
        load: {
          kind: 'constant' as const,
          rate: perSecond(f.load ? rateOf(f.load) : rateOf(day.load) / shared),
          duration: minutes(simMinutes),
        },
      })),
    load: { kind: 'constant', rate: perSecond(1), duration: minutes(simMinutes) },
    ...(day.data ? { data: day.data } : {}),
    norms: day.norms,
    expectBreaches: [],
  });
}

const scenario = peakSlice(peakDayWhole, hour, mins, speed);
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
    `${engine} speed ${speed}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, iterations ${m['iterations']?.values['count']}, dropped ${m['dropped_iterations']?.values['count'] ?? 0}, http_reqs ${m['http_reqs']?.values['count']} (${m['http_reqs']?.values['rate']?.toFixed(0)}/s), p99 ${m['http_req_duration']?.values['p(99)']?.toFixed(0)} ms`,
  );
  for (const row of r.rows) console.log(`  ${row.normId}: ${row.status} ${row.measured ?? ''}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
