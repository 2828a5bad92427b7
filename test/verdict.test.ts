import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdictRows, allHold, runScenario } from '../src/run/index.ts';
import { junitXml } from '../src/results/index.ts';
import { capacityStats, windowStats } from './helpers/capacity-figures.ts';
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
    const rows = verdictRows(['digid.authentications-per-minute'], { metrics: {} }, { digid: { capacity: capacityStats('digid', [windowStats('digid.authentications-per-minute', 'minute', 60, 12_000, 10_000)]) } });
    expect(rows[0]).toMatchObject({ measured: 12_000, margin: -2000, status: 'fail' });
    const ok = verdictRows(['digid.authentications-per-minute'], { metrics: {} }, { digid: { capacity: capacityStats('digid', [windowStats('digid.authentications-per-minute', 'minute', 60, 9000, 10_000)]) } });
    expect(ok[0]).toMatchObject({ status: 'pass', margin: 1000 });
  });
});

describe('server-side norms in the verdict', () => {
  it('intake, parking, notifications and subscriptions are judged from the mock\'s busiest windows; static norms say why not', () => {
    const server = {
      status: {
        intake: {
          windows: [windowStats(null, 'minute', 60, 4200), windowStats('berichtenbox.parked-per-second', '300 s', 300, 21_000),
            windowStats('berichtenbox.messages-per-hour', 'hour', 3600, 151_000), windowStats('berichtenbox.messages-per-day', 'day', null, 400_000)],
          maxParkingDelayMs: 240_000, maxProcessingDelayMs: 300_000,
        },
        notifications: { maxDelayMs: 3_600_000, carriedOverByDay: { '2026-11-17': 22_000 }, peaks: { enqueuedPerHour: 147_000, enqueuedPerDay: 160_000 } },
      },
      abonnementservice: { kinds: {
        alles: { maxLeadTimeMs: 60_000, night: windowStats('abonnementservice.night-alles', 'night 23:00-07:00', null, 180, 225) },
        'bsn-lijst': { maxLeadTimeMs: 0, maxPlannedLeadTimeMs: 20 * 3_600_000, night: windowStats('abonnementservice.night-bsn-lijst', 'night 23:00-07:00', null, 184, 150) },
      } },
    };
    const ids = ['berichtenbox.messages-per-hour', 'berichtenbox.messages-per-day', 'berichtenbox.parked-per-second', 'berichtenbox.max-processing-time',
      'notificaties.per-hour', 'notificaties.per-day', 'abonnementservice.night-alles', 'abonnementservice.night-bsn-lijst', 'abonnementservice.lead-time', 'berichtenbox.suppliers'];
    const rows = Object.fromEntries(verdictRows(ids, { metrics: {} }, server).map((r) => [r.normId, r]));
    expect(rows['berichtenbox.messages-per-hour']).toMatchObject({ measured: 151_000, status: 'fail' });
    expect(rows['berichtenbox.messages-per-day']).toMatchObject({ measured: 400_000, status: 'pass' });
    expect(rows['berichtenbox.parked-per-second']).toMatchObject({ measured: 70, status: 'fail' });
    expect(rows['berichtenbox.parked-per-second']!.source).toContain('longest parking delay 240 sim s');
    expect(rows['berichtenbox.max-processing-time']).toMatchObject({ measured: 300, status: 'pass' });
    expect(rows['notificaties.per-hour']).toMatchObject({ measured: 147_000, status: 'fail' });
    expect(rows['notificaties.per-day']).toMatchObject({ measured: 160_000, status: 'pass' });
    expect(rows['notificaties.per-day']!.source).toContain('22000 carried over to a later day');
    expect(rows['abonnementservice.night-alles']).toMatchObject({ measured: 180, status: 'pass' });
    expect(rows['abonnementservice.night-bsn-lijst']).toMatchObject({ measured: 184, status: 'fail' });
    // A request waiting for a later night counts with the lead time planned for it.
    expect(rows['abonnementservice.lead-time']).toMatchObject({ measured: 72_000, status: 'fail' });
    expect(rows['berichtenbox.suppliers']).toMatchObject({ status: 'not-measured' });
    expect(rows['berichtenbox.suppliers']!.source).toMatch(/not measured by a load run/);
  });
});

describe('capacity figures in one shape', () => {
  it("every capacity norm the verdict checks has a window with its id in the real mock's /stats and /status, declared in /openapi.json", async () => {
    const app = await buildMock({ logger: false });
    try {
      const get = async (url: string): Promise<Record<string, unknown>> => (await app.inject({ url })).json();
      const [status, digid, machtigen, validatieservice, abonnementservice] = await Promise.all(
        ['/status', '/digid/stats', '/machtigen/v1/stats', '/validatieservice/stats', '/abonnementservice/v1/stats'].map(get));
      const server = { status, digid, machtigen, validatieservice, abonnementservice } as never;
      const capacityNorms = ['digid.authentications-per-minute', 'machtigen.transactions-per-minute', 'validatieservice.queries-per-hour',
        'berichtenbox.messages-per-hour', 'berichtenbox.messages-per-day', 'berichtenbox.parked-per-second',
        'abonnementservice.night-alles', 'abonnementservice.night-bsn-lijst', 'abonnementservice.night-mutatiebasis'];
      for (const r of verdictRows(capacityNorms, { metrics: {} }, server)) {
        expect(r.measured, r.normId).toBe(0);
        expect(r.source, r.normId).toContain(`window of ${r.normId}`);
      }
      const doc = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, { properties?: Record<string, unknown> }> } }> }> } }> }>();
      for (const path of ['/digid/stats', '/machtigen/v1/stats', '/validatieservice/stats']) {
        const schema = doc.paths[path]!.get.responses['200']!.content!['application/json']!.schema;
        expect(Object.keys(schema.properties?.['capacity']?.properties ?? {}), path).toEqual(['service', 'now', 'admitted', 'refused', 'latency', 'minutes', 'windows', 'server']);
      }
    } finally {
      await app.close();
    }
  });
});
