import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BELASTINGDIENST,
  T0,
  deliverJson,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { batch, json, xml } from './helpers/batches.ts';
import { DAY } from '../src/clock/index.ts';
import { MAX_ATTACHMENT_BYTES } from '../src/norms/index.ts';
import { minimalPdf } from '../src/berichten/index.ts';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock({ intake: { bodyLimitBytes: 2_000_000 } });
});
afterAll(async () => mock.close());

interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  field?: string;
  rule?: string;
  serviceCode?: string;
}

function post(headers: Record<string, string>, payload: string) {
  return mock.app.inject({ method: 'POST', url: '/berichtenbox/afleveren', headers, payload });
}

const XML = { 'content-type': 'application/xml', 'x-afnemer-oin': BELASTINGDIENST.oin };

describe('transport and batch faults: a synchronous 4xx problem+json naming field and rule', () => {
  const cases: [
    string,
    () => Promise<{ statusCode: number; headers: Record<string, unknown>; json: <T>() => T }>,
    number,
    Partial<Problem>,
  ][] = [
    [
      'wrong content type',
      () => post({ ...XML, 'content-type': 'text/plain' }, 'hallo'),
      415,
      { code: 'BBSIM_UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' },
    ],
    [
      'missing OIN header',
      () => post({ 'content-type': 'application/xml' }, xml(batch())),
      401,
      { code: 'BBSIM_MISSING_OIN', field: 'X-Afnemer-OIN' },
    ],
    [
      'OIN not 20 digits',
      () => post({ ...XML, 'x-afnemer-oin': '123' }, xml(batch())),
      400,
      { code: 'BBSIM_INVALID_OIN', field: 'X-Afnemer-OIN', rule: '20 digits' },
    ],
    [
      'unknown OIN',
      () => post({ ...XML, 'x-afnemer-oin': '00000001999999999000' }, xml(batch())),
      403,
      { code: 'BBSIM_UNKNOWN_AFNEMER' },
    ],
    [
      'malformed XML',
      () => post(XML, xml(batch()).slice(0, 300)),
      400,
      { code: 'BBSIM_MALFORMED_BODY', serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit' },
    ],
    ['not XML at all', () => post(XML, '{"Berichten":1}'), 400, { code: 'BBSIM_MALFORMED_BODY' }],
    ['wrong root element', () => post(XML, '<?xml version="1.0"?><Brieven/>'), 400, { code: 'BBSIM_MALFORMED_BODY' }],
    [
      'malformed JSON',
      () => post({ ...XML, 'content-type': 'application/json' }, '{"Berichten": ['),
      400,
      { code: 'BBSIM_MALFORMED_BODY', rule: 'JSON' },
    ],
    [
      'JSON of the wrong shape',
      () => post({ ...XML, 'content-type': 'application/json' }, '[1,2,3]'),
      400,
      { code: 'BBSIM_MALFORMED_BODY' },
    ],
    [
      'entity expansion (billion laughs)',
      () =>
        post(
          XML,
          '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Berichten>&lol2;</Berichten>',
        ),
      400,
      { code: 'BBSIM_UNSAFE_XML' },
    ],
    [
      'external entity (XXE)',
      () =>
        post(
          XML,
          '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Berichten>&xxe;</Berichten>',
        ),
      400,
      { code: 'BBSIM_UNSAFE_XML' },
    ],
    [
      'empty batch',
      () => {
        const b = batch(1);
        b.Bericht = [];
        return post(XML, xml(b));
      },
      400,
      { code: 'BBSIM_BATCH_SIZE', field: 'Bericht' },
    ],
    [
      'more than 1000 letters',
      () => deliverJson(mock.app, json(batch(1001, { textChars: 10 }))),
      400,
      { code: 'BBSIM_BATCH_SIZE', field: 'Bericht' },
    ],
    [
      'body over the limit',
      () => post(XML, xml(batch(1000, { textChars: 3000 }))),
      413,
      { code: 'BBSIM_BODY_TOO_LARGE' },
    ],
    [
      'BatchID not a GUID',
      () => {
        const b = batch(2);
        b.BatchInformatie.BatchID = 'batch-1';
        for (const l of b.Bericht) delete l.BerichtInformatie.BatchID;
        return post(XML, xml(b));
      },
      400,
      {
        code: 'BBSIM_BATCH_HEADER_INVALID',
        field: 'BatchInformatie.BatchID',
        serviceCode: 'XmlValidatieTegenXsdValtNegatiefUit',
      },
    ],
    [
      'AanmaakDatum not a dateTime',
      () => {
        const b = batch(2);
        b.BatchInformatie.AanmaakDatum = 'gisteren';
        return post(XML, xml(b));
      },
      400,
      { code: 'BBSIM_BATCH_HEADER_INVALID', field: 'BatchInformatie.AanmaakDatum' },
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, expected) => {
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const body = res.json<Problem>();
    expect(body).toMatchObject({ status, ...expected });
    expect(body.title.length).toBeGreaterThan(0);
    expect(body.detail.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/); // never a stack trace
  });

  it('nothing of a refused batch is stored', async () => {
    expect(await mock.app.bbsim.store.countLetters()).toBe(0);
  });
});

describe('letter faults: the documented VerwerkingsCode per letter, with a toelichting naming field and rule', () => {
  it('codes every defect of a mixed batch', async () => {
    const b = batch(12);
    const L = (i: number) => b.Bericht[i]!;
    L(0).BerichtInformatie.BerichtID = 'niet-een-guid';
    L(1).BerichtInformatie.GebruikerID = '123456789'; // fails the elfproef
    L(2).BerichtInformatie.GebruikerID = '12345'; // not 9 digits
    L(3).BerichtInformatie.PublicatieDatum = new Date(T0 + 14 * DAY).toISOString();
    L(4).BerichtInformatie.BerichtID = L(5).BerichtInformatie.BerichtID; // duplicate: the second one (5) loses
    L(6).Bijlagen = [
      {
        Inhoud: minimalPdf(MAX_ATTACHMENT_BYTES.limit + 1).toString('base64'),
        BijlageType: 'Pdf',
        Omschrijving: 'te groot',
        Volgorde: '1',
      },
    ];
    L(7).Bijlagen = [
      {
        Inhoud: Buffer.from('GIF89a not a pdf').toString('base64'),
        BijlageType: 'Pdf',
        Omschrijving: 'plaatje',
        Volgorde: '1',
      },
    ];
    L(8).BerichtInformatie.Onderwerp = 'x'.repeat(51);
    const pdf = { Inhoud: minimalPdf(1000).toString('base64'), BijlageType: 'Pdf', Omschrijving: 'a' };
    L(9).Bijlagen = [
      { ...pdf, Volgorde: '1' },
      { ...pdf, Volgorde: '2' },
      { ...pdf, Volgorde: '3' },
    ];
    L(10).Bijlagen = [
      { ...pdf, Volgorde: '1' },
      { ...pdf, Volgorde: '1' },
    ]; // two attachments with the same Volgorde
    const res = await deliverXml(mock.app, xml(b));
    expect(res.statusCode).toBe(202);
    mock.clock.advance(60_000);
    const [item] = await drainVerwerkingsberichten(mock.app);
    const letters = item!.BerichtVerwerkResponse.Berichten.Bericht;
    expect(letters.map((l) => l.VerwerkingsCode)).toEqual([
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'PublicatieDatumLigtTeVerInDeToekomst',
      'Verwerkt',
      'BerichtBestaatAl',
      'BijlageTeGroot',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'XmlValidatieTegenXsdValtNegatiefUit',
      'Verwerkt',
    ]);
    expect(letters[0]!.Toelichting).toMatch(/BerichtID/);
    expect(letters[1]!.Toelichting).toMatch(/GebruikerID.*elfproef|elfproef.*GebruikerID/);
    expect(letters[6]!.Toelichting).toMatch(/500/);
    expect(letters[7]!.Toelichting).toMatch(/PDF/);
    expect(letters[8]!.Toelichting).toMatch(/Onderwerp/);
    expect(letters[10]!.Toelichting).toMatch(/Volgorde/);
    expect(letters[6]!.Stadium).toBe('StoreMessage');
  });

  it('a batch created more than 13 days ago: every letter AanmaakDatumLigtTeVerInHetVerleden', async () => {
    const b = batch(3, { now: mock.clock.now() - 14 * DAY });
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    const [item] = await drainVerwerkingsberichten(mock.app);
    expect(item!.BerichtVerwerkResponse.Berichten.Bericht.map((l) => l.VerwerkingsCode)).toEqual(
      Array(3).fill('AanmaakDatumLigtTeVerInHetVerleden'),
    );
    expect(item!.BerichtVerwerkResponse.BatchInformatie).toMatchObject({ AantalBerichtenAanmaakDatumNietCorrect: 3 });
  });
});
