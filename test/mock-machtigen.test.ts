import { afterEach, describe, expect, it } from 'vitest';
import type { CapacityStats } from '../src/mock/capacity/capacity-stats.ts';
import type { LightMyRequestResponse } from 'fastify';
import { MINUTE } from '../src/clock/index.ts';
import { MACHTIGEN_PROCESSING_TIME, MACHTIGEN_TRANSACTIONS_PER_MINUTE } from '../src/norms/index.ts';
import { ConfigError, loadMockConfig } from '../src/mock/config.ts';
import { machtigingDecider } from '../src/mock/machtigen/decide.ts';
import { BELASTINGDIENST, T0, startTestMock, type TestMock } from './helpers/mock.ts';
import { POPULATION } from './helpers/batches.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const INSTANT = { serviceTime: { kind: 'fixed', ms: 0 } } as const;
const [A = '', B = '', C = ''] = [POPULATION.bsn(0), POPULATION.bsn(1), POPULATION.bsn(2)];

const ask = (m: TestMock, body: unknown): Promise<LightMyRequestResponse> =>
  m.app.inject({
    method: 'POST',
    url: '/machtigen/v1/bevoegdheid',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

const capacity = (s: Record<string, unknown>): CapacityStats => s['capacity'] as CapacityStats;

async function stats(m: TestMock): Promise<Record<string, unknown>> {
  const res = await m.app.inject({ url: '/machtigen/v1/stats' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

interface Antwoord {
  bevoegd: boolean;
  machtigingId?: string;
  vertegenwoordiger: string;
  vertegenwoordigde: { bsn?: string; kvk?: string };
  dienst: string;
  afnemer?: string;
}

function failsElfproef(valid: string): string {
  return valid.slice(0, 8) + String((Number(valid[8]) + 1) % 10);
}

describe('machtigen: bevoegdheid', () => {
  it('answers deterministically from the seeded population, for persons and companies', async () => {
    mock = await startTestMock({ machtigen: INSTANT });
    const decide = machtigingDecider(1, loadMockConfig({}).machtigen.authorisedShare);
    const seen = new Set<boolean>();
    for (let i = 0; i < 30; i++) {
      const vertegenwoordiger = POPULATION.bsn(100 + i);
      const vertegenwoordigde = i % 3 === 0 ? { kvk: String(10_000_000 + i * 7919) } : { bsn: POPULATION.bsn(200 + i) };
      const dienst = `aangifte-${i % 4}`;
      const res = await ask(mock, { vertegenwoordiger, vertegenwoordigde, dienst });
      expect(res.statusCode, res.body).toBe(200);
      const a = res.json<Antwoord>();
      const expected = decide(vertegenwoordiger, vertegenwoordigde, dienst);
      expect(a).toEqual({ ...expected, vertegenwoordiger, vertegenwoordigde, dienst });
      expect(a.machtigingId !== undefined).toBe(a.bevoegd);
      seen.add(a.bevoegd);
      // The same question gets the same answer and the same machtigingId.
      expect((await ask(mock, { vertegenwoordiger, vertegenwoordigde, dienst })).json()).toEqual(a);
    }
    expect(seen).toEqual(new Set([true, false]));
    const s = await stats(mock);
    expect(s['transactions']).toBe(60);
    expect((s['bevoegd'] as number) + (s['nietBevoegd'] as number)).toBe(60);
  });

  it('follows authorisedShare (0: nobody, 1: everybody) and echoes a known afnemer', async () => {
    mock = await startTestMock({ machtigen: { ...INSTANT, authorisedShare: 0 } });
    for (let i = 0; i < 10; i++)
      expect(
        (
          await ask(mock, { vertegenwoordiger: A, vertegenwoordigde: { bsn: POPULATION.bsn(10 + i) }, dienst: 'x' })
        ).json<Antwoord>().bevoegd,
      ).toBe(false);
    await mock.close();
    mock = await startTestMock({ machtigen: { ...INSTANT, authorisedShare: 1 } });
    for (let i = 0; i < 10; i++)
      expect(
        (
          await ask(mock, { vertegenwoordiger: A, vertegenwoordigde: { kvk: `1234567${i}` }, dienst: 'x' })
        ).json<Antwoord>().bevoegd,
      ).toBe(true);
    const withAfnemer = await ask(mock, {
      vertegenwoordiger: A,
      vertegenwoordigde: { bsn: B },
      dienst: 'toeslagen',
      afnemer: BELASTINGDIENST.oin,
    });
    expect(withAfnemer.json()).toMatchObject({
      bevoegd: true,
      afnemer: BELASTINGDIENST.oin,
      machtigingId: expect.stringMatching(/^mtg-[0-9a-f]{16}$/),
    });
  });

  it('a different seed gives a different population of machtigingen', () => {
    const a = machtigingDecider(1, 0.5);
    const b = machtigingDecider(2, 0.5);
    const answers = (d: typeof a): boolean[] =>
      Array.from({ length: 64 }, (_, i) => d(POPULATION.bsn(i), { bsn: POPULATION.bsn(i + 100) }, 'd').bevoegd);
    expect(answers(a)).not.toEqual(answers(b));
    expect(answers(a)).toEqual(answers(machtigingDecider(1, 0.5)));
    const share = answers(a).filter(Boolean).length / 64;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.75);
    expect(() => machtigingDecider(1, 1.5)).toThrow(/authorisedShare/);
  });

  it('refuses bad input with 400 problem+json naming the field (never 500), without using capacity', async () => {
    mock = await startTestMock({ machtigen: INSTANT });
    const ok = { vertegenwoordiger: A, vertegenwoordigde: { bsn: B }, dienst: 'aangifte' };
    const cases: [unknown, number, string, string, RegExp][] = [
      [{ ...ok, vertegenwoordiger: failsElfproef(A) }, 400, 'BBSIM_INVALID_BSN', 'vertegenwoordiger', /elfproef/],
      [{ ...ok, vertegenwoordiger: '12345' }, 400, 'BBSIM_INVALID_BSN', 'vertegenwoordiger', /9 digits/],
      [{ ...ok, vertegenwoordiger: 123456782 }, 400, 'BBSIM_INVALID_REQUEST', 'vertegenwoordiger', /string/],
      [{ vertegenwoordigde: { bsn: B }, dienst: 'x' }, 400, 'BBSIM_INVALID_REQUEST', 'vertegenwoordiger', /required/],
      [
        { ...ok, vertegenwoordigde: { bsn: failsElfproef(B) } },
        400,
        'BBSIM_INVALID_BSN',
        'vertegenwoordigde.bsn',
        /elfproef/,
      ],
      [
        { ...ok, vertegenwoordigde: { kvk: '1234567' } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde.kvk',
        /8 digits/,
      ],
      [
        { ...ok, vertegenwoordigde: { kvk: '123456789' } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde.kvk',
        /8 digits/,
      ],
      [
        { ...ok, vertegenwoordigde: { kvk: 12345678 } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde.kvk',
        /string/,
      ],
      [
        { ...ok, vertegenwoordigde: { bsn: B, kvk: '12345678' } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde',
        /exactly one/,
      ],
      [{ ...ok, vertegenwoordigde: {} }, 400, 'BBSIM_INVALID_REQUEST', 'vertegenwoordigde', /exactly one/],
      [
        { ...ok, vertegenwoordigde: { rsin: '1' } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde.rsin',
        /bsn or kvk/,
      ],
      [{ ...ok, vertegenwoordigde: B }, 400, 'BBSIM_INVALID_REQUEST', 'vertegenwoordigde', /object/],
      [{ ...ok, vertegenwoordigde: undefined }, 400, 'BBSIM_INVALID_REQUEST', 'vertegenwoordigde', /required/],
      [
        { ...ok, vertegenwoordigde: { bsn: A } },
        400,
        'BBSIM_INVALID_REQUEST',
        'vertegenwoordigde.bsn',
        /differs from vertegenwoordiger/,
      ],
      [{ ...ok, dienst: undefined }, 400, 'BBSIM_INVALID_REQUEST', 'dienst', /required/],
      [{ ...ok, dienst: '  ' }, 400, 'BBSIM_INVALID_REQUEST', 'dienst', /not empty/],
      [{ ...ok, dienst: 7 }, 400, 'BBSIM_INVALID_REQUEST', 'dienst', /string/],
      [{ ...ok, afnemer: '123' }, 400, 'BBSIM_INVALID_OIN', 'afnemer', /20 digits/],
      [{ ...ok, afnemer: '12345678901234567890' }, 403, 'BBSIM_UNKNOWN_AFNEMER', 'afnemer', /connected afnemer/],
      [{ ...ok, extra: true }, 400, 'BBSIM_INVALID_REQUEST', 'extra', /known field/],
      [[ok], 400, 'BBSIM_INVALID_REQUEST', 'body', /JSON object/],
      [null, 400, 'BBSIM_INVALID_REQUEST', 'body', /JSON object/],
    ];
    for (const [body, status, code, field, rule] of cases) {
      const res = await ask(mock, body);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const p = res.json<{ code: string; field: string; rule: string; detail: string }>();
      expect(p, field).toMatchObject({ code, field });
      expect(`${p.rule} ${p.detail}`, field).toMatch(rule);
    }
    for (const [type, payload] of [
      ['application/json', '{"vertegenwoordiger":'],
      ['application/json', ''],
      ['text/plain', 'hallo'],
      ['application/xml', '<a/>'],
    ] as const) {
      const res = await mock.app.inject({
        method: 'POST',
        url: '/machtigen/v1/bevoegdheid',
        headers: { 'content-type': type },
        payload,
      });
      expect(res.statusCode, `${type} ${payload}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${type} ${payload}`).toBeLessThan(500);
    }
    expect(await stats(mock)).toMatchObject({
      transactions: 0,
      capacity: { admitted: 0, windows: [{ used: 0, peakOffered: 0 }] },
      invalid: cases.length,
    });
  });
});

describe('machtigen: capacity and stats', () => {
  it('admits perMinute transactions per sim minute, then 503 + Retry-After; the next minute admits', async () => {
    mock = await startTestMock({ machtigen: { ...INSTANT, perMinute: 5 } }, T0 + 15_000);
    const body = { vertegenwoordiger: A, vertegenwoordigde: { bsn: B }, dienst: 'x' };
    for (let i = 0; i < 5; i++) expect((await ask(mock, body)).statusCode).toBe(200);
    const refused = await ask(mock, body);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.json()).toMatchObject({
      code: 'BBSIM_CAPACITY',
      retryAfter: 45,
      window: 'minute',
      limit: 5,
      used: 5,
      reason: 'limit',
    });
    expect(await stats(mock)).toMatchObject({
      transactions: 5,
      capacity: {
        refused: { limit: 1, total: 1 },
        windows: [
          {
            window: 'minute',
            seconds: 60,
            normId: MACHTIGEN_TRANSACTIONS_PER_MINUTE.id,
            limit: 5,
            used: 5,
            remaining: 0,
            peakOffered: 6,
          },
        ],
      },
    });
    mock.clock.advance(MINUTE);
    expect((await ask(mock, body)).statusCode).toBe(200);
    expect(await stats(mock)).toMatchObject({ transactions: 6, capacity: { windows: [{ used: 1, peakOffered: 6 }] } });
  });

  it(`at the real limit: ${MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit} in one sim minute, then refusals`, async () => {
    mock = await startTestMock({ machtigen: INSTANT });
    const limit = MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit;
    for (let i = 0; i < limit; i++) {
      const res = await ask(mock, {
        vertegenwoordiger: A,
        vertegenwoordigde: { kvk: String(10_000_000 + i) },
        dienst: 'x',
      });
      if (res.statusCode !== 200) throw new Error(`transaction ${i}: ${res.statusCode} ${res.body}`);
    }
    const refused = await ask(mock, { vertegenwoordiger: A, vertegenwoordigde: { bsn: C }, dienst: 'x' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('60');
    expect(await stats(mock)).toMatchObject({
      transactions: limit,
      capacity: { refused: { total: 1 }, windows: [{ limit, used: limit, peakOffered: limit + 1 }] },
    });
  });

  it('refuses (503 saturated) when the queue is full', async () => {
    mock = await startTestMock({ machtigen: { serviceTime: { kind: 'fixed', ms: 100 }, concurrency: 1, maxQueue: 0 } });
    const body = { vertegenwoordiger: A, vertegenwoordigde: { bsn: B }, dienst: 'x' };
    const results = await Promise.all([ask(mock, body), ask(mock, body)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 503]);
    expect(results.find((r) => r.statusCode === 503)!.json()).toMatchObject({ reason: 'saturated' });
    expect(results.find((r) => r.statusCode === 503)!.headers['retry-after']).toBe('1');
  });

  it('reports the mean processing time and the share of sim minutes within the 4 s norm', async () => {
    mock = await startTestMock({ machtigen: { serviceTime: { kind: 'fixed', ms: 30 } } });
    const body = { vertegenwoordiger: A, vertegenwoordigde: { bsn: B }, dienst: 'x' };
    expect(await stats(mock)).toMatchObject({
      transactions: 0,
      capacity: { minutes: { count: 0, meanMs: 0, withinNormPercent: 100 } },
    });
    await Promise.all([ask(mock, body), ask(mock, body)]);
    mock.clock.advance(MINUTE);
    await ask(mock, body);
    const s = await stats(mock);
    expect(s).toMatchObject({
      transactions: 3,
      processingNorm: {
        id: MACHTIGEN_PROCESSING_TIME.id,
        limitMs: MACHTIGEN_PROCESSING_TIME.limit,
        attainmentPercent: MACHTIGEN_PROCESSING_TIME.attainment,
        holds: true,
      },
      capacity: {
        minutes: { count: 2, withinNormPercent: 100, normMs: MACHTIGEN_PROCESSING_TIME.limit },
        windows: [{ limit: MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit, used: 1 }],
      },
    });
    expect(capacity(s).minutes.meanMs).toBeGreaterThanOrEqual(29);
    expect(capacity(s).minutes.meanMs).toBeLessThan(MACHTIGEN_PROCESSING_TIME.limit);
  });

  it('shows a breach when the configured processing time exceeds the norm', async () => {
    mock = await startTestMock({
      machtigen: { serviceTime: { kind: 'fixed', ms: MACHTIGEN_PROCESSING_TIME.limit + 100 } },
    });
    expect((await ask(mock, { vertegenwoordiger: A, vertegenwoordigde: { bsn: B }, dienst: 'x' })).statusCode).toBe(
      200,
    );
    const s = await stats(mock);
    expect(s).toMatchObject({
      transactions: 1,
      processingNorm: { holds: false },
      capacity: { minutes: { count: 1, withinNormPercent: 0 } },
    });
    expect(capacity(s).latency.meanMs).toBeGreaterThan(MACHTIGEN_PROCESSING_TIME.limit);
  });

  it('config: defaults from the norms, well within the processing norm; errors name the path', async () => {
    const cfg = loadMockConfig({}).machtigen;
    expect(cfg.perMinute).toBe(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit);
    if (cfg.serviceTime.kind === 'lognormal')
      expect(cfg.serviceTime.p99Ms).toBeLessThan(MACHTIGEN_PROCESSING_TIME.limit / 2);
    expect(() => loadMockConfig({ machtigen: { authorisedShare: 2 } })).toThrow(ConfigError);
    expect(() => loadMockConfig({ machtigen: { authorisedShare: 2 } })).toThrow(/machtigen\.authorisedShare/);
    expect(() => loadMockConfig({ machtigen: { concurrency: 0 } })).toThrow(/machtigen\.concurrency/);

    mock = await startTestMock({ machtigen: INSTANT });
    const doc = (await mock.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; requestBody?: unknown }>>;
    }>();
    expect(doc.paths['/machtigen/v1/bevoegdheid']?.['post']?.tags).toEqual(['machtigen']);
    expect(doc.paths['/machtigen/v1/bevoegdheid']?.['post']?.requestBody).toBeDefined();
    expect(doc.paths['/machtigen/v1/stats']?.['get']).toBeDefined();
    const metrics = await mock.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('bbsim_service_admitted_total');
  });
});
