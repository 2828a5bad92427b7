import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perMinute, MACHTIGEN_TRANSACTIONS_PER_MINUTE } from '../src/norms/index.ts';
import { runScenario } from '../src/run/index.ts';
import type { RunSummary } from '../src/results/index.ts';
import { defineScenario } from '../src/scenario/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'bbsim-run-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bbsim run --engine native', () => {
  it('runs a scenario in-process against the mock and writes the same results as the k6 path', async () => {
    const scenario = defineScenario({
      name: 'native-run',
      description: 'Machtigen checks and validation queries with the native engine',
      clock: { speed: 6, start: '2026-11-16T10:00:00+01:00' },
      flows: [
        { flow: 'machtigen-check', weight: 3 },
        { flow: 'validation-query', weight: 1 },
      ],
      load: { kind: 'constant', rate: perMinute(400), duration: '1m30s' },
    });
    const result = await runScenario({
      scenario,
      outDir: dir,
      k6Path: '/nonexistent/k6',
      engine: 'native',
      log: () => undefined,
    });
    expect(result.exitCode, result.error).toBe(0);
    const summary = JSON.parse(readFileSync(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.engine).toBe('native');
    expect(summary.histograms?.service['digid-machtigen']?.count).toBeGreaterThan(100);
    expect(Object.keys(summary.histograms?.flow ?? {})).toEqual(
      expect.arrayContaining(['machtigen-check:digid-machtigen', 'validation-query:validatieservice']),
    );
    expect(summary.timeline.length).toBeGreaterThan(5);
    expect(summary.errors).toMatchObject({ byStatus: {}, byCode: {} });
    expect(summary.errors?.byFlow?.['machtigen-check:digid-machtigen']?.requests).toBe(
      summary.histograms?.flow['machtigen-check:digid-machtigen']?.count,
    );
    expect(summary.errors?.byFlow?.['machtigen-check:digid-machtigen']?.failed).toBe(0);
    expect(summary.k6.metrics['bbsim_first_request_ms']?.values['value']).toBeGreaterThan(0);
    const row = result.rows.find((r) => r.normId === MACHTIGEN_TRANSACTIONS_PER_MINUTE.id)!;
    // 3/4 of 400 a minute, judged from the mock's busiest sim minute.
    expect(row.measured).toBeGreaterThan(250);
    expect(row.measured).toBeLessThan(350);
    expect(row.status).toBe('pass');
    for (const f of ['verdict.json', 'junit.xml', 'report.html'])
      expect(readFileSync(join(result.dir, f), 'utf8').length, f).toBeGreaterThan(100);
  }, 60_000);
});
