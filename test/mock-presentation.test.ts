import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  BELASTINGDIENST,
  UWV,
  deliverXml,
  devToken,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { POPULATION, batch, xml } from './helpers/batches.ts';
import { DAY } from '../src/clock/index.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

interface ListBody {
  total: number;
  berichten: {
    id: string;
    gelezen: boolean;
    bijlagen: { volgorde: number; href: string; sha256: string; bytes: number }[];
  }[];
}

/** Two burgers with letters: A gets 3 (one with an attachment), B gets 2. */
async function seed(m: TestMock): Promise<{ a: string; b: string; aIds: string[]; bIds: string[]; pdf: Buffer }> {
  const [a, b] = POPULATION.recipients(BELASTINGDIENST.oin, 2);
  const batchA = batch(3, { attachmentShare: 0 });
  for (const l of batchA.Bericht) l.BerichtInformatie.GebruikerID = a!;
  const pdf = Buffer.from('%PDF-1.7\n% bbsim test attachment\n%%EOF\n');
  batchA.Bericht[0]!.Bijlagen = [
    { Inhoud: pdf.toString('base64'), BijlageType: 'Pdf', Omschrijving: 'Aanslag 2026', Volgorde: '1' },
  ];
  const batchB = batch(2);
  for (const l of batchB.Bericht) l.BerichtInformatie.GebruikerID = b!;
  expect((await deliverXml(m.app, xml(batchA))).statusCode).toBe(202);
  expect((await deliverXml(m.app, xml(batchB))).statusCode).toBe(202);
  m.clock.advance(60_000);
  await drainVerwerkingsberichten(m.app);
  return {
    a: a!,
    b: b!,
    aIds: batchA.Bericht.map((l) => l.BerichtInformatie.BerichtID),
    bIds: batchB.Bericht.map((l) => l.BerichtInformatie.BerichtID),
    pdf,
  };
}

describe('presentation REST (the burger inbox)', () => {
  it('a burger sees only their own letters, and another burger letter is simply not found', async () => {
    mock = await startTestMock();
    const { a, b, aIds, bIds } = await seed(mock);
    const ta = await devToken(mock.app, a);
    const tb = await devToken(mock.app, b);
    const listA = (
      await mock.app.inject({ url: '/api/v1/berichten', headers: { authorization: `Bearer ${ta}` } })
    ).json<ListBody>();
    expect(listA.total).toBe(3);
    expect(new Set(listA.berichten.map((l) => l.id))).toEqual(new Set(aIds));
    const listB = (
      await mock.app.inject({ url: '/api/v1/berichten', headers: { authorization: `Bearer ${tb}` } })
    ).json<ListBody>();
    expect(new Set(listB.berichten.map((l) => l.id))).toEqual(new Set(bIds));
    for (const [method, url] of [
      ['GET', `/api/v1/berichten/${bIds[0]}`],
      ['PUT', `/api/v1/berichten/${bIds[0]}/gelezen`],
      ['DELETE', `/api/v1/berichten/${bIds[0]}`],
      ['GET', `/api/v1/berichten/${bIds[0]}/bijlagen/1`],
    ] as const) {
      const r = await mock.app.inject({ method, url, headers: { authorization: `Bearer ${ta}` } });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    // B's letter is untouched by A's attempts.
    const still = await mock.app.inject({
      url: `/api/v1/berichten/${bIds[0]}`,
      headers: { authorization: `Bearer ${tb}` },
    });
    expect(still.json()).toMatchObject({ id: bIds[0], gelezen: false });
  });

  it('reads, marks read, filters, deletes and downloads attachments', async () => {
    mock = await startTestMock();
    const { a, aIds, pdf } = await seed(mock);
    const auth = { authorization: `Bearer ${await devToken(mock.app, a)}` };
    const one = await mock.app.inject({ url: `/api/v1/berichten/${aIds[0]}`, headers: auth });
    expect(one.statusCode).toBe(200);
    const letter = one.json<{ berichtTekst: string; bijlagen: { href: string; sha256: string; bytes: number }[] }>();
    expect(letter.berichtTekst.length).toBeGreaterThan(0);
    expect(letter.bijlagen).toHaveLength(1);
    expect(letter.bijlagen[0]!.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    const file = await mock.app.inject({ url: letter.bijlagen[0]!.href, headers: auth });
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.rawPayload.equals(pdf)).toBe(true);

    expect(
      (await mock.app.inject({ method: 'PUT', url: `/api/v1/berichten/${aIds[1]}/gelezen`, headers: auth })).statusCode,
    ).toBe(204);
    const unread = (await mock.app.inject({ url: '/api/v1/berichten?gelezen=false', headers: auth })).json<ListBody>();
    expect(unread.total).toBe(2);
    const read = (await mock.app.inject({ url: '/api/v1/berichten?gelezen=true', headers: auth })).json<ListBody>();
    expect(read.berichten.map((l) => l.id)).toEqual([aIds[1]]);

    expect(
      (await mock.app.inject({ method: 'DELETE', url: `/api/v1/berichten/${aIds[2]}`, headers: auth })).statusCode,
    ).toBe(204);
    expect((await mock.app.inject({ url: `/api/v1/berichten/${aIds[2]}`, headers: auth })).statusCode).toBe(404);
    const paged = (
      await mock.app.inject({ url: '/api/v1/berichten?page=2&pageSize=1', headers: auth })
    ).json<ListBody>();
    expect(paged.total).toBe(2);
    expect(paged.berichten).toHaveLength(1);
  });

  it('letters appear only once processed and published', async () => {
    mock = await startTestMock();
    const [a] = POPULATION.recipients(BELASTINGDIENST.oin, 1);
    const b = batch(2);
    for (const l of b.Bericht) l.BerichtInformatie.GebruikerID = a!;
    b.Bericht[1]!.BerichtInformatie.PublicatieDatum = new Date(mock.clock.now() + 3 * DAY).toISOString();
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    // A fresh session each time: sessions expire on the sim clock.
    const total = async (): Promise<number> => {
      const auth = { authorization: `Bearer ${await devToken(mock!.app, a!)}` };
      return (await mock!.app.inject({ url: '/api/v1/berichten', headers: auth })).json<ListBody>().total;
    };
    expect(await total()).toBe(0); // still being parked
    mock.clock.advance(60_000);
    expect(await total()).toBe(1); // the second waits for its PublicatieDatum
    mock.clock.advance(3 * DAY);
    expect(await total()).toBe(2);
  });

  it('refuses missing, forged and expired tokens with problem+json', async () => {
    mock = await startTestMock();
    const [a] = POPULATION.recipients(BELASTINGDIENST.oin, 1);
    expect((await mock.app.inject({ url: '/api/v1/berichten' })).json()).toMatchObject({
      status: 401,
      code: 'BBSIM_UNAUTHENTICATED',
      field: 'Authorization',
    });
    const token = await devToken(mock.app, a!);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(
      (await mock.app.inject({ url: '/api/v1/berichten', headers: { authorization: `Bearer ${forged}` } })).statusCode,
    ).toBe(401);
    mock.clock.advance(DAY);
    expect(
      (await mock.app.inject({ url: '/api/v1/berichten', headers: { authorization: `Bearer ${token}` } })).json(),
    ).toMatchObject({ code: 'BBSIM_TOKEN_EXPIRED' });
    expect(
      (await mock.app.inject({ method: 'POST', url: '/dev/token', payload: { bsn: '123456789' } })).json(),
    ).toMatchObject({ status: 400, code: 'BBSIM_INVALID_BSN', rule: 'elfproef' });
  });

  it('dev tokens can be switched off', async () => {
    mock = await startTestMock({ auth: { devTokens: false } });
    const r = await mock.app.inject({ method: 'POST', url: '/dev/token', payload: { bsn: '111222333' } });
    expect(r.json()).toMatchObject({ status: 403, code: 'BBSIM_DEV_TOKENS_DISABLED' });
  });
});

describe('leveranciersportaal and operations', () => {
  it('shows per afnemer per day offered, processed and rejected by code (JSON and HTML)', async () => {
    mock = await startTestMock();
    const b = batch(4);
    b.Bericht[0]!.BerichtInformatie.BerichtType = 'NEE';
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    const own = { 'x-afnemer-oin': BELASTINGDIENST.oin };
    const rows = (await mock.app.inject({ url: '/berichtenbox/portaal.json', headers: own })).json<{
      rows: {
        afnemerOin: string;
        day: string;
        offered: number;
        processed: number;
        rejected: Record<string, number>;
        naam: string;
      }[];
    }>().rows;
    expect(rows).toEqual([
      {
        afnemerOin: BELASTINGDIENST.oin,
        naam: 'Belastingdienst',
        day: '2026-11-17',
        offered: 4,
        processed: 3,
        rejected: { BerichtTypeNietOndersteund: 1 },
      },
    ]);
    const html = await mock.app.inject({ url: '/berichtenbox/portaal', headers: own });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toMatch(/<td>2026-11-17<\/td><td>Belastingdienst<\/td>/);
    // Only the caller's own rows: another afnemer's by query is refused, and no identity at all is a 401.
    expect(
      (await mock.app.inject({ url: `/berichtenbox/portaal.json?afnemer=${BELASTINGDIENST.oin}`, headers: own })).json<{
        rows: unknown[];
      }>().rows,
    ).toHaveLength(1);
    expect(
      (await mock.app.inject({ url: `/berichtenbox/portaal.json?afnemer=${'0'.repeat(20)}`, headers: own })).json(),
    ).toMatchObject({ status: 403, code: 'BBSIM_NOT_YOUR_DATA' });
    expect(
      (await mock.app.inject({ url: '/berichtenbox/portaal.json', headers: { 'x-afnemer-oin': UWV.oin } })).json(),
    ).toEqual({ rows: [] });
    expect((await mock.app.inject({ url: '/berichtenbox/portaal.json' })).json()).toMatchObject({
      status: 401,
      code: 'BBSIM_MISSING_OIN',
    });
  });

  it('serves health, readiness, metrics and an OpenAPI document of every route', async () => {
    mock = await startTestMock();
    expect((await mock.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await mock.app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready' });
    await deliverXml(mock.app, xml(batch(2)));
    const metrics = (await mock.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/bbsim_letters_total\{code="Verwerkt"\} 2/);
    expect(metrics).toMatch(
      /bbsim_http_requests_total\{route="\/berichtenbox\/afleveren",method="POST",status="202"\} 1/,
    );
    expect(metrics).toMatch(/bbsim_intake_window_limit\{window="hour"\} 150000/);
    const doc = (await mock.app.inject({ url: '/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/berichtenbox/afleveren',
      '/berichtenbox/verwerkingsberichten',
      '/api/v1/berichten',
      '/api/v1/berichten/{id}/bijlagen/{n}',
      '/berichtenbox/portaal',
      '/metrics',
      '/status',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
