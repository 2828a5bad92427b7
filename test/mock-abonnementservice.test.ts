import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { HOUR, MINUTE } from '../src/clock/index.ts';
import {
  SUBSCRIPTION_LEAD_TIME,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
} from '../src/norms/index.ts';
import { SUBSCRIPTION_MAX_BSNS } from '../src/mock/abonnementservice/config.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { bsnFromIndex, formatBsn, type Population } from '../src/population/index.ts';
import {
  BELASTINGDIENST,
  UWV,
  T0,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { batch, xml as batchXml } from './helpers/batches.ts';
import {
  BASE,
  aanvraagXml,
  antwoordFromXml,
  fetchAnswer,
  getVerzoek,
  nightOf,
  postJson,
  postXml,
  type Answer,
  type Format,
  type Receipt,
} from './helpers/abonnementservice.ts';

const OIN = BELASTINGDIENST.oin;
const NORM_MS = SUBSCRIPTION_LEAD_TIME.limit * 1000;
/** The night of Tuesday 17 November 2026 (T0 is 10:00 that day), and the next. */
const NIGHT1 = nightOf(2026, 11, 17);
const NIGHT2 = nightOf(2026, 11, 18);
const NIGHT_END1 = NIGHT1 + 8 * HOUR; // 07:00 (no DST change in November)
const ms = (iso: string): number => Date.parse(iso);

interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  field?: string;
  rule?: string;
  serviceCode?: string;
  index?: number;
  retryAt?: string;
}

/** The members that want `oin`'s letters at t, by asking wantsLettersFrom for every member. */
function expectedRecipients(pop: Population, oin: string, t: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < pop.size; i++) {
    const b = pop.bsn(i);
    if (pop.wantsLettersFrom(b, oin, t)) out.push(b);
  }
  return out;
}

/** Valid BSNs outside the population's enumerable sample (they follow the same shares). */
function nonMembers(pop: Population, n: number): string[] {
  const out: string[] = [];
  for (let j = 0; out.length < n; j += 7919) if (!pop.isMember(bsnFromIndex(j))) out.push(bsnFromIndex(j));
  return out;
}

async function accept(res: Awaited<ReturnType<typeof postJson>>): Promise<Receipt> {
  if (res.statusCode !== 202) throw new Error(`expected 202, got ${res.statusCode}: ${res.body.slice(0, 400)}`);
  return res.json<Receipt>();
}

describe('abonnementservice: each kind end to end, in the night', () => {
  let mock: TestMock;
  let pop: Population;
  beforeAll(async () => {
    mock = await startTestMock({}, NIGHT1 + 30 * MINUTE); // 23:30
    pop = mock.app.bbsim.population;
  });
  afterAll(async () => mock.close());

  it('alles (XML request): pending, then ready within the lead time; the answer is exactly the members that want the letters at the peilmoment', async () => {
    const now = mock.clock.now();
    const r = await accept(await postXml(mock.app, aanvraagXml({ verzoekId: 'alles-1' })));
    expect(r).toMatchObject({
      verzoekId: 'alles-1',
      type: 'alles',
      status: 'accepted',
      oin: OIN,
      deferred: false,
      withinNorm: true,
      statusUrl: `${BASE}/verzoeken/alles-1`,
    });
    expect(ms(r.acceptedAt)).toBe(now);
    expect(ms(r.processingStartsAt)).toBe(now); // inside the night with room: processed at once
    const readyAt = ms(r.expectedReadyAt);
    expect(readyAt).toBeGreaterThan(now);
    expect(readyAt - now).toBeLessThanOrEqual(NORM_MS);

    const pending = await getVerzoek(mock.app, 'alles-1');
    expect(pending.statusCode).toBe(200);
    expect(pending.json()).toMatchObject({
      status: 'pending',
      expectedReadyAt: r.expectedReadyAt,
      verzoekId: 'alles-1',
    });
    expect(Number(pending.headers['retry-after'])).toBeGreaterThan(0);

    mock.clock.set(readyAt - 1);
    expect((await getVerzoek(mock.app, 'alles-1')).json()).toMatchObject({ status: 'pending' });
    mock.clock.set(readyAt);
    const res = await getVerzoek(mock.app, 'alles-1');
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    const a = res.json<Answer>();
    expect(a).toMatchObject({
      status: 'ready',
      type: 'alles',
      verzoekId: 'alles-1',
      withinNorm: true,
      peilmoment: new Date(now).toISOString(),
    });
    expect(a.leadTimeMs).toBeLessThanOrEqual(NORM_MS);
    const expected = expectedRecipients(pop, OIN, now);
    expect(a.count).toBe(expected.length);
    expect(a.bsns).toEqual(expected);
    // The configured shares hold: about 0.9 · 0.95 of the members.
    expect(Math.abs(expected.length / pop.size - 0.855)).toBeLessThan(0.01);
  });

  it('bsn-lijst (JSON request): which of the BSNs want the letters, each once, as gzip-compressed XML', async () => {
    const now = mock.clock.now();
    const members = Array.from({ length: 400 }, (_, i) => pop.bsn(i * 37));
    const outsiders = nonMembers(pop, 20);
    const bsns = [...members, ...outsiders, members[0]!, members[1]!];
    const r = await accept(await postJson(mock.app, { type: 'bsn-lijst', oin: OIN, verzoekId: 'lijst-1', bsns }));
    expect(r).toMatchObject({ type: 'bsn-lijst', deferred: false, withinNorm: true });
    mock.clock.set(ms(r.expectedReadyAt));
    const res = await getVerzoek(mock.app, 'lijst-1', 'gzip-xml');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(String(res.headers['vary'])).toMatch(/accept-encoding/i);
    expect(String(res.headers['content-type'])).toMatch(/^application\/xml/);
    const a = antwoordFromXml(gunzipSync(res.rawPayload).toString('utf8'));
    expect(a.type).toBe('bsn-lijst');
    expect(a.verzoekId).toBe('lijst-1');
    // BSNs outside the enumerable sample follow the same rule (population scope 'any-bsn').
    const expected = [...members, ...outsiders].filter((b) => pop.wantsLettersFrom(b, OIN, now));
    expect(a.bsns).toEqual(expected);
    expect(a.count).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(315);
    expect(expected.length).toBeLessThan(420);
    expect(a.root.children.find((c) => c.local === 'AantalAangevraagd')?.text).toBe(String(bsns.length));
  });

  it('mutatiebasis (XML request): per changed member its latest state, and the answers change as the sim clock advances', async () => {
    const sinds = T0 - 3 * 24 * HOUR;
    const first = await accept(
      await postXml(mock.app, aanvraagXml({ verzoekId: 'mut-1', mutatieDatum: new Date(sinds).toISOString() })),
    );
    expect(first.type).toBe('mutatiebasis');
    const t1 = ms(first.processingStartsAt);
    mock.clock.set(ms(first.expectedReadyAt));
    const a1 = await fetchAnswer(mock.app, 'mut-1', 'json');
    const expected1 = pop.mutationsBetween(OIN, sinds, t1);
    expect(expected1.length).toBeGreaterThan(100); // 3 days at ≈ 180 changes a day
    expect(a1.mutaties).toEqual(
      expected1.map((m) => ({
        bsn: m.bsn,
        status: m.active ? 'actief' : 'inactief',
        mutatieDatum: new Date(Math.ceil(m.at)).toISOString(),
      })),
    );
    for (const m of a1.mutaties ?? []) expect(pop.wantsLettersFrom(m.bsn, OIN, t1)).toBe(m.status === 'actief');

    // The next night, with the same sinds: a day more of changes.
    mock.clock.set(NIGHT2 + HOUR);
    const second = await accept(
      await postJson(mock.app, {
        type: 'mutatiebasis',
        oin: OIN,
        verzoekId: 'mut-2',
        sinds: new Date(sinds).toISOString(),
      }),
    );
    const t2 = ms(second.processingStartsAt);
    mock.clock.set(ms(second.expectedReadyAt));
    const a2 = await fetchAnswer(mock.app, 'mut-2', 'gzip-json');
    expect(a2.mutaties?.length).toBeGreaterThan(a1.mutaties?.length ?? 0);
    expect(a2.mutaties).not.toEqual(a1.mutaties);
    expect(a2.mutaties?.map((m) => m.bsn)).toEqual(pop.mutationsBetween(OIN, sinds, t2).map((m) => m.bsn));
    // Asking only for what changed since the first answer: exactly the changes in between.
    const third = await accept(
      await postJson(mock.app, {
        type: 'mutatiebasis',
        oin: OIN,
        verzoekId: 'mut-3',
        sinds: new Date(t1).toISOString(),
      }),
    );
    mock.clock.set(ms(third.expectedReadyAt));
    const a3 = await fetchAnswer(mock.app, 'mut-3', 'xml');
    const between = pop.mutationsBetween(OIN, t1, ms(third.processingStartsAt));
    expect(a3.mutaties?.map((m) => [m.bsn, m.status])).toEqual(
      between.map((m) => [m.bsn, m.active ? 'actief' : 'inactief']),
    );
    expect(between.length).toBeGreaterThan(50);
  });

  it('every kind in both request formats gives the same answer in JSON, XML and gzip', async () => {
    const mutatieDatum = new Date(mock.clock.now() - 2 * 24 * HOUR).toISOString();
    const bsns = Array.from({ length: 50 }, (_, i) => pop.bsn(1000 + i));
    const requests: [string, () => ReturnType<typeof postJson>][] = [
      ['alles/xml', () => postXml(mock.app, aanvraagXml({ verzoekId: 'm-alles-x', style: 'default-ns' }))],
      ['alles/json', () => postJson(mock.app, { type: 'alles', oin: OIN, verzoekId: 'm-alles-j' })],
      ['bsn-lijst/xml', () => postXml(mock.app, aanvraagXml({ verzoekId: 'm-lijst-x', bsns }))],
      ['bsn-lijst/json', () => postJson(mock.app, { type: 'bsn-lijst', oin: OIN, verzoekId: 'm-lijst-j', bsns })],
      ['mutatiebasis/xml', () => postXml(mock.app, aanvraagXml({ verzoekId: 'm-mut-x', mutatieDatum }))],
      [
        'mutatiebasis/json',
        () => postJson(mock.app, { type: 'mutatiebasis', oin: OIN, verzoekId: 'm-mut-j', sinds: mutatieDatum }),
      ],
    ];
    const receipts: Receipt[] = [];
    for (const [, send] of requests) receipts.push(await accept(await send()));
    mock.clock.set(Math.max(...receipts.map((r) => ms(r.expectedReadyAt))));
    const byKind = new Map<string, string>();
    for (const r of receipts) {
      const answers = [];
      for (const f of ['json', 'xml', 'gzip-json', 'gzip-xml'] as Format[])
        answers.push(await fetchAnswer(mock.app, r.verzoekId, f));
      const norm = answers.map((a) =>
        JSON.stringify({
          type: a.type,
          peilmoment: a.peilmoment,
          count: a.count,
          bsns: a.bsns,
          mutaties: a.mutaties?.map((m) => [m.bsn, m.status, m.mutatieDatum]),
        }),
      );
      expect(new Set(norm).size, r.verzoekId).toBe(1);
      expect(answers[0]!.type).toBe(r.type);
      expect(answers[0]!.count).toBeGreaterThan(0);
      // The same kind asked at the same instant through XML or JSON gives the same answer.
      const prev = byKind.get(r.type);
      if (prev !== undefined) expect(norm[0]).toBe(prev);
      else byKind.set(r.type, norm[0]!);
    }
  });

  it('a pending request answers XML too, and another afnemer cannot see it', async () => {
    const res = await postXml(mock.app, aanvraagXml({ verzoekId: 'pending-xml' }), OIN, { accept: 'application/xml' });
    expect(res.statusCode).toBe(202);
    expect(String(res.headers['content-type'])).toMatch(/^application\/xml/);
    expect(res.body).toContain('<Status>geaccepteerd</Status>');
    const r = (await getVerzoek(mock.app, 'pending-xml')).json<Receipt>();
    expect(r.status).toBe('pending');
    const x = await getVerzoek(mock.app, 'pending-xml', 'xml');
    expect(x.statusCode).toBe(200);
    expect(x.body).toMatch(
      /<ab:AbonnementVerzoekStatus xmlns:ab="http:\/\/schemas\.overheid\.nl\/GEB\/AbonnementServiceProcessor\/2014\/02">/,
    );
    expect(x.body).toContain('<Status>in-behandeling</Status>');
    expect(x.body).toContain(`<VerwachtGereed>${r.expectedReadyAt}</VerwachtGereed>`);
    const other = await getVerzoek(mock.app, 'pending-xml', 'json', UWV.oin);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'BBSIM_NOT_FOUND', field: 'id' });
  });

  it('re-sending a VerzoekId: same content → the same receipt, other content → 409', async () => {
    const body = { type: 'bsn-lijst', oin: OIN, verzoekId: 'dup-1', bsns: [pop.bsn(1), pop.bsn(2)] };
    const a = await accept(await postJson(mock.app, body));
    mock.clock.advance(MINUTE);
    const b = await accept(await postJson(mock.app, body));
    expect(b).toEqual(a);
    const c = await postJson(mock.app, { ...body, bsns: [pop.bsn(3)] });
    expect(c.statusCode).toBe(409);
    expect(c.json()).toMatchObject({
      code: 'BBSIM_SUBSCRIPTION_DUPLICATE_VERZOEK',
      field: 'verzoekId',
      rule: 'unique per afnemer',
    });
    // The same id is free for another afnemer.
    expect((await postJson(mock.app, { ...body, oin: UWV.oin }, UWV.oin)).statusCode).toBe(202);
    // Without a VerzoekId one is generated.
    const gen = await accept(await postJson(mock.app, { type: 'alles', oin: OIN }));
    expect(gen.verzoekId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('abonnementservice: night window and quotas (default policy: queue)', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({}, T0); // 10:00, in the day
  });
  afterAll(async () => mock.close());

  const stats = async (): Promise<{
    night: { open: boolean; nextStart: string };
    kinds: Record<
      string,
      {
        accepted: number;
        refused: number;
        deferred: number;
        processed: number;
        pending: number;
        queuedForLaterNights: number;
        maxLeadTimeMs: number;
        overNorm: number;
        night: { used: number; limit: number; remaining: number; normLimit: number };
      }
    >;
  }> => {
    const res = await mock.app.inject({ method: 'GET', url: `${BASE}/stats` });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  it('a request in the day is accepted and planned for the night; its lead time exceeds the norm and says so', async () => {
    const r = await accept(await postJson(mock.app, { type: 'alles', oin: OIN, verzoekId: 'day-1' }));
    expect(r).toMatchObject({ deferred: true, withinNorm: false });
    expect(ms(r.processingStartsAt)).toBe(NIGHT1);
    expect(ms(r.expectedReadyAt) - T0).toBeGreaterThan(NORM_MS);
    expect(r.expectedLeadTimeMs).toBe(ms(r.expectedReadyAt) - T0);
    const s = await stats();
    expect(s.night.open).toBe(false);
    expect(ms(s.night.nextStart)).toBe(NIGHT1);
    expect(s.kinds['alles']).toMatchObject({
      accepted: 1,
      deferred: 1,
      pending: 1,
      queuedForLaterNights: 1,
      processed: 0,
    });
    mock.clock.set(NIGHT1 - 1);
    expect((await getVerzoek(mock.app, 'day-1')).json()).toMatchObject({ status: 'pending' });
    mock.clock.set(ms(r.expectedReadyAt));
    const a = await fetchAnswer(mock.app, 'day-1', 'json');
    expect(ms(a.peilmoment)).toBe(NIGHT1); // read when processing started, at 23:00
    const after = await stats();
    expect(after.kinds['alles']).toMatchObject({ processed: 1, pending: 0, overNorm: 1, queuedForLaterNights: 0 });
    expect(after.kinds['alles']!.maxLeadTimeMs).toBe(ms(r.expectedReadyAt) - T0);
    // The request planned for this night counts against its quota.
    expect(after.kinds['alles']!.night).toMatchObject({
      used: 1,
      limit: SUBSCRIPTION_NIGHT_ALLES.limit,
      remaining: SUBSCRIPTION_NIGHT_ALLES.limit - 1,
    });
  });

  it(`the ${SUBSCRIPTION_NIGHT_ALLES.limit + 1}th alles request of a night is queued for the next night`, async () => {
    mock.clock.set(NIGHT1 + 2 * HOUR); // 01:00, same night; one alles already used
    const limit = SUBSCRIPTION_NIGHT_ALLES.limit;
    const receipts: Receipt[] = [];
    for (let i = 1; i < limit; i++)
      receipts.push(await accept(await postJson(mock.app, { type: 'alles', oin: OIN, verzoekId: `n-${i}` })));
    expect(receipts.every((r) => !r.deferred && r.withinNorm && ms(r.processingStartsAt) === NIGHT1 + 2 * HOUR)).toBe(
      true,
    );
    let s = await stats();
    expect(s.kinds['alles']!.night).toMatchObject({ used: limit, remaining: 0 });

    const over = await accept(await postJson(mock.app, { type: 'alles', oin: OIN, verzoekId: 'n-over' }));
    expect(over).toMatchObject({ deferred: true, withinNorm: false });
    expect(ms(over.processingStartsAt)).toBe(NIGHT2);
    expect(ms(over.expectedReadyAt) - ms(over.acceptedAt)).toBeGreaterThan(NORM_MS);
    // Other kinds have their own quota.
    const lijst = await accept(
      await postJson(mock.app, { type: 'bsn-lijst', oin: OIN, bsns: [mock.app.bbsim.population.bsn(0)] }),
    );
    expect(lijst.deferred).toBe(false);
    s = await stats();
    expect(s.kinds['alles']).toMatchObject({ queuedForLaterNights: 1, deferred: 2, refused: 0 });
    expect(s.kinds['bsn-lijst']!.night).toMatchObject({ used: 1, limit: SUBSCRIPTION_NIGHT_BSN_LIJST.limit });
    expect(s.kinds['mutatiebasis']!.night).toMatchObject({ used: 0, limit: SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit });

    // After the night, in the day: the new night's quota is untouched until it opens.
    mock.clock.set(NIGHT_END1 + HOUR);
    s = await stats();
    expect(s.night.open).toBe(false);
    expect(s.kinds['alles']).toMatchObject({ processed: limit, pending: 1 });
    mock.clock.set(NIGHT2 + MINUTE);
    s = await stats();
    expect(s.kinds['alles']!.night.used).toBe(1); // the queued request opened the new night
    mock.clock.set(ms(over.expectedReadyAt));
    expect((await fetchAnswer(mock.app, 'n-over', 'json')).peilmoment).toBe(new Date(NIGHT2).toISOString());
    s = await stats();
    expect(s.kinds['alles']).toMatchObject({ processed: limit + 1, pending: 0, overNorm: 2 });
  });

  it('requests queued in the day fill the coming night first, FIFO, then the next', async () => {
    const m = await startTestMock({ abonnementservice: { perNight: { mutatiebasis: 3 } } }, T0);
    try {
      const sinds = new Date(T0 - HOUR).toISOString();
      const starts: number[] = [];
      for (let i = 0; i < 4; i++)
        starts.push(
          ms((await accept(await postJson(m.app, { type: 'mutatiebasis', oin: OIN, sinds }))).processingStartsAt),
        );
      expect(starts).toEqual([NIGHT1, NIGHT1, NIGHT1, NIGHT2]);
      m.clock.set(NIGHT1 + 30 * MINUTE);
      const late = await accept(await postJson(m.app, { type: 'mutatiebasis', oin: OIN, sinds }));
      expect(ms(late.processingStartsAt)).toBe(NIGHT2);
      const s = (await m.app.inject({ method: 'GET', url: `${BASE}/stats` })).json<{
        kinds: Record<string, { night: { used: number }; queuedForLaterNights: number }>;
      }>();
      expect(s.kinds['mutatiebasis']).toMatchObject({ night: { used: 3 }, queuedForLaterNights: 2 });
    } finally {
      await m.close();
    }
  });

  it('the backlog is bounded: beyond maxQueuedNights nights a request is refused with 429', async () => {
    const m = await startTestMock({ abonnementservice: { perNight: { alles: 1 }, maxQueuedNights: 2 } }, T0);
    try {
      for (let i = 0; i < 2; i++) await accept(await postJson(m.app, { type: 'alles', oin: OIN }));
      const res = await postJson(m.app, { type: 'alles', oin: OIN });
      expect(res.statusCode).toBe(429);
      expect(res.json<Problem>()).toMatchObject({ code: 'BBSIM_SUBSCRIPTION_BACKLOG_FULL', status: 429 });
      expect(Number(res.headers['retry-after'])).toBe((NIGHT1 - T0) / 1000);
    } finally {
      await m.close();
    }
  });
});

describe('abonnementservice: policy refuse (outsideWindow and overQuota)', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ abonnementservice: { outsideWindow: 'refuse', overQuota: 'refuse' } }, T0);
  });
  afterAll(async () => mock.close());

  it('outside the night: 429 with Retry-After until the night opens; nothing counted', async () => {
    const res = await postXml(mock.app, aanvraagXml());
    expect(res.statusCode).toBe(429);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.json<Problem>()).toMatchObject({
      code: 'BBSIM_SUBSCRIPTION_OUTSIDE_NIGHT',
      status: 429,
      retryAt: new Date(NIGHT1).toISOString(),
    });
    expect(Number(res.headers['retry-after'])).toBe((NIGHT1 - T0) / 1000);
    const s = (await mock.app.inject({ method: 'GET', url: `${BASE}/stats` })).json<{
      kinds: Record<string, { accepted: number; refused: number; refusedByReason: Record<string, number> }>;
    }>();
    expect(s.kinds['alles']).toMatchObject({ accepted: 0, refused: 1, refusedByReason: { 'outside-window': 1 } });
  });

  it(`in the night: ${SUBSCRIPTION_NIGHT_ALLES.limit} alles requests, the next refused with 429 until the next night`, async () => {
    const now = NIGHT1 + 7 * HOUR; // 06:00, the last hour of the night
    mock.clock.set(now);
    for (let i = 0; i < SUBSCRIPTION_NIGHT_ALLES.limit; i++) {
      const r = await accept(await postJson(mock.app, { type: 'alles', oin: OIN }));
      if (r.deferred || ms(r.processingStartsAt) !== now) throw new Error(`request ${i} was not processed at once`);
    }
    const res = await postJson(mock.app, { type: 'alles', oin: OIN });
    expect(res.statusCode).toBe(429);
    expect(res.json<Problem>()).toMatchObject({
      code: 'BBSIM_SUBSCRIPTION_NIGHT_QUOTA',
      retryAt: new Date(NIGHT2).toISOString(),
    });
    expect(Number(res.headers['retry-after'])).toBe((NIGHT2 - now) / 1000);
    // Other kinds still have room.
    expect(
      (await postJson(mock.app, { type: 'mutatiebasis', oin: OIN, sinds: new Date(T0).toISOString() })).statusCode,
    ).toBe(202);
    mock.clock.set(NIGHT2);
    expect((await postJson(mock.app, { type: 'alles', oin: OIN })).statusCode).toBe(202);
  });
});

describe('abonnementservice: bsn-lijst agrees with the intake', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({}, NIGHT1 + HOUR);
  });
  afterAll(async () => mock.close());

  it("the BSNs a bsn-lijst answer leaves out are exactly the intake's NietActiefOfGeabonneerd at the same time", async () => {
    const pop = mock.app.bbsim.population;
    const t = mock.clock.now();
    // Both ask the population at the same sim instant, members whose preference is toggled included.
    const bsns = [...Array.from({ length: 900 }, (_, i) => pop.bsn(i * 211)), ...nonMembers(pop, 50)];
    const r = await accept(await postJson(mock.app, { type: 'bsn-lijst', oin: OIN, verzoekId: 'vs-intake', bsns }));
    expect(ms(r.processingStartsAt)).toBe(t);

    // The same BSNs as letters to the intake, delivered at the same sim instant.
    const b = batch(bsns.length, { now: t });
    b.Bericht.forEach((l, i) => {
      l.BerichtInformatie.GebruikerID = bsns[i]!;
    });
    const bsnOf = new Map(
      b.Bericht.map((l) => [l.BerichtInformatie.BerichtID.toLowerCase(), l.BerichtInformatie.GebruikerID]),
    );
    expect((await deliverXml(mock.app, batchXml(b))).statusCode).toBe(202);

    mock.clock.set(ms(r.expectedReadyAt));
    const answer = new Set((await fetchAnswer(mock.app, 'vs-intake', 'json')).bsns);
    const items = await drainVerwerkingsberichten(mock.app);
    const codes = new Map<string, string>();
    for (const item of items)
      for (const l of item.BerichtVerwerkResponse.Berichten.Bericht)
        codes.set(bsnOf.get(l.BerichtID.toLowerCase()) ?? '?', l.VerwerkingsCode);
    expect(codes.size).toBe(bsns.length);
    let refused = 0;
    for (const bsn of bsns) {
      const code = codes.get(bsn);
      expect(code === 'NietActiefOfGeabonneerd', `${bsn}: intake ${code}, answer ${answer.has(bsn)}`).toBe(
        !answer.has(bsn),
      );
      if (code === 'NietActiefOfGeabonneerd') refused++;
      else expect(code).toBe('Verwerkt');
    }
    expect(refused).toBeGreaterThan(50); // ≈ 14.5 % of them, sampled or not
    expect(answer.size).toBeGreaterThan(600);
  });
});

describe('abonnementservice: bad input is a 4xx problem naming field and rule, never a 500', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({}, NIGHT1 + HOUR);
  });
  afterAll(async () => mock.close());

  const X = (body: string): string =>
    `<?xml version="1.0"?><a:AbonnementAanvraag xmlns:a="http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02">${body}</a:AbonnementAanvraag>`;
  const LEV = `<BerichtLeverancier><OIN>${OIN}</OIN></BerichtLeverancier>`;
  const json = (body: unknown) => () => postJson(mock.app, body);
  const xmlReq = (body: string) => () => postXml(mock.app, body);
  const later = new Date(NIGHT1 + 2 * HOUR).toISOString();

  const cases: [string, () => ReturnType<typeof postJson>, number, Partial<Problem>][] = [
    [
      'malformed XML',
      xmlReq(aanvraagXml().slice(0, 120)),
      400,
      { code: 'BBSIM_MALFORMED_BODY', rule: 'well-formed XML' },
    ],
    [
      'a DOCTYPE (entity expansion)',
      xmlReq(
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a:AbonnementAanvraag xmlns:a="http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02">&x;</a:AbonnementAanvraag>',
      ),
      400,
      { code: 'BBSIM_UNSAFE_XML' },
    ],
    [
      'wrong root element',
      xmlReq('<?xml version="1.0"?><Berichten/>'),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'AbonnementAanvraag' },
    ],
    [
      'root in no namespace',
      xmlReq(`<AbonnementAanvraag>${LEV}</AbonnementAanvraag>`),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'AbonnementAanvraag' },
    ],
    [
      'unknown element',
      xmlReq(X(`${LEV}<Soort>alles</Soort>`)),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'AbonnementAanvraag.Soort' },
    ],
    [
      'repeated element',
      xmlReq(X(`${LEV}<VerzoekId>a</VerzoekId><VerzoekId>b</VerzoekId>`)),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'VerzoekId', rule: 'at most once' },
    ],
    [
      'BSNLijst and MutatieDatum together',
      xmlReq(X(`${LEV}<BSNLijst><BSN>111222333</BSN></BSNLijst><MutatieDatum>2026-11-01T00:00:00Z</MutatieDatum>`)),
      400,
      { code: 'BBSIM_INVALID_REQUEST', rule: 'at most one of BSNLijst, MutatieDatum' },
    ],
    [
      'no BerichtLeverancier',
      xmlReq(X('<VerzoekId>x</VerzoekId>')),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'BerichtLeverancier', rule: 'required' },
    ],
    [
      'no OIN',
      xmlReq(X('<BerichtLeverancier/>')),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'BerichtLeverancier.OIN', rule: 'required' },
    ],
    [
      'OIN not 20 digits',
      xmlReq(X('<BerichtLeverancier><OIN>123</OIN></BerichtLeverancier>')),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'BerichtLeverancier.OIN', rule: '20 digits' },
    ],
    [
      'OIN of another afnemer (XML)',
      xmlReq(aanvraagXml({ oin: UWV.oin })),
      400,
      {
        code: 'BBSIM_INVALID_REQUEST',
        field: 'BerichtLeverancier.OIN',
        rule: 'equals X-Afnemer-OIN',
        serviceCode: 'OinInCPAKomtNietOvereenMetOinInBericht',
      },
    ],
    [
      'OIN of another afnemer (JSON)',
      json({ type: 'alles', oin: UWV.oin }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'oin', serviceCode: 'OinInCPAKomtNietOvereenMetOinInBericht' },
    ],
    [
      'a BSN failing the elfproef (XML), with its index',
      xmlReq(aanvraagXml({ bsns: ['111222333', '999999990', '123456789'] })),
      400,
      { code: 'BBSIM_INVALID_BSN', field: 'BSNLijst.BSN[2]', rule: 'elfproef', index: 2 },
    ],
    [
      'a BSN failing the elfproef (JSON), with its index',
      json({ type: 'bsn-lijst', oin: OIN, bsns: ['111222333', '12345678'] }),
      400,
      { code: 'BBSIM_INVALID_BSN', field: 'bsns[1]', rule: 'elfproef', index: 1 },
    ],
    [
      'a BSN that is not a string',
      json({ type: 'bsn-lijst', oin: OIN, bsns: [111222333] }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'bsns[0]', rule: 'string of 9 digits' },
    ],
    ['an empty BSN list', xmlReq(X(`${LEV}<BSNLijst/>`)), 400, { code: 'BBSIM_INVALID_REQUEST', field: 'BSNLijst' }],
    [
      'something else in the BSNLijst',
      xmlReq(X(`${LEV}<BSNLijst><Nummer>111222333</Nummer></BSNLijst>`)),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'BSNLijst.Nummer' },
    ],
    [
      'unknown type',
      json({ type: 'sommige', oin: OIN }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'type', rule: 'one of alles, bsn-lijst, mutatiebasis' },
    ],
    ['no type', json({ oin: OIN }), 400, { code: 'BBSIM_INVALID_REQUEST', field: 'type' }],
    ['no oin', json({ type: 'alles' }), 400, { code: 'BBSIM_INVALID_REQUEST', field: 'oin', rule: 'required' }],
    [
      'unknown property',
      json({ type: 'alles', oin: OIN, prioriteit: 'hoog' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'prioriteit', rule: 'unknown property' },
    ],
    [
      'bsns with alles',
      json({ type: 'alles', oin: OIN, bsns: ['111222333'] }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'bsns', rule: 'only with bsn-lijst' },
    ],
    [
      'bsn-lijst without bsns',
      json({ type: 'bsn-lijst', oin: OIN }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'bsns', rule: 'required for bsn-lijst' },
    ],
    [
      'bsns not an array',
      json({ type: 'bsn-lijst', oin: OIN, bsns: '111222333' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'bsns' },
    ],
    [
      'mutatiebasis without sinds',
      json({ type: 'mutatiebasis', oin: OIN }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds', rule: 'required for mutatiebasis' },
    ],
    [
      'sinds not an instant',
      json({ type: 'mutatiebasis', oin: OIN, sinds: 'gisteren' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds' },
    ],
    [
      'sinds without a zone',
      json({ type: 'mutatiebasis', oin: OIN, sinds: '2026-11-01T10:00:00' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds' },
    ],
    [
      'sinds an impossible date',
      json({ type: 'mutatiebasis', oin: OIN, sinds: '2026-13-01T10:00:00Z' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds' },
    ],
    [
      'sinds a number',
      json({ type: 'mutatiebasis', oin: OIN, sinds: 1_700_000_000_000 }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds', rule: 'string' },
    ],
    [
      'MutatieDatum not an instant (XML)',
      xmlReq(aanvraagXml({ mutatieDatum: '17-11-2026' })),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'MutatieDatum' },
    ],
    [
      'MutatieDatum in the future',
      xmlReq(aanvraagXml({ mutatieDatum: later })),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'MutatieDatum', rule: 'not in the future' },
    ],
    [
      'sinds with alles',
      json({ type: 'alles', oin: OIN, sinds: '2026-11-01T00:00:00Z' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'sinds', rule: 'only with mutatiebasis' },
    ],
    [
      'a VerzoekId that is not URL-safe',
      json({ type: 'alles', oin: OIN, verzoekId: 'a/b?c' }),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'verzoekId' },
    ],
    [
      'an empty VerzoekId (XML)',
      xmlReq(X(`${LEV}<VerzoekId></VerzoekId>`)),
      400,
      { code: 'BBSIM_INVALID_REQUEST', field: 'VerzoekId' },
    ],
    [
      'a JSON array',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'application/json', 'x-afnemer-oin': OIN },
          payload: '[1,2]',
        }),
      400,
      { code: 'BBSIM_MALFORMED_BODY' },
    ],
    ['an empty XML body', xmlReq(''), 400, { code: 'BBSIM_MALFORMED_BODY' }],
    [
      'JSON null',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'application/json', 'x-afnemer-oin': OIN },
          payload: 'null',
        }),
      400,
      { code: 'BBSIM_MALFORMED_BODY' },
    ],
    [
      'a JSON string',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'application/json', 'x-afnemer-oin': OIN },
          payload: '"<AbonnementAanvraag/>"',
        }),
      400,
      { code: 'BBSIM_MALFORMED_BODY' },
    ],
    [
      'malformed JSON',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'application/json', 'x-afnemer-oin': OIN },
          payload: '{"type":',
        }),
      400,
      { code: 'BBSIM_MALFORMED_BODY' },
    ],
    [
      'plain text',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'text/plain', 'x-afnemer-oin': OIN },
          payload: 'alles',
        }),
      415,
      { code: 'BBSIM_UNSUPPORTED_MEDIA_TYPE' },
    ],
    [
      'no X-Afnemer-OIN',
      () =>
        mock.app.inject({
          method: 'POST',
          url: `${BASE}/verzoeken`,
          headers: { 'content-type': 'application/xml' },
          payload: aanvraagXml(),
        }),
      401,
      { code: 'BBSIM_MISSING_OIN', field: 'X-Afnemer-OIN' },
    ],
    [
      'an unknown afnemer',
      () => postXml(mock.app, aanvraagXml({ oin: '00000001999999999000' }), '00000001999999999000'),
      403,
      { code: 'BBSIM_UNKNOWN_AFNEMER' },
    ],
    [
      'GET of an unknown request',
      () => getVerzoek(mock.app, 'bestaat-niet'),
      404,
      { code: 'BBSIM_NOT_FOUND', field: 'id' },
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, expected) => {
    const res = await send();
    expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const body = res.json<Problem>();
    expect(body).toMatchObject({ status, ...expected });
    expect(body.detail.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/);
  });

  it(`a list of ${SUBSCRIPTION_MAX_BSNS} BSNs is accepted, one more is refused (JSON and XML)`, async () => {
    const one = mock.app.bbsim.population.bsn(0);
    const max = await postJson(mock.app, {
      type: 'bsn-lijst',
      oin: OIN,
      bsns: new Array<string>(SUBSCRIPTION_MAX_BSNS).fill(one),
    });
    expect(max.statusCode).toBe(202);
    const over = await postJson(mock.app, {
      type: 'bsn-lijst',
      oin: OIN,
      bsns: new Array<string>(SUBSCRIPTION_MAX_BSNS + 1).fill(one),
    });
    expect(over.statusCode).toBe(400);
    expect(over.json<Problem>()).toMatchObject({
      code: 'BBSIM_INVALID_REQUEST',
      field: 'bsns',
      rule: `at most ${SUBSCRIPTION_MAX_BSNS} BSNs`,
    });
    const xmlOver = await postXml(
      mock.app,
      aanvraagXml({ bsns: new Array<string>(SUBSCRIPTION_MAX_BSNS + 1).fill(one) }),
    );
    expect(xmlOver.statusCode).toBe(400);
    expect(xmlOver.json<Problem>()).toMatchObject({
      code: 'BBSIM_INVALID_REQUEST',
      field: 'BSNLijst',
      rule: `at most ${SUBSCRIPTION_MAX_BSNS} BSNs`,
    });
    const stats = (await mock.app.inject({ method: 'GET', url: `${BASE}/stats` })).json<{ stored: { bsns: number } }>();
    expect(stats.stored.bsns).toBe(SUBSCRIPTION_MAX_BSNS);
  });

  it('a body over the limit is 413; a full store is 503 until answers can be dropped', async () => {
    const m = await startTestMock({ abonnementservice: { bodyLimitBytes: 2000, maxRequests: 2 } }, NIGHT1 + HOUR);
    try {
      const big = await postXml(m.app, aanvraagXml({ bsns: new Array<string>(200).fill(formatBsn(111222333)) }));
      expect(big.statusCode).toBe(413);
      expect(big.json<Problem>()).toMatchObject({ code: 'BBSIM_BODY_TOO_LARGE' });
      const a = await accept(await postJson(m.app, { type: 'alles', oin: OIN, verzoekId: 'keep-1' }));
      await accept(await postJson(m.app, { type: 'alles', oin: OIN, verzoekId: 'keep-2' }));
      const full = await postJson(m.app, { type: 'alles', oin: OIN });
      expect(full.statusCode).toBe(503);
      expect(full.json<Problem>()).toMatchObject({ code: 'BBSIM_CAPACITY', reason: 'store-full' });
      expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
      m.clock.set(ms(a.expectedReadyAt));
      await accept(await postJson(m.app, { type: 'alles', oin: OIN, verzoekId: 'keep-3' })); // drops the oldest answered request
      expect((await getVerzoek(m.app, 'keep-1')).statusCode).toBe(404);
      expect((await getVerzoek(m.app, 'keep-3')).statusCode).toBe(200);
    } finally {
      await m.close();
    }
  });
});

describe('abonnementservice: documentation and stats', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({}, T0);
  });
  afterAll(async () => mock.close());

  it('documents its routes in /openapi.json under the tag abonnementservice', async () => {
    const doc = (await mock.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
    }>();
    for (const [path, method] of [
      [`${BASE}/verzoeken`, 'post'],
      [`${BASE}/verzoeken/{id}`, 'get'],
      [`${BASE}/stats`, 'get'],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op?.tags).toEqual(['abonnementservice']);
      expect(op?.summary?.length).toBeGreaterThan(10);
    }
  });

  it('stats name every kind with its norm limits, policy and the lead-time norm', async () => {
    const s = (await mock.app.inject({ method: 'GET', url: `${BASE}/stats` })).json<{
      leadTimeNormMs: number;
      policy: Record<string, unknown>;
      night: { from: string; to: string; open: boolean };
      kinds: Record<string, { night: { limit: number; normId: string; window: string } }>;
    }>();
    expect(s.leadTimeNormMs).toBe(NORM_MS);
    expect(s.policy).toMatchObject({ outsideWindow: 'queue', overQuota: 'queue' });
    expect(s.night).toMatchObject({ from: '23:00', to: '07:00', open: false });
    expect(s.kinds['alles']!.night).toMatchObject({
      window: 'night 23:00-07:00',
      normId: SUBSCRIPTION_NIGHT_ALLES.id,
      limit: SUBSCRIPTION_NIGHT_ALLES.limit,
    });
    expect(s.kinds['bsn-lijst']!.night.limit).toBe(SUBSCRIPTION_NIGHT_BSN_LIJST.limit);
    expect(s.kinds['mutatiebasis']!.night.limit).toBe(SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit);
  });

  it('rejects a config that breaks the rules, naming the key', async () => {
    expect(() => loadMockConfig({ abonnementservice: { perNight: { alles: 0 } } })).toThrow(
      /abonnementservice\.perNight\.alles/,
    );
    expect(() => loadMockConfig({ abonnementservice: { outsideWindow: 'later' as 'queue' } })).toThrow(
      /abonnementservice\.outsideWindow/,
    );
    expect(() => loadMockConfig({ abonnementservice: { night: { from: '25:00' } } })).toThrow(
      /abonnementservice\.night\.from/,
    );
    expect(() => loadMockConfig({ abonnementservice: { maxBsns: SUBSCRIPTION_MAX_BSNS + 1 } })).toThrow(
      /abonnementservice\.maxBsns/,
    );
  });
});
