import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MACHTIGEN_TRANSACTIONS_PER_MINUTE, perMinute } from '../src/norms/index.ts';
import {
  capacityTable,
  findCapacity,
  mockClockOf,
  peakRate,
  runScenario,
  scaleScenario,
  type RunOptions,
  type RunResult,
} from '../src/run/index.ts';
import type { VerdictRow } from '../src/results/index.ts';
import { defineScenario, minutes } from '../src/scenario/index.ts';

const ROOT = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'bbsim-capacity-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const machtigen = defineScenario({
  name: 'machtigen-capacity',
  description: 'Machtigen checks at a steady rate',
  clock: { speed: 6, start: '2026-11-16T10:00:00+01:00' },
  flows: [{ flow: 'machtigen-check' }],
  load: { kind: 'constant', rate: perMinute(600), duration: '1m' },
  norms: [MACHTIGEN_TRANSACTIONS_PER_MINUTE.id, 'machtigen.processing-time'],
});

/** A runner that "breaches" a norm above a fixed per-minute rate, to test the search alone. */
function fakeRun(limits: Record<string, number>): (o: RunOptions) => Promise<RunResult> {
  return async (o) => {
    const perMin = peakRate(o.scenario.load).perSecond * 60;
    const rows = Object.entries(limits).map(
      ([normId, limit]) => ({ normId, status: perMin > limit ? 'fail' : 'pass' }) as VerdictRow,
    );
    return { runId: 'x', dir: o.outDir, rows, exitCode: rows.some((r) => r.status === 'fail') ? 1 : 0 };
  };
}

describe('--find-capacity', () => {
  it('scales every rate of the load and keeps the rest of the scenario', () => {
    const s = scaleScenario(machtigen, 2);
    expect(peakRate(s.load)).toMatchObject({ count: 1200, window: 'minute' });
    expect(s.flows).toEqual(machtigen.flows);
    expect(s.clock).toEqual(machtigen.clock);
    expect(s.norms).toEqual(machtigen.norms);
  });

  it("each probe keeps the speed schedule (a fitted one too) and scales a flow's own load", async () => {
    const scheduled = defineScenario({
      name: 'scheduled-capacity',
      description: 'a quiet stretch fast, the busy one slow',
      clock: { start: '2027-03-01T19:00:00+01:00', schedule: [{ speed: 60 }, { from: minutes(10), speed: 10 }] },
      flows: [
        { flow: 'machtigen-check' },
        {
          flow: 'digid-authenticate',
          load: {
            kind: 'stages',
            stages: [
              { target: perMinute(300), duration: '30m' },
              { target: perMinute(3000), duration: '30m' },
            ],
          },
        },
      ],
      load: { kind: 'constant', rate: perMinute(300), duration: '1h' },
    });
    const fitted = defineScenario({
      ...scheduled,
      name: 'fitted-capacity',
      clock: { start: '2027-03-01T19:00:00+01:00', fit: { maxWallRate: 400, wallBudget: '7m' } },
    });
    expect(fitted.clock.schedule.length).toBeGreaterThan(1);
    for (const s of [scheduled, fitted]) {
      const seen: RunOptions['scenario'][] = [];
      await findCapacity({
        scenario: s,
        outDir: out,
        k6Path: 'unused',
        log: () => undefined,
        maxSteps: 2,
        refine: 0,
        run: async (o) => {
          seen.push(o.scenario);
          return fakeRun({ a: 1e9 })(o);
        },
      });
      expect(seen.length).toBe(2);
      for (const [i, probe] of seen.entries()) {
        expect(probe.clock.schedule).toEqual(s.clock.schedule);
        expect(probe.clock.start).toBe(s.clock.start);
        // What the runner's mock is given: the same schedule in sim instants.
        expect(mockClockOf(probe)).toEqual(mockClockOf(s));
        const own = probe.flows[1]!.load!;
        expect(peakRate(own).count).toBeCloseTo(3000 * 1.5 ** i, 6);
      }
    }
  });

  it('steps up until a norm fails, bisects, and answers per norm', async () => {
    const result = await findCapacity({
      scenario: machtigen,
      outDir: out,
      k6Path: 'unused',
      log: () => undefined,
      refine: 3,
      run: fakeRun({ a: 1000, b: 5000 }),
    });
    expect(result.exitCode).toBe(0);
    // 600, 900, 1350 (fails a) then three bisections between 900 and 1350.
    expect(result.probes.map((p) => Math.round(p.peak.count))).toEqual([600, 900, 1350, 1102, 996, 1048]);
    const a = result.norms.find((n) => n.normId === 'a')!;
    expect(Math.round(a.holdsTo!.count)).toBe(996);
    expect(Math.round(a.failsAt!.count)).toBe(1048);
    const b = result.norms.find((n) => n.normId === 'b')!;
    expect(b.failsAt).toBeUndefined();
    expect(capacityTable(result)).toMatch(
      /^a: holds to 996\/min, fails at 1,048\/min\nb: holds at every probed load \(up to 1,350\/min\)/,
    );
    expect(JSON.parse(readFileSync(join(result.dir, 'capacity.json'), 'utf8'))).toMatchObject({
      scenario: 'machtigen-capacity',
      exitCode: 0,
    });
  });

  it('a scenario that already fails is searched downwards', async () => {
    const result = await findCapacity({
      scenario: machtigen,
      outDir: out,
      k6Path: 'unused',
      log: () => undefined,
      refine: 0,
      run: fakeRun({ a: 300 }),
    });
    expect(result.probes.map((p) => Math.round(p.peak.count))).toEqual([600, 400, 267]);
    expect(Math.round(result.norms[0]!.holdsTo!.count)).toBe(267);
  });

  it('a probe the generator could not deliver is not a hold: the search stops there and says so', async () => {
    // Norm a breaches above 5,000/min, but from 1,000/min the generator drops part of the load, so
    // every norm is unjudged there (the verdict's rule): counting those as holds would report the
    // generator's ceiling as the service's capacity.
    const limited = async (o: RunOptions): Promise<RunResult> => {
      const perMin = peakRate(o.scenario.load).perSecond * 60;
      const why = 'the load generator dropped 120 of the 1000 iterations asked';
      const row = (
        perMin > 1000
          ? { normId: 'a', status: 'not-measured', unjudged: why }
          : { normId: 'a', status: perMin > 5000 ? 'fail' : 'pass' }
      ) as VerdictRow;
      return { runId: 'x', dir: o.outDir, rows: [row], exitCode: row.unjudged ? 3 : row.status === 'fail' ? 1 : 0 };
    };
    const lines: string[] = [];
    const result = await findCapacity({
      scenario: machtigen,
      outDir: out,
      k6Path: 'unused',
      log: (l) => lines.push(l),
      refine: 2,
      run: limited,
    });
    // 600, 900 hold; 1,350 is not judged: no heavier probe, no bisection towards a breach never seen.
    expect(result.probes.map((p) => Math.round(p.peak.count))).toEqual([600, 900, 1350]);
    const a = result.norms[0]!;
    expect(Math.round(a.holdsTo!.count)).toBe(900);
    expect(a.failsAt).toBeUndefined();
    expect(Math.round(a.notJudgedAt!.count)).toBe(1350);
    expect(capacityTable(result)).toMatch(/^a: holds to 900\/min; not judged at 1,350\/min/);
    expect(lines.join('\n')).toContain('probe 3: not judged: a (the load generator dropped 120');
  });

  it('with real k6 against the mock: Machtigen holds to a load under 1,000/min and fails above it', async () => {
    const result = await findCapacity({
      scenario: machtigen,
      outDir: out,
      k6Path: join(ROOT, '.tools', 'bin', 'k6'),
      log: () => undefined,
      maxSteps: 4,
      refine: 1,
      run: runScenario,
    });
    expect(result.exitCode, result.error).toBe(0);
    const norm = result.norms.find((n) => n.normId === MACHTIGEN_TRANSACTIONS_PER_MINUTE.id)!;
    expect(norm.holdsTo!.count).toBeLessThanOrEqual(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit);
    expect(norm.holdsTo!.count).toBeGreaterThanOrEqual(900);
    expect(norm.failsAt!.count).toBeGreaterThan(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit);
  }, 150_000);
});
