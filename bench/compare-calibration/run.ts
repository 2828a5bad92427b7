/**
 * `npm run bench:calibration`: the larger calibration of bbsim compare (see calibrate.ts), printing
 * the A/A false-regression table and the A/B detection table as Markdown.
 *   node bin/run-ts.js bench/compare-calibration/run.ts [--quick]
 * Full: 16 runs per engine of 5 s, 3 runs per slowdown (about 10 minutes); --quick: 6 runs of 3 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { aaTable, abTable, calibrate, RATE_PER_S, SERVICE_MS } from './calibrate.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-calibration-'));
try {
  const t0 = performance.now();
  const r = await calibrate({
    dir,
    k6Path: join(ROOT, '.tools', 'bin', 'k6'),
    runs: quick ? 6 : 16,
    seconds: quick ? 3 : 5,
    engines: ['k6', 'native'],
    slowdowns: [2, 5, 20],
    slowRuns: 3,
    setPairs: quick ? 6 : 30,
    log: (l) => console.log(l),
  });
  console.log(
    `\nMachine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${((performance.now() - t0) / 60_000).toFixed(1)} min.`,
  );
  console.log(
    `Service: lognormal median ${SERVICE_MS.medianMs} ms, p99 ${SERVICE_MS.p99Ms} ms; ${RATE_PER_S}/s, about ${r.requestsPerRun} requests a run.\n`,
  );
  console.log('A/A (same build): regressions reported / comparisons\n');
  console.log(aaTable(r.aa));
  console.log('\nA/B (known slowdowns), default budgets\n');
  console.log(abTable(r.ab));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
