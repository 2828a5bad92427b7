/**
 * Hostile input on the real app (inject, a real SQLite file): numbers past their range (the page
 * of 1e300 that reached SQLite as a 500, and Infinity, which Ajv passes through `maximum`), session
 * tokens with junk appended to their signature, a JSON body with a `__proto__` key, a path parameter
 * past the router's limit, and the AanmaakDatum-in-the-future message. Every answer is a 4xx
 * problem+json naming the field and the rule; never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BELASTINGDIENST, T0, deliverJson, devToken, startTestMock, type TestMock } from './helpers/mock.ts';
import { POPULATION, batch, json } from './helpers/batches.ts';

interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  field?: string;
  rule?: string;
}

let mock: TestMock;
let token: string;
// A fractional sim instant, as the SimClock gives (wall ms × speed): the messages must not show it.
const START = T0 + 0.371;
beforeAll(async () => {
  mock = await startTestMock({}, START);
  token = await devToken(mock.app, POPULATION.recipients(BELASTINGDIENST.oin, 1)[0]!);
});
afterAll(async () => mock.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  mock.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${token}`, 'x-afnemer-oin': BELASTINGDIENST.oin, ...headers },
  });

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T },
  status: number,
  expected: Partial<Problem>,
): Problem {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(res.statusCode, JSON.stringify(body)).toBe(status);
  expect(body).toMatchObject({ status, ...expected });
  return body;
}

describe('numeric parameters past their range: 400 naming the field and its range', () => {
  const cases: [string, string, string][] = [
    ['/api/v1/berichten?page=1e300', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?page=9223372036854775808', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?page=Infinity', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?page=-Infinity', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?page=1e400', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?page=0', 'querystring.page', 'integer in 1..1000000'],
    ['/api/v1/berichten?pageSize=Infinity', 'querystring.pageSize', 'integer in 1..100'],
    ['/api/v1/berichten?pageSize=1e300', 'querystring.pageSize', 'integer in 1..100'],
    ['/berichtenbox/verwerkingsberichten?limit=Infinity', 'querystring.limit', 'integer in 1..1000'],
    ['/berichtenbox/verwerkingsberichten?after=1e300', 'querystring.after', `integer in 0..${Number.MAX_SAFE_INTEGER}`],
    [
      '/berichtenbox/verwerkingsberichten?after=Infinity',
      'querystring.after',
      `integer in 0..${Number.MAX_SAFE_INTEGER}`,
    ],
    ['/berichtenbox/verwerkingsberichten?after=-1', 'querystring.after', `integer in 0..${Number.MAX_SAFE_INTEGER}`],
    ['/api/v1/berichten/00000000-0000-4000-8000-000000000000/bijlagen/1e300', 'params.n', 'integer in 1..2'],
    ['/api/v1/berichten/00000000-0000-4000-8000-000000000000/bijlagen/Infinity', 'params.n', 'integer in 1..2'],
    ['/digid/test-users?n=Infinity', 'querystring.n', 'integer in 1..1000'],
    ['/digid/test-users?offset=1e300', 'querystring.offset', 'integer in 0..100000'],
  ];
  it.each(cases)('%s', async (url, field, rule) => {
    const p = expectProblem(await get(url), 400, { code: 'BBSIM_INVALID_REQUEST', field, rule });
    expect(p.detail).toContain(field);
  });

  it('body numbers too: an ack id of 1e400 (JSON parses it to Infinity) or past 2^53', async () => {
    const post = (payload: string) =>
      mock.app.inject({
        method: 'POST',
        url: '/berichtenbox/verwerkingsberichten/ack',
        headers: { 'content-type': 'application/json', 'x-afnemer-oin': BELASTINGDIENST.oin },
        payload,
      });
    expectProblem(await post('{"ids":[1e400]}'), 400, {
      code: 'BBSIM_INVALID_REQUEST',
      field: 'body.ids.0',
      rule: `integer in 1..${Number.MAX_SAFE_INTEGER}`,
    });
    expectProblem(await post('{"ids":[1e300]}'), 400, {
      code: 'BBSIM_INVALID_REQUEST',
      field: 'body.ids.0',
      rule: `integer in 1..${Number.MAX_SAFE_INTEGER}`,
    });
    const dev = await mock.app.inject({
      method: 'POST',
      url: '/dev/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"bsn":"999990019","ttlSeconds":1e400}',
    });
    expectProblem(dev, 400, { code: 'BBSIM_INVALID_REQUEST', field: 'body.ttlSeconds', rule: 'integer in 1..86400' });
  });

  it('request body reservations are released after each request (inject too)', async () => {
    for (let i = 0; i < 3; i++) await deliverJson(mock.app, json(batch(5)));
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^bbsim_in_flight_body_bytes 0$/m);
  });

  it.each([
    '/berichtenbox/portaal.json?van=9999-12-31',
    '/berichtenbox/portaal.json?van=0000-01-01&tot=9999-12-31',
    '/berichtenbox/portaal.json?tot=99999-01-01',
    '/availability?month=9999-12',
    '/availability?month=0000-01',
    '/availability?month=275760-09',
  ])('dates far in the past or future: %s answers without a 5xx', async (url) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('the last page and an ordinary page still answer', async () => {
    expect((await get('/api/v1/berichten?page=1000000&pageSize=100')).statusCode).toBe(200);
    expect((await get('/berichtenbox/verwerkingsberichten?after=9007199254740991')).statusCode).toBe(200);
  });
});

describe('session tokens: one canonical encoding', () => {
  it('the token as issued is accepted', async () => {
    expect((await get('/api/v1/berichten')).statusCode).toBe(200);
  });

  it.each(['=', '==', '!!', '.', ' x', '%3D', 'A'])('the signature with %j appended is refused (401)', async (junk) => {
    const res = await get('/api/v1/berichten', { authorization: `Bearer ${token}${junk}` });
    // ' x' makes the header two words: refused as not a Bearer token at all (also 401).
    expectProblem(res, 401, { code: 'BBSIM_UNAUTHENTICATED', field: 'Authorization' });
  });

  it('a signature whose last character carries stray bits, or a padded payload, is refused', async () => {
    const [payload, sig] = token.split('.') as [string, string];
    // base64url of 32 bytes: 43 characters, the last holding 4 bits; a neighbouring letter decodes to the same bytes.
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) + 1]!;
    expect(Buffer.from(sig.slice(0, -1) + sibling, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
    expectProblem(
      await get('/api/v1/berichten', { authorization: `Bearer ${payload}.${sig.slice(0, -1)}${sibling}` }),
      401,
      { code: 'BBSIM_UNAUTHENTICATED' },
    );
    expectProblem(await get('/api/v1/berichten', { authorization: `Bearer ${payload}=.${sig}` }), 401, {
      code: 'BBSIM_UNAUTHENTICATED',
    });
  });
});

describe('smaller refusals say what and why', () => {
  it('a JSON body with a __proto__ key is refused as such, not as "not valid JSON"', async () => {
    const body = JSON.stringify(json(batch(1))).replace(/^\{/, '{"__proto__":{"polluted":true},');
    const res = await mock.app.inject({
      method: 'POST',
      url: '/berichtenbox/afleveren',
      headers: { 'content-type': 'application/json', 'x-afnemer-oin': BELASTINGDIENST.oin },
      payload: body,
    });
    const p = expectProblem(res, 400, {
      code: 'BBSIM_UNSAFE_JSON',
      field: 'body.__proto__',
      rule: 'no __proto__ or constructor.prototype keys',
    });
    expect(p.detail).toContain('__proto__');
    expect(p.detail).toMatch(/prototype/);
    expect(p.detail).not.toMatch(/not valid JSON/);
  });

  it('a path parameter past the router limit is a 414 problem+json naming the limit', async () => {
    const res = await get(`/api/v1/berichten/${'a'.repeat(200)}`);
    expectProblem(res, 414, {
      code: 'BBSIM_URI_TOO_LONG',
      field: 'url',
      rule: 'path parameters at most 100 characters',
    });
  });

  it('AanmaakDatum in the future: whole-millisecond instants and a rounded duration', async () => {
    const b = batch(2, { now: START });
    const ahead = 7 * 60_000 + 30_123.4;
    b.BatchInformatie.AanmaakDatum = new Date(Math.floor(START + ahead)).toISOString();
    for (const l of b.Bericht) delete l.BerichtInformatie.AanmaakDatum;
    const p = expectProblem(await deliverJson(mock.app, json(b)), 400, {
      code: 'BBSIM_BATCH_HEADER_INVALID',
      field: 'BatchInformatie.AanmaakDatum',
    });
    expect(p.detail).not.toMatch(/\d\.\d+ ?ms/);
    expect(p.detail).toContain('lies 7 min 30 s after the time of receipt 2026-11-17T09:00:00.000Z');
    expect(p.detail).toContain('at most 5 min of clock skew');
    expect(p.rule).toBe('at most 5 min after the time of receipt');
  });
});
