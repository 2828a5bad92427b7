/**
 * Results in the real shapes: a client that reads only XML gets the batch's BerichtVerwerkResponse
 * from GET /berichtenbox/batches/:id (406 until there is one), can page the XML list of
 * verwerkingsberichten by its cursor (next attribute and a Link header), and errors on a fixed set
 * name the allowed values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanXml } from '../src/berichten/parse-xml.ts';
import {
  BELASTINGDIENST,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { batch, xml as batchXml } from './helpers/batches.ts';

const OIN = BELASTINGDIENST.oin;

describe('results in the real shapes', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 0 } } });
  });
  afterAll(async () => mock.close());

  const get = (url: string, accept: string) =>
    mock.app.inject({ method: 'GET', url, headers: { 'x-afnemer-oin': OIN, accept } });

  it('GET /berichtenbox/batches/:id with Accept: application/xml: 406 until processed, then its BerichtVerwerkResponse', async () => {
    const b = batch(3, { now: mock.clock.now() });
    b.Bericht[2]!.BerichtInformatie.BerichtType = 'NOPE';
    const batchId = b.BatchInformatie.BatchID;
    expect((await deliverXml(mock.app, batchXml(b))).statusCode).toBe(202);
    const early = await get(`/berichtenbox/batches/${batchId}`, 'application/xml');
    expect(early.statusCode).toBe(406);
    expect(early.json()).toMatchObject({ code: 'BBSIM_NOT_ACCEPTABLE', field: 'Accept' });
    expect(early.json<{ detail: string }>().detail).toMatch(/has no BerichtVerwerkResponse yet/);
    expect((await get(`/berichtenbox/batches/${batchId}`, 'application/json')).statusCode).toBe(200);

    mock.clock.advance(60_000);
    const vb = await drainVerwerkingsberichten(mock.app, OIN, true); // acknowledged: the batch still answers
    const res = await get(`/berichtenbox/batches/${batchId}`, 'application/xml');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    const root = scanXml(res.body);
    expect(root.local).toBe('BerichtVerwerkResponse');
    const codes = root.children
      .find((c) => c.local === 'Berichten')!
      .children.map((l) => l.children.find((c) => c.local === 'VerwerkingsCode')!.text);
    const fromVb = vb.find((i) => i.BerichtVerwerkResponse.BatchInformatie['BatchID'] === batchId)!;
    expect(codes).toEqual(fromVb.BerichtVerwerkResponse.Berichten.Bericht.map((l) => l.VerwerkingsCode));
    expect(codes).toEqual(['Verwerkt', 'Verwerkt', 'BerichtTypeNietOndersteund']);
    expect(res.body).toMatch(/its BerichtTypes: VAIB, AANSLAG/); // the Toelichting names the afnemer's types
  });

  it('a poller reading only XML pages the verwerkingsberichten by next="…" and the Link header', async () => {
    for (let k = 0; k < 5; k++)
      expect((await deliverXml(mock.app, batchXml(batch(1, { now: mock.clock.now() })))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    await mock.app.bbsim.processDue();
    const seen: string[] = [];
    let url: string | undefined = '/berichtenbox/verwerkingsberichten?limit=2';
    let pages = 0;
    while (url !== undefined && pages < 10) {
      const res = await get(url, 'application/xml');
      expect(res.statusCode).toBe(200);
      const root = scanXml(res.body);
      for (const v of root.children) seen.push(/id="(\d+)"/.exec(res.body.slice(v.pos, v.pos + 80))?.[1] ?? '?');
      const next = /<Verwerkingsberichten next="(\d+)"/.exec(res.body)?.[1];
      const link = res.headers.link as string | undefined;
      if (next !== undefined)
        expect(link).toBe(`</berichtenbox/verwerkingsberichten?after=${next}&limit=2>; rel="next"`);
      else expect(link).toBeUndefined();
      url = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('a DigiD level outside the fixed set is refused naming the allowed values', async () => {
    const res = await mock.app.inject({
      method: 'POST',
      url: '/digid/authenticate',
      payload: { bsn: '111222333', level: 'Laag' },
    });
    expect(res.statusCode).toBe(400);
    const p = res.json<{ field: string; rule: string; detail: string; allowedValues: string[] }>();
    expect(p.field).toBe('body.level');
    expect(p.rule).toBe('one of Basis, Midden, Substantieel, Hoog');
    expect(p.allowedValues).toEqual(['Basis', 'Midden', 'Substantieel', 'Hoog']);
    const users = await mock.app.inject({ method: 'GET', url: '/digid/test-users?level=hoog' });
    expect(users.statusCode).toBe(400);
    expect(users.json<{ rule: string }>().rule).toBe('one of Basis, Midden, Substantieel, Hoog');
  });
});
