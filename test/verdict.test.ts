import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdictRows, allHold, junitXml, runScenario } from '../src/run/index.ts';
import { defineScenario } from '../src/scenario/index.ts';
import { perMinute, PRESENTATION_P999 } from '../src/norms/index.ts';
import { buildMock } from '../src/mock/app.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-verdict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verdict', () => {
  it('one row per norm: pass, fail with the SNO priority, or not measured', () => {
    const k6 = { metrics: { 'http_req_duration{service:presentatie}': { values: { 'p(99.9)': 250 } } } };
    const rows = verdictRows([PRESENTATION_P999.id, 'digid.authentications-per-minute'], k6, {});
    expect(rows[0]).toMatchObject({ normId: 'digid.authentications-per-minute', status: 'not-measured' });
    expect(rows[1]).toMatchObject({ normId: PRESENTATION_P999.id, measured: 250, margin: -50, status: 'fail', priority: { priority: 2, resolution: '20 office hours' } });
    expect(rows[1]!.citation).toContain('200 msec');
    expect(allHold(rows)).toBe(false);
    const xml = junitXml('x', rows, 1);
    expect(xml).toContain('failures="1" skipped="1"');
    expect(xml).toContain('<failure message="measured 250 ms, limit 200">');
  });

  it('a breach run fails the right norm: the inbox slowed by 300 ms fails presentatie.p99.9 (exit 1)', async () => {
    const start = Date.UTC(2026, 10, 17, 9);
    const mock = await buildMock({
      db: join(dir, 'slow.db'), clock: { speed: 60, start }, maintenance: { enabled: false },
      faults: { services: { presentatie: { latencySpikes: [{ from: start, to: start + 86_400_000, extraMs: 300 }] } } },
    });
    const target = await mock.listen({ port: 0, host: '127.0.0.1' });
    try {
      const scenario = defineScenario({
        name: 'slow-inbox', description: 'Burgers read while the inbox is slow',
        clock: { speed: 60 }, flows: [{ flow: 'burger-reads' }],
        load: { kind: 'constant', rate: perMinute(120), duration: '4m' },
      });
      const result = await runScenario({ scenario, target, outDir: dir, k6Path: join(ROOT, '.tools', 'bin', 'k6'), log: () => undefined });
      expect(result.exitCode, result.error).toBe(1);
      const failed = result.rows.filter((r) => r.status === 'fail').map((r) => r.normId);
      expect(failed).toEqual([PRESENTATION_P999.id]);
      expect(result.rows.find((r) => r.normId === 'digid.processing-time')?.status).toBe('pass');
      const verdict = JSON.parse(readFileSync(join(result.dir, 'verdict.json'), 'utf8')) as { holds: boolean };
      expect(verdict.holds).toBe(false);
    } finally {
      await mock.close();
    }
  }, 90_000);
});

describe('capacity norms in the verdict', () => {
  it('a DigiD minute with more than 10,000 authentications offered breaches the capacity norm', () => {
    const rows = verdictRows(['digid.authentications-per-minute'], { metrics: {} }, { digid: { peakOfferedPerMinute: 12_000 } });
    expect(rows[0]).toMatchObject({ measured: 12_000, margin: -2000, status: 'fail' });
    const ok = verdictRows(['digid.authentications-per-minute'], { metrics: {} }, { digid: { peakOfferedPerMinute: 9000 } });
    expect(ok[0]).toMatchObject({ status: 'pass', margin: 1000 });
  });
});
