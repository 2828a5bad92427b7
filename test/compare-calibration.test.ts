import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { aaTable, abTable, calibrate, type AaRow, type AbRow } from '../bench/compare-calibration/calibrate.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-calibration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Calibration of bbsim compare, small enough for the suite (about 4 minutes): 7 runs per engine of
 * the same build on a 20 ms service, compared pairwise (one run per side) and in random 3-vs-3
 * splits (--repeat 3); then the native engine against +1, +5 and +20 ms. `npm run bench:calibration`
 * runs the larger set.
 */
describe('compare is calibrated (issue #13)', () => {
  let aa: AaRow[] = [];
  let ab: AbRow[] = [];
  let busy = false;

  it('A/A: the same build raises a false regression in at most 5 % of comparisons per figure, both engines, 1 run and --repeat 3', async () => {
    const r = await calibrate({
      dir,
      k6Path: join(ROOT, '.tools', 'bin', 'k6'),
      runs: 7,
      seconds: 5,
      engines: ['k6', 'native'],
      abEngines: ['native'],
      slowdowns: [1, 5, 20],
      slowRuns: 3,
      setPairs: 6,
      log: (l) => console.log(l),
    });
    aa = r.aa;
    ab = r.ab;
    // A machine whose load average exceeds its cores (other test files, other jobs) makes whole runs
    // slower: one run per side cannot tell that from a slower system. Then only --repeat 3 is held to 5 %.
    busy = Math.max(...r.load) > availableParallelism();
    console.log(
      `about ${r.requestsPerRun} requests a run; load average ${r.load.map((x) => x.toFixed(1)).join(' → ')} on ${availableParallelism()} cores${busy ? ' (busy: single-run rows reported, not held)' : ''}\n${aaTable(aa)}\n\n${abTable(ab)}`,
    );
    expect(r.requestsPerRun).toBeGreaterThan(1000);
    expect(aa).toHaveLength(4);
    for (const row of aa) {
      for (const [figure, c] of Object.entries(row.counts)) {
        expect(c.compared, `${row.engine} ${row.mode} ${figure}`).toBeGreaterThan(0);
        if (busy && row.mode === '1 run per side') continue;
        // At most 5 % (rounded up to whole comparisons, so one in 14 pairs is within it).
        expect(
          c.regressions,
          `${row.engine} ${row.mode} ${figure}: ${c.regressions} of ${c.compared}`,
        ).toBeLessThanOrEqual(Math.ceil(0.05 * c.compared));
      }
      // A p99.9 from ~1,250 requests is never judged.
      expect(row.counts['p99.9'].notEnough).toBe(row.counts['p99.9'].compared);
    }
  }, 480_000);

  it('A/B: +20 ms on a 20 ms service is caught at p50 (one run per side and --repeat 3); +1 ms is not', () => {
    const at = (extraMs: number, mode: AbRow['mode']): AbRow =>
      ab.find((r) => r.extraMs === extraMs && r.mode === mode)!;
    // On a busy machine one disturbed run moves a single-run comparison by tens of ms: held with --repeat 3 only.
    for (const mode of busy ? (['--repeat 3'] as const) : (['1 run per side', '--repeat 3'] as const)) {
      // A slower service is never reported faster.
      expect(at(20, mode).figures.p50?.verdict, mode).not.toBe('improvement');
      // On a busy machine a disturbed run moves even the median by more than 2 ms, and widens the
      // interval past the change: held to the budgets only when the machine is quiet.
      if (busy) continue;
      // +1 ms is 5 % of the median, half the p50 budget (10 % and 2 ms): never called a regression.
      // (+2 ms sits on the budget's edge: measured as +2.8 to +3.0 ms, it was caught in one CI run
      // of three, which is right for a change past the budget and wrong for a test.)
      expect(at(1, mode).figures.p50?.verdict, mode).not.toBe('regression');
      expect(at(20, mode).figures.p50?.verdict, mode).toBe('regression');
      expect(at(20, mode).figures.p50!.change).toBeGreaterThan(15);
    }
  });
});
