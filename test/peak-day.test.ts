import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NORMS } from '../src/norms/index.ts';
import { runScenario } from '../src/run/index.ts';
import type { RunSummary } from '../src/results/index.ts';
import { scenarioWallMs } from '../src/scenario/index.ts';
import peakDayWhole, { peakDayShort } from '../scenarios/peak-day.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const out = mkdtempSync(join(tmpdir(), 'bbsim-peak-day-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('peak-day', () => {
  it('the whole day: every service, norms from src/norms, a fitted schedule within 10 wall minutes, one designed breach', () => {
    const s = peakDayWhole;
    expect(new Set(s.services)).toEqual(
      new Set([
        'berichtenbox-intake',
        'digid',
        'presentatie',
        'digid-machtigen',
        'validatieservice',
        'abonnementservice',
      ]),
    );
    expect(s.norms).toContain('notificaties.per-hour');
    expect(s.expectBreaches).toEqual(['notificaties.per-hour']);
    expect(s.clock.schedule.length).toBeGreaterThan(2);
    // Fast through the night, slowest in the DigiD evening peak (from 19:45, a slot before 20:00, to 21:30).
    const night = s.clock.schedule[0]!.speed;
    const slowest = s.clock.schedule.reduce((a, x) => (x.speed < a.speed ? x : a));
    expect(slowest.from).toBeGreaterThanOrEqual(19.5 * 3_600_000);
    expect(slowest.from).toBeLessThan(21.5 * 3_600_000);
    expect(night / slowest.speed).toBeGreaterThan(10);
    expect(scenarioWallMs(s)).toBeLessThanOrEqual(10 * 60_000 * 1.001);
  });

  it('the shortened day holds its designed verdict with real k6 (every norm; capacity judged exactly, latency measured)', async () => {
    const scenario = peakDayShort();
    expect(scenario.clock.schedule.length).toBeGreaterThan(2);
    const t0 = performance.now();
    const result = await runScenario({ scenario, outDir: out, k6Path: K6, log: () => undefined, quiet: true });
    expect(result.exitCode, result.error).not.toBe(2);
    const latency = new Set(NORMS.filter((n) => n.quantity === 'latency').map((n) => n.id));
    // Latency is wall time on a shared machine: measured, not held to its norm here (as the other shipped scenarios).
    const failed = result.rows
      .filter((r) => r.status === 'fail' && !latency.has(r.normId))
      .map((r) => `${r.normId} (${r.measured})`);
    expect(failed, failed.join(', ')).toEqual([...scenario.expectBreaches]);
    for (const r of result.rows.filter((x) => latency.has(x.normId) && x.unjudged === undefined))
      expect(r.measured, r.normId).toBeGreaterThan(0);
    expect(result.rows.find((r) => r.normId === 'presentatie.p99.9')?.unjudged).toBeUndefined();
    // No service over its error budget: a burger's session outlasts the compression (at speed 3,200
    // a 15 sim min session was 0.3 wall s, and 912 of 1,911 reads answered 401 before the runner's fix).
    const over = (result.errorBudget ?? [])
      .filter((e) => e.status !== 'pass')
      .map((e) => `${e.service}: ${e.failed} of ${e.requests} (${JSON.stringify(e.byStatus)})`);
    expect(over, over.join('; ')).toEqual([]);
    // Every capacity norm with a window says at which speed its busiest window was replayed.
    const digid = result.rows.find((r) => r.normId === 'digid.authentications-per-minute');
    expect(digid?.replay?.note).toMatch(/replayed at speed/);
    // The speed it names is the schedule's at that minute. (Where the busiest minute falls is the
    // load's, not the replay's: at 1/400 the evening peak is 24 a minute, and a generator stalled
    // 2 wall s in office hours, at speed ~200, sends 7 sim minutes of logins as one; in a quiet run
    // it is in the evening, as designed.)
    const peakAt = Date.parse(digid?.replay?.peakAt ?? '');
    expect(peakAt, `busiest DigiD minute ${digid?.replay?.peakAt}`).toBeGreaterThanOrEqual(
      Date.parse(scenario.clock.start!),
    );
    const offset = peakAt - Date.parse(scenario.clock.start!);
    const speedThen = scenario.clock.schedule.filter((x) => x.from <= offset).at(-1)?.speed;
    expect([digid?.replay?.speed, ...(digid?.replay?.speeds ?? [])]).toContain(speedThen);
    expect(result.rows.find((r) => r.normId === 'presentatie.p99.9')?.replay?.faithful).toBe(true);
    const summary = JSON.parse(readFileSync(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
    const iterations = summary.k6.metrics['iterations']?.values['count'] ?? 0;
    const dropped = summary.k6.metrics['dropped_iterations']?.values['count'] ?? 0;
    // A machine shared with other jobs costs k6 iterations (20 % at load average 22 on 2 cores, the
    // VU pools exhausted by slow answers); on a machine not busier than its cores more than 5 %
    // would change what was offered. As test/compare-calibration.test.ts, by the load average.
    const share = dropped / Math.max(1, iterations + dropped);
    expect(share).toBeLessThan(loadavg()[0]! < availableParallelism() ? 0.05 : 0.5);
    expect(performance.now() - t0).toBeLessThan(75_000);
  }, 120_000);
});
