import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildMock } from '../src/mock/app.ts';
import { perSecond } from '../src/norms/index.ts';
import {
  BudgetError,
  compareRuns,
  DEFAULT_BUDGETS,
  loadRuns,
  parseBudgets,
  type CompareResult,
} from '../src/compare/index.ts';
import { runScenario } from '../src/run/index.ts';
import { defineScenario } from '../src/scenario/index.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.parse('2026-11-16T14:00:00+01:00');
const scenario = defineScenario({
  name: 'inbox-compare',
  description: 'Burgers reading their inbox, for comparisons',
  clock: { speed: 1, start: new Date(START).toISOString() },
  flows: [{ flow: 'burger-reads' }],
  load: { kind: 'constant', rate: perSecond(20), duration: '8s' },
});

/** n runs into one folder with runs.json, each against a fresh mock (optionally slowed down). */
async function runSet(name: string, n: number, extraMs: number): Promise<string> {
  const setDir = join(dir, name);
  mkdirSync(setDir, { recursive: true });
  const runs: string[] = [];
  for (let i = 1; i <= n; i++) {
    const mock = await buildMock({
      db: join(setDir, `mock-${i}.db`),
      clock: { speed: 1, start: START },
      maintenance: { enabled: false },
      ...(extraMs > 0
        ? {
            faults: {
              services: { presentatie: { latencySpikes: [{ from: START, to: START + 86_400_000, extraMs }] } },
            },
          }
        : {}),
    });
    const target = await mock.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await runScenario({
        scenario,
        target,
        outDir: setDir,
        runId: `rep-${i}`,
        k6Path: K6,
        log: () => undefined,
      });
      expect(r.exitCode, r.error).not.toBe(2);
      runs.push(`rep-${i}`);
    } finally {
      await mock.close();
    }
  }
  writeFileSync(join(setDir, 'runs.json'), JSON.stringify({ scenario: scenario.name, runs }));
  return setDir;
}

const regressed = (r: CompareResult): string[] =>
  r.figures.filter((f) => f.verdict === 'regression').map((f) => `${f.scope} ${f.name} ${f.figure}`);

describe('bbsim compare', () => {
  it('budgets: defaults, overrides, and a precise message for a bad one', () => {
    expect(parseBudgets([])).toEqual(DEFAULT_BUDGETS);
    expect(parseBudgets(['p99=5%,2ms']).p99).toEqual({ relativePct: 5, absolute: 2 });
    expect(parseBudgets(['error-rate=2pp'])['error-rate']).toEqual({ relativePct: 50, absolute: 2 });
    expect(() => parseBudgets(['p42=5%'])).toThrow(BudgetError);
    expect(() => parseBudgets(['p99=5'])).toThrow(/"5" is neither a percentage \(10%\) nor an amount in ms \(5ms\)/);
  });

  let baseline = '';
  let same = '';
  let slow = '';

  it('two runs of the same build on the mock do not regress; the same mock 20 ms slower does', async () => {
    baseline = await runSet('baseline', 3, 0);
    same = await runSet('same', 3, 0);
    slow = await runSet('slow', 3, 20);
    const b = loadRuns(baseline);
    expect(b).toHaveLength(3);
    expect(b[0]!.summary.histograms?.service['presentatie']?.count).toBeGreaterThan(100);
    expect(b[0]!.summary.context?.scenarioHash).toMatch(/^[0-9a-f]{16}$/);
    expect(b[0]!.summary.errors?.byFlow?.['burger-reads:presentatie']?.requests).toBe(
      b[0]!.summary.histograms?.flow['burger-reads:presentatie']?.count,
    );

    const quiet = compareRuns(b, loadRuns(same), DEFAULT_BUDGETS, { baseline, current: same });
    expect(
      regressed(quiet),
      JSON.stringify(
        quiet.figures.filter((f) => f.verdict === 'regression'),
        null,
        1,
      ),
    ).toEqual([]);
    expect(quiet.regressions).toBe(0);
    expect(quiet.warnings).toEqual([]);

    const worse = compareRuns(b, loadRuns(slow), DEFAULT_BUDGETS, { baseline, current: slow });
    const p50 = worse.figures.find((f) => f.scope === 'service' && f.name === 'presentatie' && f.figure === 'p50')!;
    expect(p50.change).toBeGreaterThan(15);
    expect(p50.interval[0]).toBeGreaterThan(DEFAULT_BUDGETS.p50.absolute);
    expect(p50.verdict).toBe('regression');
    expect(regressed(worse)).toContain('flow burger-reads:presentatie p50');
    // DigiD was not slowed down: its figures must not be called a regression.
    expect(regressed(worse).filter((x) => x.includes('digid'))).toEqual([]);
  }, 240_000);

  it('the CLI writes compare.json, junit.xml, compare.md and compare.html and exits 1 on a regression', async () => {
    const run = (args: string[]): Promise<{ code: number; stdout: string }> =>
      promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'bbsim.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const saved = await run(['baseline', 'save', baseline, '--name', 'inbox', '--dir', join(dir, 'baselines')]);
    expect(saved.stdout).toContain('baseline inbox: 3 runs of inbox-compare');
    const out = join(dir, 'cmp');
    const r = await run(['compare', join(dir, 'baselines', 'inbox'), slow, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION/);
    for (const f of ['compare.json', 'junit.xml', 'compare.md', 'compare.html'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(
      /<testsuite name="bbsim\.compare\.inbox-compare" tests="\d+" failures="[1-9]\d*"/,
    );
    expect(readFileSync(join(out, 'compare.md'), 'utf8')).toMatch(/^### bbsim: inbox-compare — ❌ \d+ regression/);
    const ok = await run(['compare', join(dir, 'baselines', 'inbox'), same, '--out', join(dir, 'cmp2')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('no regression');
    const bad = await run(['compare', join(dir, 'nowhere'), same]);
    expect(bad.code).toBe(2);
  }, 60_000);
});
