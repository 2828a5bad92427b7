import { expect } from 'vitest';
import { join, resolve } from 'node:path';
import { loadScenarios } from '../../src/cli/load-scenarios.ts';
import { runScenario } from '../../src/run/runner.ts';
import type { EmittedScenario, ForecastResult } from '../../src/forecast/index.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');

export const predictedOf = (r: ForecastResult): string[] =>
  r.checks.rows
    .filter((c) => c.status === 'fail')
    .map((c) => c.normId)
    .sort();
export const setOf = (e: EmittedScenario): EmittedScenario[] => [e, ...(e.more ?? [])];
export const expectedFails = (e: EmittedScenario): string[] =>
  e.expected
    .filter((x) => x.status === 'fail')
    .map((x) => x.normId)
    .sort();

/** Runs every scenario of the set with real k6 against its own mock (in parallel: each is light) and returns each run's failed norms. */
export async function runSet(
  e: EmittedScenario,
  dir: string,
): Promise<{ name: string; failed: string[]; rows: string }[]> {
  const scenarios = await loadScenarios(
    join(dir, 'scenarios'),
    setOf(e).map((x) => x.name),
  );
  return Promise.all(
    scenarios.map(async (s) => {
      const log: string[] = [];
      const result = await runScenario({
        scenario: s,
        outDir: join(dir, 'results'),
        k6Path: K6,
        log: (l) => log.push(l),
      });
      expect(result.error, log.slice(-20).join('\n')).toBeUndefined();
      return {
        name: s.name,
        failed: result.rows
          .filter((x) => x.status === 'fail')
          .map((x) => x.normId)
          .sort(),
        rows: JSON.stringify(
          result.rows
            .filter((x) => x.measured !== undefined)
            .map((x) => [x.normId, Math.round(x.measured! * 100) / 100, x.status]),
        ),
      };
    }),
  );
}
