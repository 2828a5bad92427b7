/**
 * POST /digid/authenticate answers through a response schema (fast-json-stringify, issue #23's
 * throughput work): every field the handler returns is still there, with its value and in the
 * order the handler builds it (a schema drops unknown properties and writes required ones first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BELASTINGDIENST, startTestMock, type TestMock } from './helpers/mock.ts';

let mock: TestMock;
let bsn = '';
beforeAll(async () => {
  mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 0 } }, maintenance: { enabled: false } });
  bsn = ((await mock.app.inject({ url: '/digid/test-users?level=Basis&n=1' })).json() as { users: { bsn: string }[] })
    .users[0]!.bsn;
});
afterAll(() => mock.close());

const post = async (body: object): Promise<{ text: string; json: Record<string, unknown> }> => {
  const r = await mock.app.inject({ method: 'POST', url: '/digid/authenticate', payload: body });
  expect(r.statusCode).toBe(200);
  return { text: r.body, json: r.json() as Record<string, unknown> };
};

describe('POST /digid/authenticate body', () => {
  it("Success: every field, in the handler's order, exactly as JSON.stringify writes it", async () => {
    const { text, json } = await post({ bsn, level: 'Basis', afnemer: BELASTINGDIENST.oin });
    expect(Object.keys(json)).toEqual([
      'status',
      'statusCode',
      'bsn',
      'level',
      'authnContextClassRef',
      'nameId',
      'token',
      'expiresAt',
      'afnemer',
      'processingMs',
      'serviceMs',
    ]);
    expect(json).toMatchObject({
      status: 'Success',
      bsn,
      level: 'Basis',
      nameId: `s00000000:${bsn}`,
      afnemer: BELASTINGDIENST.oin,
      serviceMs: 0,
    });
    expect(typeof json['token']).toBe('string');
    expect(new Date(json['expiresAt'] as string).toISOString()).toBe(json['expiresAt']);
    expect(text).toBe(JSON.stringify(json));
  });

  it('a refusal: status, statusCode, message and the timing, in that order', async () => {
    const { text, json } = await post({ bsn, level: 'Basis', password: 'wrong' });
    expect(Object.keys(json)).toEqual(['status', 'statusCode', 'message', 'processingMs', 'serviceMs']);
    expect(json).toMatchObject({
      status: 'AuthnFailed',
      statusCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
      message: 'unknown username or wrong password',
    });
    expect(text).toBe(JSON.stringify(json));
  });
});
