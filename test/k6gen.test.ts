import { afterAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateK6Script, thresholdsOf } from '../src/k6gen/index.ts';
import { defineScenario } from '../src/scenario/index.ts';
import { perMinute, NORMS, PRESENTATION_P999, DIGID_PROCESSING_TIME } from '../src/norms/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { createPopulation } from '../src/population/index.ts';
import { buildMock } from '../src/mock/app.ts';
import smoke from '../scenarios/smoke.ts';

const ROOT = join(import.meta.dirname, '..');
const K6 = join(ROOT, '.tools', 'bin', 'k6');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-k6gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = loadMockConfig({});
const population = createPopulation({ seed: config.seed, ...config.population });
const afnemer = { oin: config.afnemers[0]!.oin, berichtType: config.afnemers[0]!.berichtTypes[0]! };

describe('k6 generator', () => {
  it('thresholds come from the latency norms', () => {
    const t = thresholdsOf(NORMS);
    expect(t[`http_req_duration{service:presentatie}`]).toEqual([`p(99.9)<${PRESENTATION_P999.limit}`]);
    expect(t[`http_req_duration{service:digid}`]).toEqual([`avg<${DIGID_PROCESSING_TIME.limit}`]);
  });

  it('the committed k6/smoke.js is fresh and real k6 accepts it (k6 inspect)', () => {
    const check = spawnSync(process.execPath, [join(ROOT, 'bin', 'bbsim.js'), 'generate', '--check', 'smoke'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    const out = execFileSync(K6, ['inspect', join(ROOT, 'k6', 'smoke.js')], { encoding: 'utf8' });
    const inspected = JSON.parse(out) as {
      scenarios: Record<string, { executor: string; stages: unknown[] }>;
      thresholds: Record<string, unknown>;
    };
    expect(Object.keys(inspected.scenarios).sort()).toEqual(smoke.flows.map((f) => f.flow).sort());
    expect(Object.values(inspected.scenarios).every((s) => s.executor === 'ramping-arrival-rate')).toBe(true);
    expect(Object.keys(inspected.thresholds)).toContain('http_req_duration{service:presentatie}');
  });

  it('speed comes from the environment: -e SPEED doubles the wall rates and halves the stages', () => {
    type Inspected = {
      scenarios: Record<
        string,
        { startRate: number; preAllocatedVUs: number; stages: { target: number; duration: string }[] }
      >;
      thresholds: Record<string, unknown>;
    };
    const at = (env: string[]): Inspected =>
      JSON.parse(
        execFileSync(K6, ['inspect', ...env, join(ROOT, 'k6', 'smoke.js')], { encoding: 'utf8' }),
      ) as Inspected;
    const base = at([]);
    const fast = at(['-e', `SPEED=${smoke.clock.speed * 2}`]);
    const b = base.scenarios['burger-reads']!;
    const f = fast.scenarios['burger-reads']!;
    expect(f.startRate).toBe(b.startRate * 2);
    expect(f.stages[0]!.target).toBe(b.stages[0]!.target * 2);
    expect(parseInt(f.stages[0]!.duration, 10) * 2).toBe(parseInt(b.stages[0]!.duration, 10));
    // Half the wall time: half as many timeline buckets (thresholds) per service.
    expect(Object.keys(fast.thresholds).length).toBeLessThan(Object.keys(base.thresholds).length);
  });

  it('a generated script runs with real k6 against the mock: every flow answered, thresholds hold', async () => {
    const scenario = defineScenario({
      name: 'k6gen-test',
      description: 'All flows, short, against the mock',
      clock: { speed: 60 },
      flows: [
        { flow: 'deliver-batch', weight: 3 },
        { flow: 'fetch-verwerkingsberichten' },
        { flow: 'burger-reads' },
        { flow: 'digid-authenticate' },
        { flow: 'validation-query' },
        { flow: 'subscription-request' },
        { flow: 'machtigen-check' },
      ],
      load: { kind: 'constant', rate: perMinute(60), duration: '6m' }, // 6 sim minutes = 6 wall s at speed 60
      data: { batchSize: 20, attachmentShare: 0.5, attachmentBytes: 5000 },
    });
    const script = join(dir, 'k6gen-test.js');
    writeFileSync(script, generateK6Script(scenario, { population, afnemer }));
    const app = await buildMock({ db: join(dir, 'mock.db'), clock: { speed: 60 }, maintenance: { enabled: false } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const summaryPath = join(dir, 'summary.json');
      // Async: the mock serves from this process while k6 runs.
      let run = { status: 0, out: '' };
      try {
        const r = await promisify(execFile)(
          K6,
          [
            'run',
            '--quiet',
            '--no-usage-report',
            '-e',
            `BASE_URL=${base}`,
            '-e',
            `SUMMARY_PATH=${summaryPath}`,
            '--out',
            `csv=${join(dir, 'samples.csv')}`,
            script,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        run = { status: 0, out: `${r.stdout}\n${r.stderr}` };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        run = { status: e.code ?? -1, out: `${e.stdout ?? ''}\n${e.stderr ?? ''}` };
      }
      expect(run.status, run.out).toBe(0);
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as {
        k6: { metrics: Record<string, { values: Record<string, number> }> };
      };
      const m = summary.k6.metrics;
      expect(m['http_reqs']!.values['count']!).toBeGreaterThan(20);
      expect(m['checks']!.values['rate']).toBe(1);
      expect(m['bbsim_letters_admitted']!.values['count']!).toBeGreaterThan(0);
      const status = (await (await fetch(`${base}/status`)).json()) as { intake: { lettersAdmitted: number } };
      expect(status.intake.lettersAdmitted).toBe(m['bbsim_letters_admitted']!.values['count']);
      // k6 names a request by its URL: one name per letter id made a time series per letter (a whole
      // day's k6 grew to 4.5 GB). The letter reads share one name.
      const rows = readFileSync(join(dir, 'samples.csv'), 'utf8').split('\n');
      const nameAt = rows[0]!.split(',').indexOf('name');
      const names = new Set(rows.slice(1).map((r) => r.split(',')[nameAt] ?? ''));
      const letterNames = [...names].filter((n) => n.includes('/api/v1/berichten/'));
      expect(letterNames).toEqual([`${base}/api/v1/berichten/{id}`]);
    } finally {
      await app.close();
    }
  });
});
