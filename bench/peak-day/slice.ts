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
import { scenarioWallMs, scheduleLines } from '../../src/scenario/index.ts';
import peakDayWhole from '../../scenarios/peak-day.ts';
import { daySlice } from './day-slice.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engine = (arg('--engine') ?? 'native') as 'k6' | 'native';
const [from, to] = (arg('--hours') ?? '19-21').split('-').map(Number) as [number, number];

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
