import { afterEach, describe, expect, it } from 'vitest';
import type { CapacityStats } from '../src/mock/capacity/capacity-stats.ts';
import type { LightMyRequestResponse } from 'fastify';
import { HOUR, MINUTE } from '../src/clock/index.ts';
import { VALIDATION_KLANTEN, VALIDATION_MAX_RESPONSE, VALIDATION_QUERIES_PER_HOUR } from '../src/norms/index.ts';
import { loadMockConfig, ConfigError } from '../src/mock/config.ts';
import { NS_SERVICE, NS_SOAP11, NS_SOAP12, NS_TYPES, SOAP_ACTION } from '../src/mock/validatieservice/soap.ts';
import {
  BELASTINGDIENST,
  UWV,
  T0,
  deliverXml,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { POPULATION, batch, xml } from './helpers/batches.ts';
import { postSoap, soapAnswers, soapFault, validateEnvelope } from './helpers/soap.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const OIN = BELASTINGDIENST.oin;
const TYPE = 'VAIB';
/** No waiting in tests unless a test is about time. */
const INSTANT = { serviceTime: { kind: 'fixed', ms: 0 } } as const;

const postJson = (m: TestMock, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  m.app.inject({
    method: 'POST',
    url: '/validatieservice/v1/validate',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });

const klanten = (keys: readonly string[], rol = 'Burger'): { key: string; rol: string }[] =>
  keys.map((key) => ({ key, rol }));

interface Problem {
  status: number;
  code: string;
  field?: string;
  rule?: string;
  detail: string;
  serviceCode?: string;
  retryAfter?: number;
}

/** A BSN that fails the elfproef: a valid one with its check digit changed. */
function failsElfproef(valid: string): string {
  return valid.slice(0, 8) + String((Number(valid[8]) + 1) % 10);
}

const capacity = (s: Record<string, unknown>): CapacityStats => s['capacity'] as CapacityStats;

async function stats(m: TestMock): Promise<Record<string, unknown>> {
  const res = await m.app.inject({ url: '/validatieservice/stats' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

function expectClientFault(res: LightMyRequestResponse, status = 400): ReturnType<typeof soapFault> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^text\/xml/);
  const f = soapFault(res.body);
  expect(f.faultcode).toMatch(/:Client$/);
  expect(f.detailKind).toBe('ApplicationFault');
  expect(f.message.length).toBeGreaterThan(10);
  return f;
}

describe('validatieservice: SOAP ValidateAbonnementen', () => {
  it("answers per Klant, in order, true exactly for those who want the afnemer's letters", async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const yes = POPULATION.recipients(OIN, 6);
    const no = POPULATION.nonRecipients(OIN, 6);
    const keys = yes.flatMap((y, i) => [y, no[i]!]);
    const res = await postSoap(mock.app, validateEnvelope({ oin: OIN, type: TYPE, keys }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toContain(NS_SERVICE);
    expect(soapAnswers(res.body)).toEqual(keys.map((key, i) => ({ key, isBerichtSturen: i % 2 === 0 })));
    // The mock's own population agrees with the helper's.
    for (const k of keys)
      expect(mock.app.bbsim.population.wantsLettersFrom(k, OIN)).toBe(POPULATION.wantsLettersFrom(k, OIN));
  });

  it('matches on namespace URI + local name: other prefixes, default namespaces, no Klanten wrapper, request in the Types namespace', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const keys = [...POPULATION.recipients(OIN, 2), ...POPULATION.nonRecipients(OIN, 2)];
    const expected = keys.map((key, i) => ({ key, isBerichtSturen: i < 2 }));
    for (const opts of [
      { typesPrefix: '' },
      { typesPrefix: 'abc', wrapper: false },
      { requestNs: NS_TYPES },
      { typesPrefix: 'x', requestNs: NS_TYPES, wrapper: false },
    ]) {
      const res = await postSoap(mock.app, validateEnvelope({ oin: OIN, type: TYPE, keys, ...opts }));
      expect(res.statusCode, `${JSON.stringify(opts)}: ${res.body}`).toBe(200);
      expect(soapAnswers(res.body)).toEqual(expected);
    }
    // A hand-written envelope with unusual prefixes (the SOAP prefix reused for nothing in particular).
    const [k] = keys;
    const odd =
      `<e:Envelope xmlns:e="${NS_SOAP11}"><e:Body><ValidateAbonnementen xmlns="${NS_SERVICE}"><request>` +
      `<a:berichtleverancierCode xmlns:a="${NS_TYPES}">${OIN}</a:berichtleverancierCode><b:berichtTypeCode xmlns:b="${NS_TYPES}">${TYPE}</b:berichtTypeCode>` +
      `<Klanten xmlns="${NS_TYPES}"><Klant><Rol>Burger</Rol><Key>${k}</Key></Klant></Klanten></request></ValidateAbonnementen></e:Body></e:Envelope>`;
    const res = await postSoap(mock.app, odd);
    expect(res.statusCode, res.body).toBe(200);
    expect(soapAnswers(res.body)).toEqual([{ key: k, isBerichtSturen: true }]);
  });

  it('accepts the SOAPAction quoted or not, and application/xml as well as text/xml', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const env = validateEnvelope({ oin: OIN, type: TYPE, keys: POPULATION.recipients(OIN, 1) });
    for (const action of [`"${SOAP_ACTION}"`, SOAP_ACTION, ` "${SOAP_ACTION}" `]) {
      expect((await postSoap(mock.app, env, { action })).statusCode).toBe(200);
    }
    expect((await postSoap(mock.app, env, { contentType: 'application/xml' })).statusCode).toBe(200);
  });

  it('answers false for every Klant when the berichtTypeCode is not configured for the afnemer', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const keys = POPULATION.recipients(OIN, 3);
    // WW is UWV's type, not the Belastingdienst's.
    const res = await postSoap(mock.app, validateEnvelope({ oin: OIN, type: 'WW', keys }));
    expect(res.statusCode).toBe(200);
    expect(soapAnswers(res.body).map((a) => a.isBerichtSturen)).toEqual([false, false, false]);
    // Case matters, as it does at the intake.
    const lower = await postSoap(mock.app, validateEnvelope({ oin: OIN, type: 'vaib', keys }));
    expect(soapAnswers(lower.body).map((a) => a.isBerichtSturen)).toEqual([false, false, false]);
  });

  it('answers per afnemer: subscription is drawn per OIN', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const keys = [...POPULATION.recipients(OIN, 40), ...POPULATION.nonRecipients(OIN, 40)];
    const res = await postSoap(mock.app, validateEnvelope({ oin: UWV.oin, type: 'WW', keys }));
    expect(soapAnswers(res.body).map((a) => a.isBerichtSturen)).toEqual(
      keys.map((k) => POPULATION.wantsLettersFrom(k, UWV.oin, mock!.clock.now())),
    );
  });
});

describe('validatieservice agrees with the intake', () => {
  it('says true exactly for the letters the intake codes Verwerkt (SOAP and JSON)', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const bsns = [...POPULATION.recipients(OIN, 10, 100), ...POPULATION.nonRecipients(OIN, 10, 100)];
    const b = batch(bsns.length);
    b.Bericht.forEach((l, i) => {
      l.BerichtInformatie.GebruikerID = bsns[i]!;
    });
    // A second batch with a type the afnemer does not have: BerichtTypeNietOndersteund at the intake.
    const other = batch(4, { berichtType: 'WW' });
    const otherBsns = other.Bericht.map((l) => l.BerichtInformatie.GebruikerID);
    expect((await deliverXml(mock.app, xml(b))).statusCode).toBe(202);
    expect((await deliverXml(mock.app, xml(other))).statusCode).toBe(202);
    mock.clock.advance(MINUTE);
    const items = await drainVerwerkingsberichten(mock.app);
    const codeOf = new Map(
      items.flatMap((i) =>
        i.BerichtVerwerkResponse.Berichten.Bericht.map((l) => [l.BerichtID, l.VerwerkingsCode] as const),
      ),
    );
    const intakeVerwerkt = b.Bericht.map((l) => codeOf.get(l.BerichtInformatie.BerichtID) === 'Verwerkt');
    expect(new Set(b.Bericht.map((l) => codeOf.get(l.BerichtInformatie.BerichtID)))).toEqual(
      new Set(['Verwerkt', 'NietActiefOfGeabonneerd']),
    );
    expect(other.Bericht.map((l) => codeOf.get(l.BerichtInformatie.BerichtID))).toEqual(
      Array(4).fill('BerichtTypeNietOndersteund'),
    );

    const soap = await postSoap(mock.app, validateEnvelope({ oin: OIN, type: TYPE, keys: bsns }));
    expect(soapAnswers(soap.body).map((a) => a.isBerichtSturen)).toEqual(intakeVerwerkt);
    const json = await postJson(mock, { berichtleverancierCode: OIN, berichtTypeCode: TYPE, klanten: klanten(bsns) });
    expect(
      json.json<{ resultaten: { isBerichtSturen: boolean }[] }>().resultaten.map((r) => r.isBerichtSturen),
    ).toEqual(intakeVerwerkt);

    const wrongType = await postJson(mock, {
      berichtleverancierCode: OIN,
      berichtTypeCode: 'WW',
      klanten: klanten(otherBsns),
    });
    expect(wrongType.json()).toMatchObject({
      berichtTypeOndersteund: false,
      resultaten: otherBsns.map((key) => ({ key, isBerichtSturen: false })),
    });
  });
});

describe('validatieservice: JSON', () => {
  it('answers { resultaten: [{ key, isBerichtSturen }] } like the SOAP operation', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const keys = [...POPULATION.recipients(OIN, 3), ...POPULATION.nonRecipients(OIN, 2)];
    const res = await postJson(mock, { berichtleverancierCode: OIN, berichtTypeCode: TYPE, klanten: klanten(keys) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      berichtleverancierCode: OIN,
      berichtTypeCode: TYPE,
      berichtTypeOndersteund: true,
      resultaten: keys.map((key, i) => ({ key, isBerichtSturen: i < 3 })),
    });
  });

  it('refuses bad input with problem+json naming the field and rule', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const [good = '', second = ''] = POPULATION.recipients(OIN, 2);
    const ok = { berichtleverancierCode: OIN, berichtTypeCode: TYPE, klanten: klanten([good]) };
    const cases: [unknown, number, string, string, RegExp][] = [
      [
        { ...ok, klanten: klanten([good, second, good, failsElfproef(good)]) },
        400,
        'BBSIM_INVALID_BSN',
        'klanten[3].key',
        /elfproef/,
      ],
      [{ ...ok, klanten: klanten([good, '12345678']) }, 400, 'BBSIM_INVALID_BSN', 'klanten[1].key', /9 digits/],
      [{ ...ok, klanten: [{ key: good }] }, 400, 'BBSIM_INVALID_REQUEST', 'klanten[0].rol', /required/],
      [{ ...ok, klanten: klanten([good], 'Bedrijf') }, 400, 'BBSIM_INVALID_REQUEST', 'klanten[0].rol', /Burger/],
      [{ ...ok, klanten: [{ rol: 'Burger' }] }, 400, 'BBSIM_INVALID_REQUEST', 'klanten[0].key', /required/],
      [
        { ...ok, klanten: [{ key: 123456782, rol: 'Burger' }] },
        400,
        'BBSIM_INVALID_REQUEST',
        'klanten[0].key',
        /string/,
      ],
      [{ ...ok, klanten: [] }, 400, 'BBSIM_INVALID_REQUEST', 'klanten', new RegExp(`${VALIDATION_KLANTEN.max}`)],
      [
        { ...ok, klanten: klanten(Array(VALIDATION_KLANTEN.max + 1).fill(good)) },
        400,
        'BBSIM_INVALID_REQUEST',
        'klanten',
        new RegExp(`${VALIDATION_KLANTEN.max}`),
      ],
      [{ ...ok, klanten: 'nope' }, 400, 'BBSIM_INVALID_REQUEST', 'klanten', /array/],
      [{ ...ok, klanten: [null] }, 400, 'BBSIM_INVALID_REQUEST', 'klanten[0]', /object/],
      [
        { ...ok, klanten: [{ key: good, rol: 'Burger', extra: 1 }] },
        400,
        'BBSIM_INVALID_REQUEST',
        'klanten[0].extra',
        /unknown/,
      ],
      [
        { berichtTypeCode: TYPE, klanten: klanten([good]) },
        400,
        'BBSIM_INVALID_REQUEST',
        'berichtleverancierCode',
        /required/,
      ],
      [{ ...ok, berichtleverancierCode: '123' }, 400, 'BBSIM_INVALID_OIN', 'berichtleverancierCode', /20 digits/],
      [
        { ...ok, berichtleverancierCode: '12345678901234567890' },
        403,
        'BBSIM_UNKNOWN_AFNEMER',
        'berichtleverancierCode',
        /connected afnemer/,
      ],
      [
        { berichtleverancierCode: OIN, klanten: klanten([good]) },
        400,
        'BBSIM_INVALID_REQUEST',
        'berichtTypeCode',
        /required/,
      ],
      [{ ...ok, berichtTypeCode: 'VEELTELANG' }, 400, 'BBSIM_INVALID_REQUEST', 'berichtTypeCode', /1-8 characters/],
      [{ ...ok, klanten: undefined }, 400, 'BBSIM_INVALID_REQUEST', 'klanten', /required/],
      [{ ...ok, hallo: 1 }, 400, 'BBSIM_INVALID_REQUEST', 'hallo', /known field/],
      [[ok], 400, 'BBSIM_INVALID_REQUEST', 'body', /JSON object/],
    ];
    for (const [body, status, code, field, rule] of cases) {
      const res = await postJson(mock, body);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const p = res.json<Problem>();
      expect(p, field).toMatchObject({ code, field, serviceCode: 'ApplicationFault' });
      expect(`${p.rule ?? ''} ${p.detail}`, field).toMatch(rule);
    }
    // Not JSON at all.
    const bad = await mock.app.inject({
      method: 'POST',
      url: '/validatieservice/v1/validate',
      headers: { 'content-type': 'application/json' },
      payload: '{"klanten": [',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Problem>().code).toBe('BBSIM_MALFORMED_BODY');
    const xmlBody = await mock.app.inject({
      method: 'POST',
      url: '/validatieservice/v1/validate',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xmlBody.statusCode).toBe(415);
    // Nothing above used capacity.
    expect(await stats(mock)).toMatchObject({
      queries: 0,
      capacity: { admitted: 0, windows: [{ used: 0, peakOffered: 0 }] },
      invalid: cases.length,
    });
  });

  it("refuses a query whose berichtleverancierCode is not the caller's X-Afnemer-OIN (when sent)", async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const body = {
      berichtleverancierCode: OIN,
      berichtTypeCode: TYPE,
      klanten: klanten(POPULATION.recipients(OIN, 1)),
    };
    expect((await postJson(mock, body, { 'x-afnemer-oin': OIN })).statusCode).toBe(200);
    const res = await postJson(mock, body, { 'x-afnemer-oin': UWV.oin });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'berichtleverancierCode', rule: 'equals X-Afnemer-OIN' });
    const soap = await postSoap(
      mock.app,
      validateEnvelope({ oin: OIN, type: TYPE, keys: POPULATION.recipients(OIN, 1) }),
      { headers: { 'x-afnemer-oin': UWV.oin } },
    );
    expect(expectClientFault(soap).code).toBe('BerichtleverancierCodeKomtNietOvereen');
  });
});

describe('validatieservice: SOAP faults (HTTP 400, never 500)', () => {
  it('names the element and rule for every kind of bad request', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const [good = '', second = ''] = POPULATION.recipients(OIN, 2);
    const env = (o: Partial<Parameters<typeof validateEnvelope>[0]> = {}): string =>
      validateEnvelope({ oin: OIN, type: TYPE, keys: [good], ...o });
    const cases: [string, string, string | undefined, RegExp][] = [
      [env({ keys: [good, second, failsElfproef(good)] }), 'KeyOngeldig', 'Klant[2].Key', /elfproef/],
      [env({ keys: [good, '1234'] }), 'KeyOngeldig', 'Klant[1].Key', /9 digits/],
      [env({ keys: ['12345678a'] }), 'KeyOngeldig', 'Klant[0].Key', /9 digits/],
      [
        env({ keys: [] }),
        'AantalKlantenOngeldig',
        'Klant',
        new RegExp(`${VALIDATION_KLANTEN.min}..${VALIDATION_KLANTEN.max}`),
      ],
      [env({ keys: Array(VALIDATION_KLANTEN.max + 1).fill(good) }), 'AantalKlantenOngeldig', 'Klant', /has 251/],
      [env({ rol: 'Bedrijf' }), 'RolOngeldig', 'Klant[0].Rol', /Burger/],
      [
        env({ keys: [good, second], rol: (i) => (i === 1 ? undefined : 'Burger') }),
        'VerplichtVeldOntbreekt',
        'Klant[1].Rol',
        /required/,
      ],
      [env({ keys: [''] }), 'VerplichtVeldOntbreekt', 'Klant[0].Key', /required/],
      [
        env({ oin: '99999999999999999999' }),
        'OnbekendeBerichtleverancier',
        'berichtleverancierCode',
        /connected afnemer/,
      ],
      [env({ oin: 'ABC' }), 'BerichtleverancierCodeOngeldig', 'berichtleverancierCode', /20 digits/],
      [env({ oin: undefined }), 'VerplichtVeldOntbreekt', 'berichtleverancierCode', /required/],
      [env({ type: undefined }), 'VerplichtVeldOntbreekt', 'berichtTypeCode', /required/],
      [env({ type: 'NEGENLANG' }), 'BerichtTypeCodeOngeldig', 'berichtTypeCode', /1-8 characters/],
      [env({ extra: `<t:Bijlage xmlns:t="${NS_TYPES}"/>` }), 'OnbekendElement', 'request.Bijlage', /unknown element/],
      [
        env({ extra: `<t:berichtTypeCode xmlns:t="${NS_TYPES}">X</t:berichtTypeCode>` }),
        'OnbekendElement',
        'berichtTypeCode',
        /repeated/,
      ],
      // Right prefix, wrong namespace: matched on the URI, not on 't'.
      [
        env({ extra: '<t:Klant xmlns:t="urn:elders"><t:Key>1</t:Key></t:Klant>' }),
        'OnbekendElement',
        'Klant[1]',
        /must be in namespace/,
      ],
      [
        env().replace('<svc:request ', '<svc:verzoek ').replace('</svc:request>', '</svc:verzoek>'),
        'OnbekendElement',
        'ValidateAbonnementen.verzoek',
        /request/,
      ],
      [env().replace(/<svc:request[^>]*>.*<\/svc:request>/s, ''), 'VerplichtVeldOntbreekt', 'request', /missing/],
      [
        env()
          .replace('<svc:ValidateAbonnementen>', '<svc:ValidateAbonnementenX>')
          .replace('</svc:ValidateAbonnementen>', '</svc:ValidateAbonnementenX>'),
        'OnbekendeOperatie',
        'ValidateAbonnementenX',
        /operation/,
      ],
      [
        env().replace(`xmlns:svc="${NS_SERVICE}"`, 'xmlns:svc="urn:other"'),
        'OnbekendeOperatie',
        'ValidateAbonnementen',
        /namespace/,
      ],
      [
        env().replace(/<soapenv:Body>.*<\/soapenv:Body>/s, '<soapenv:Body/>'),
        'OnbekendeOperatie',
        'ValidateAbonnementen',
        /empty/,
      ],
      [env().replace(/<soapenv:Body>.*<\/soapenv:Body>/s, ''), 'GeenSoapEnvelope', 'Body', /missing/],
      [`<ValidateAbonnementen xmlns="${NS_SERVICE}"/>`, 'GeenSoapEnvelope', 'Envelope', /Envelope/],
      ['<a><b></a>', 'XmlNietWelgevormd', undefined, /malformed XML/],
      ['', 'XmlNietWelgevormd', undefined, /no root element/],
      [
        `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><soap:Envelope xmlns:soap="${NS_SOAP11}"><soap:Body/></soap:Envelope>`,
        'OnveiligeXml',
        undefined,
        /DOCTYPE/,
      ],
    ];
    for (const [body, code, element, rule] of cases) {
      const res = await postSoap(mock.app, body);
      const f = expectClientFault(res);
      expect(f.code, `${code}: ${f.message}`).toBe(code);
      expect(f.element, `${code}: ${f.message}`).toBe(element);
      expect(`${f.rule ?? ''} ${f.message}`, code).toMatch(rule);
    }
    expect(await stats(mock)).toMatchObject({
      queries: 0,
      capacity: { admitted: 0, windows: [{ used: 0, peakOffered: 0 }] },
      invalid: cases.length,
    });
  });

  it('faults a wrong or missing SOAPAction, SOAP 1.2 and a wrong Content-Type', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const env = validateEnvelope({ oin: OIN, type: TYPE, keys: POPULATION.recipients(OIN, 1) });
    const wrong = expectClientFault(
      await postSoap(mock.app, env, { action: `"${NS_SERVICE}/IBerichtenboxValidatieService/Iets"` }),
    );
    expect(wrong).toMatchObject({ code: 'OnbekendeOperatie', element: 'SOAPAction', rule: SOAP_ACTION });
    expect(expectClientFault(await postSoap(mock.app, env, { action: null })).code).toBe('SoapActionOntbreekt');
    expect(expectClientFault(await postSoap(mock.app, env, { action: '""' })).code).toBe('SoapActionOntbreekt');

    const soap12 = await postSoap(mock.app, `<e:Envelope xmlns:e="${NS_SOAP12}"><e:Body/></e:Envelope>`);
    expect(soap12.statusCode).toBe(400);
    expect(soapFault(soap12.body)).toMatchObject({ faultcode: 's:VersionMismatch', code: 'SoapVersieNietOndersteund' });
    const soap12Type = await postSoap(mock.app, env, { contentType: 'application/soap+xml; charset=utf-8' });
    expect(soap12Type.statusCode).toBe(415);
    expect(soapFault(soap12Type.body).faultcode).toBe('s:VersionMismatch');

    expect(expectClientFault(await postSoap(mock.app, '{"a":1}', { contentType: 'application/json' }), 415).code).toBe(
      'ContentTypeOngeldig',
    );
    expect(expectClientFault(await postSoap(mock.app, 'hello', { contentType: 'text/plain' }), 415).code).toBe(
      'ContentTypeOngeldig',
    );
    const noType = await mock.app.inject({
      method: 'POST',
      url: '/validatieservice',
      headers: { soapaction: SOAP_ACTION },
      payload: Buffer.from(env),
    });
    expect(expectClientFault(noType, 415).code).toBe('ContentTypeOngeldig');
  });

  it('answers a body over the limit with a 413 fault', async () => {
    mock = await startTestMock({ validatieservice: { ...INSTANT, bodyLimitBytes: 2000 } });
    const env = validateEnvelope({ oin: OIN, type: TYPE, keys: POPULATION.recipients(OIN, 40) });
    const f = expectClientFault(await postSoap(mock.app, env), 413);
    expect(f.code).toBe('BerichtTeGroot');
  });

  it('never answers 500 to garbage, on either endpoint', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const garbage: [string, string][] = [
      ['text/xml', '<'],
      ['text/xml', '<?xml version="1.0"?>'],
      ['text/xml', '\u0000\u0001'],
      ['text/xml', '<a xmlns:p="urn:x"><p:b/></a>'],
      ['text/xml', `<s:Envelope xmlns:s="${NS_SOAP11}"><s:Body>text<x/></s:Body></s:Envelope>`],
      ['text/xml', `<s:Envelope xmlns:s="${NS_SOAP11}"><s:Header/><s:Header/><s:Body/></s:Envelope>`],
      ['text/xml', `<s:Envelope xmlns:s="${NS_SOAP11}"><s:Body/><s:Body/></s:Envelope>`],
      ['text/xml', `<s:Envelope xmlns:s="${NS_SOAP11}">${'<a>'.repeat(100)}${'</a>'.repeat(100)}</s:Envelope>`],
      ['text/xml', validateEnvelope({ oin: OIN, type: TYPE, keys: ['<x>'] }).replace('&lt;', '&')],
      [
        'text/xml',
        validateEnvelope({ oin: OIN, type: TYPE, keys: ['123456782'] }).replace(
          '<t:Key>123456782</t:Key>',
          '<t:Key><t:Key>1</t:Key></t:Key>',
        ),
      ],
      ['application/json', 'null'],
      ['application/json', '"x"'],
      ['application/json', '[]'],
      ['application/json', '{"klanten":{"length":1}}'],
      ['application/json', '{"berichtleverancierCode":null,"berichtTypeCode":[],"klanten":[1,2]}'],
      ['application/octet-stream', 'x'],
    ];
    for (const [type, payload] of garbage) {
      for (const url of ['/validatieservice', '/validatieservice/v1/validate']) {
        const res = await mock.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': type, soapaction: SOAP_ACTION },
          payload,
        });
        expect(res.statusCode, `${url} ${type} ${payload.slice(0, 60)}: ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${url} ${type} ${payload.slice(0, 60)}: ${res.body}`).toBeLessThan(500);
      }
    }
    // A GET on the SOAP endpoint is not one of its methods: 405 problem with Allow, not a crash.
    const get = await mock.app.inject({ url: '/validatieservice' });
    expect(get.statusCode).toBe(405);
    expect(get.headers['allow']).toBe('POST');
  });
});

describe('validatieservice: capacity', () => {
  it(`admits ${VALIDATION_QUERIES_PER_HOUR.limit} queries per sim hour for all afnemers together (SOAP and JSON), then 503 + Retry-After; the next hour admits again`, async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const limit = VALIDATION_QUERIES_PER_HOUR.limit;
    const bsn = POPULATION.recipients(OIN, 1)[0]!;
    const uwvBsn = POPULATION.recipients(UWV.oin, 1)[0]!;
    const soapEnv = validateEnvelope({ oin: OIN, type: TYPE, keys: [bsn] });
    const full = {
      berichtleverancierCode: UWV.oin,
      berichtTypeCode: 'WW',
      klanten: klanten(Array(VALIDATION_KLANTEN.max).fill(uwvBsn)),
    };
    // A query of 250 BSNs counts as one.
    expect((await postJson(mock, full)).statusCode).toBe(200);
    expect(await stats(mock)).toMatchObject({
      capacity: { windows: [{ used: 1 }] },
      bsnsChecked: VALIDATION_KLANTEN.max,
    });
    for (let i = 1; i < limit; i++) {
      const res =
        i % 2 === 0
          ? await postSoap(mock.app, soapEnv)
          : await postJson(mock, { berichtleverancierCode: OIN, berichtTypeCode: TYPE, klanten: klanten([bsn]) });
      if (res.statusCode !== 200) throw new Error(`query ${i}: ${res.statusCode} ${res.body}`);
      if (i === limit / 2) mock.clock.advance(30 * MINUTE); // still the same hour
    }
    const soapRefused = await postSoap(mock.app, soapEnv);
    expect(soapRefused.statusCode).toBe(503);
    expect(soapRefused.headers['retry-after']).toBe(String(30 * 60));
    const f = soapFault(soapRefused.body);
    expect(f).toMatchObject({
      detailKind: 'DependentServiceFault',
      code: 'CapaciteitBereikt',
      retryAfter: String(30 * 60),
    });
    expect(f.faultcode).toMatch(/:Server$/);
    const jsonRefused = await postJson(mock, full);
    expect(jsonRefused.statusCode).toBe(503);
    expect(jsonRefused.headers['retry-after']).toBe(String(30 * 60));
    expect(jsonRefused.json()).toMatchObject({
      code: 'BBSIM_CAPACITY',
      serviceCode: 'DependentServiceFault',
      retryAfter: 30 * 60,
      window: 'hour',
      limit,
      used: limit,
    });

    const s = await stats(mock);
    expect(s).toMatchObject({
      queries: limit,
      capacity: {
        refused: { limit: 2, saturated: 0, closed: 0, total: 2 },
        windows: [
          {
            window: 'hour',
            seconds: 3600,
            normId: VALIDATION_QUERIES_PER_HOUR.id,
            limit,
            used: limit,
            remaining: 0,
            peakOffered: limit + 2,
          },
        ],
      },
    });
    expect(s['bsnsChecked']).toBe(VALIDATION_KLANTEN.max + limit - 1);
    expect(s['queriesByInterface']).toEqual({ soap: ((limit - 1) / 2) | 0, json: limit - (((limit - 1) / 2) | 0) });

    mock.clock.set(T0 + HOUR);
    expect((await postSoap(mock.app, soapEnv)).statusCode).toBe(200);
    expect(await stats(mock)).toMatchObject({ queries: limit + 1, capacity: { windows: [{ used: 1 }] } });
  });

  it('a smaller configured limit and Retry-After in wall seconds at a faster clock', async () => {
    mock = await startTestMock({ validatieservice: { ...INSTANT, perHour: 3 }, clock: { speed: 60 } });
    const body = {
      berichtleverancierCode: OIN,
      berichtTypeCode: TYPE,
      klanten: klanten(POPULATION.recipients(OIN, 1)),
    };
    for (let i = 0; i < 3; i++) expect((await postJson(mock, body)).statusCode).toBe(200);
    const res = await postJson(mock, body);
    expect(res.statusCode).toBe(503);
    // A sim hour at speed 60 is a wall minute.
    expect(res.headers['retry-after']).toBe('60');
  });

  it('queues beyond its concurrency and refuses (503 saturated) when the queue is full', async () => {
    mock = await startTestMock({
      validatieservice: { serviceTime: { kind: 'fixed', ms: 150 }, concurrency: 1, maxQueue: 1 },
    });
    const body = {
      berichtleverancierCode: OIN,
      berichtTypeCode: TYPE,
      klanten: klanten(POPULATION.recipients(OIN, 1)),
    };
    const results = await Promise.all([postJson(mock, body), postJson(mock, body), postJson(mock, body)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 503]);
    const refused = results.find((r) => r.statusCode === 503)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ reason: 'saturated', serviceCode: 'DependentServiceFault' });
    const s = await stats(mock);
    expect(s).toMatchObject({
      queries: 2,
      capacity: { refused: { saturated: 1, total: 1 } },
      responseNorm: { overNorm: 0, holds: true, limitMs: VALIDATION_MAX_RESPONSE.limit },
    });
    // One waited for the other: the mean includes queueing.
    expect(capacity(s).latency.maxMs).toBeGreaterThanOrEqual(280);
    expect(capacity(s).latency.meanMs).toBeGreaterThanOrEqual(200);
    expect(capacity(s).latency.meanMs).toBeLessThan(VALIDATION_MAX_RESPONSE.limit);
  });

  it('closing the app ends a query in service (503), without hanging', async () => {
    mock = await startTestMock({ validatieservice: { serviceTime: { kind: 'fixed', ms: 60_000 } } });
    const pending = postSoap(mock.app, validateEnvelope({ oin: OIN, type: TYPE, keys: POPULATION.recipients(OIN, 1) }));
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await mock.close();
    mock = undefined;
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(soapFault(res.body).detailKind).toBe('DependentServiceFault');
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('validatieservice: config, stats and documentation', () => {
  it('defaults to the norms and a service time well under 30 s; shows a configured time above the norm', async () => {
    const cfg = loadMockConfig({}).validatieservice;
    expect(cfg).toMatchObject({ perHour: VALIDATION_QUERIES_PER_HOUR.limit, serviceTime: { kind: 'lognormal' } });
    if (cfg.serviceTime.kind === 'lognormal')
      expect(cfg.serviceTime.p99Ms).toBeLessThan(VALIDATION_MAX_RESPONSE.limit / 10);
    expect(() => loadMockConfig({ validatieservice: { perHour: 0 } })).toThrow(ConfigError);
    expect(() => loadMockConfig({ validatieservice: { perHour: 0 } })).toThrow(/validatieservice\.perHour/);
    expect(() => loadMockConfig({ validatieservice: { bogus: 1 } as never })).toThrow(/validatieservice/);
    expect(() =>
      loadMockConfig({ validatieservice: { serviceTime: { kind: 'lognormal', medianMs: 500, p99Ms: 100 } } }),
    ).toThrow(/p99Ms/);

    mock = await startTestMock({
      validatieservice: { serviceTime: { kind: 'fixed', ms: VALIDATION_MAX_RESPONSE.limit + 1000 } },
    });
    expect(await stats(mock)).toMatchObject({
      serviceTime: { kind: 'fixed', exceedsNorm: true },
      queries: 0,
      capacity: { latency: { meanMs: 0 }, windows: [{ limit: VALIDATION_QUERIES_PER_HOUR.limit, used: 0 }] },
    });
  });

  it('stats count queries, BSNs, answers and latency', async () => {
    mock = await startTestMock({ validatieservice: { serviceTime: { kind: 'fixed', ms: 20 } } });
    const yes = POPULATION.recipients(OIN, 4);
    const no = POPULATION.nonRecipients(OIN, 3);
    expect(
      (await postSoap(mock.app, validateEnvelope({ oin: OIN, type: TYPE, keys: [...yes, ...no] }))).statusCode,
    ).toBe(200);
    expect(
      (await postJson(mock, { berichtleverancierCode: OIN, berichtTypeCode: TYPE, klanten: klanten(yes.slice(0, 2)) }))
        .statusCode,
    ).toBe(200);
    const s = await stats(mock);
    expect(s).toMatchObject({
      queries: 2,
      queriesByInterface: { soap: 1, json: 1 },
      invalid: 0,
      bsnsChecked: 9,
      isBerichtSturenTrue: 6,
      responseNorm: { overNorm: 0, holds: true },
      serviceTime: { kind: 'fixed', ms: 20, exceedsNorm: false },
      capacity: {
        admitted: 2,
        refused: { total: 0 },
        windows: [{ used: 2, limit: VALIDATION_QUERIES_PER_HOUR.limit }],
      },
    });
    expect(capacity(s).latency.meanMs).toBeGreaterThanOrEqual(19);
    expect(capacity(s).latency.maxMs).toBeGreaterThanOrEqual(capacity(s).latency.meanMs);
    const metrics = await mock.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/bbsim_service_admitted_total\{service="validatieservice"\} 2/);
  });

  it('documents its routes in /openapi.json', async () => {
    mock = await startTestMock({ validatieservice: INSTANT });
    const doc = (await mock.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { summary?: string; tags?: string[]; requestBody?: { content: Record<string, unknown> } }>
      >;
    }>();
    expect(doc.paths['/validatieservice']?.['post']?.tags).toEqual(['validatieservice']);
    expect(Object.keys(doc.paths['/validatieservice']?.['post']?.requestBody?.content ?? {})).toContain('text/xml');
    expect(doc.paths['/validatieservice/v1/validate']?.['post']?.requestBody).toBeDefined();
    expect(doc.paths['/validatieservice/stats']?.['get']?.summary).toMatch(/queries/);
  });
});
