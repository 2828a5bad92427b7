import { deflateSync, deflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityStats } from '../src/mock/capacity/capacity-stats.ts';
import { MINUTE } from '../src/clock/index.ts';
import { ConfigError, loadMockConfig } from '../src/mock/config.ts';
import { CLASS_REF, LEVELS, type Level } from '../src/mock/digid/levels.ts';
import { DEFAULT_LEVEL_SHARES } from '../src/mock/digid/config.ts';
import { testUsers, userLevel } from '../src/mock/digid/users.ts';
import { defaultConcurrency, defaultMaxQueue } from '../src/mock/digid/digid-service.ts';
import { createPopulation, isValidBsn } from '../src/population/index.ts';
import { DIGID_AUTHENTICATIONS_PER_MINUTE, DIGID_PROCESSING_TIME } from '../src/norms/index.ts';
import { scanXml } from '../src/berichten/parse-xml.ts';
import { startTestMock, type TestMock } from './helpers/mock.ts';
import {
  ACS_URL,
  SP_ENTITY_ID,
  artifactOf,
  artifactResolveXml,
  authnRequestXml,
  encodeRedirect,
  handleOf,
  parseArtifactResponse,
  postLogin,
  postResolve,
  requestAuthentication,
  samlLogin,
} from './helpers/digid-sp.ts';

const S = (code: string): string => `urn:oasis:names:tc:SAML:2.0:status:${code}`;
const PASSWORD = 'bbsim';
const INSTANT = { serviceTime: { kind: 'fixed', ms: 0 } } as const;

interface UsersBody {
  password: string;
  users: { username: string; bsn: string; level: Level; index: number }[];
  complete: boolean;
}
interface AuthBody {
  status: string;
  statusCode: string;
  message?: string;
  bsn?: string;
  level?: string;
  token?: string;
  expiresAt?: string;
  nameId?: string;
  authnContextClassRef?: string;
  serviceMs: number;
  processingMs: number;
}

async function userOf(mock: TestMock, level: Level, offset = 0): Promise<string> {
  const res = await mock.app.inject({ method: 'GET', url: `/digid/test-users?level=${level}&n=1&offset=${offset}` });
  expect(res.statusCode).toBe(200);
  const u = res.json<UsersBody>().users[0];
  if (!u) throw new Error(`no ${level} user`);
  return u.username;
}

async function authenticate(
  mock: TestMock,
  body: Record<string, unknown>,
): Promise<{ statusCode: number; body: AuthBody; headers: Record<string, unknown> }> {
  const res = await mock.app.inject({ method: 'POST', url: '/digid/authenticate', payload: body });
  return { statusCode: res.statusCode, body: res.json<AuthBody>(), headers: res.headers };
}

describe('DigiD mock: SAML artifact flow', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: INSTANT });
  });
  afterAll(() => mock.close());

  it('serves a login page with a form posting the request handle, username, password and a cancel button', async () => {
    const res = await requestAuthentication(
      mock.app,
      encodeRedirect(authnRequestXml({ classRefs: [CLASS_REF.Midden] })),
      'state-1',
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<form method="post" action="/digid/saml/idp/login"');
    expect(res.body).toMatch(/name="username"/);
    expect(res.body).toMatch(/type="password" id="password" name="password"/);
    expect(res.body).toMatch(/name="action" value="cancel"/);
    expect(res.body).toContain(SP_ENTITY_ID);
    expect(res.body).toContain('Midden');
    expect(handleOf(res.body)).toMatch(/^[\w-]{20,}$/);
  });

  it('runs the whole flow: AuthnRequest → login → SAMLart → ArtifactResolve → Assertion with BSN, level and a session token', async () => {
    const bsn = await userOf(mock, 'Hoog');
    const login = await samlLogin(mock.app, {
      request: { id: '_flow-1', classRefs: [CLASS_REF.Substantieel, CLASS_REF.Midden] },
      username: bsn,
      password: PASSWORD,
      relayState: 'back/to?here',
    });
    expect(login.redirect.statusCode).toBe(303);
    const { url } = artifactOf(login.redirect);
    expect(`${url.origin}${url.pathname}`).toBe(ACS_URL);
    expect(login.relayState).toBe('back/to?here');
    // Type 0x0004 artifact: 44 bytes.
    const raw = Buffer.from(login.artifact, 'base64');
    expect(raw.length).toBe(44);
    expect([...raw.subarray(0, 4)]).toEqual([0, 4, 0, 0]);

    const r = login.resolved;
    expect(r.artifactResponseInResponseTo).toBe('_resolve1');
    expect(r.artifactResponseStatus).toBe(S('Success'));
    expect(r.response?.inResponseTo).toBe('_flow-1');
    expect(r.response?.destination).toBe(ACS_URL);
    expect(r.response?.issuer).toBe('urn:bbsim:digid:idp');
    expect(r.response?.statusCodes).toEqual([S('Success')]);
    const a = r.response?.assertion;
    expect(a?.nameId).toBe(`s00000000:${bsn}`);
    // Comparison minimum with two refs: the lowest (Midden) is the minimum, and that level is asserted.
    expect(a?.classRef).toBe(CLASS_REF.Midden);
    expect(a?.audience).toBe(SP_ENTITY_ID);
    expect(a?.issuer).toBe('urn:bbsim:digid:idp');
    expect(a?.confirmationInResponseTo).toBe('_flow-1');
    expect(a?.notOnOrAfter).toBe(new Date(mock.clock.now() + 5 * MINUTE).toISOString());
    const token = a?.attributes['urn:bbsim:session-token'];
    expect(token).toBeTruthy();
    expect(a?.attributes['urn:bbsim:session-expires']).toBe(new Date(mock.clock.now() + 15 * MINUTE).toISOString());

    const inbox = await mock.app.inject({
      method: 'GET',
      url: '/api/v1/berichten',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json()).toMatchObject({ total: 0, berichten: [] });
    expect(mock.app.bbsim.tokens.verify(token!, mock.clock.now())).toMatchObject({ bsn, loa: 'Midden' });
  });

  it('without RequestedAuthnContext asks for Basis; a Basis user logs in', async () => {
    const bsn = await userOf(mock, 'Basis');
    const { resolved } = await samlLogin(mock.app, { username: bsn, password: PASSWORD });
    expect(resolved.response?.statusCodes).toEqual([S('Success')]);
    expect(resolved.response?.assertion?.classRef).toBe(CLASS_REF.Basis);
  });

  it('wrong password → Responder/AuthnFailed, no assertion', async () => {
    const bsn = await userOf(mock, 'Midden');
    const { resolved } = await samlLogin(mock.app, { request: { id: '_wrong' }, username: bsn, password: 'not-it' });
    expect(resolved.response?.inResponseTo).toBe('_wrong');
    expect(resolved.response?.statusCodes).toEqual([S('Responder'), S('AuthnFailed')]);
    expect(resolved.response?.assertion).toBeUndefined();
  });

  it('unknown username (not a valid BSN) → AuthnFailed', async () => {
    const { resolved } = await samlLogin(mock.app, { username: '123456789', password: PASSWORD });
    expect(resolved.response?.statusCodes).toEqual([S('Responder'), S('AuthnFailed')]);
  });

  it('cancel → AuthnFailed, with the RelayState passed back', async () => {
    const { resolved, relayState } = await samlLogin(mock.app, {
      username: '',
      password: '',
      action: 'cancel',
      relayState: 'rs-cancel',
    });
    expect(relayState).toBe('rs-cancel');
    expect(resolved.response?.statusCodes).toEqual([S('Responder'), S('AuthnFailed')]);
    expect(resolved.response?.statusMessage).toMatch(/cancel/);
  });

  it("a level above the user's → NoAuthnContext", async () => {
    const bsn = await userOf(mock, 'Midden');
    const { resolved } = await samlLogin(mock.app, {
      request: { classRefs: [CLASS_REF.Hoog] },
      username: bsn,
      password: PASSWORD,
    });
    expect(resolved.response?.statusCodes).toEqual([S('Responder'), S('NoAuthnContext')]);
    expect(resolved.response?.statusMessage).toMatch(/Hoog.*Midden/);
    expect(resolved.response?.assertion).toBeUndefined();
  });

  it.each([
    ['an unknown AuthnContextClassRef', { classRefs: ['urn:example:unknown'] }, /unknown AuthnContextClassRef/],
    ['no Issuer', { issuer: null }, /no saml:Issuer/],
    ['Version 1.1', { version: '1.1' }, /Version/],
    ['the POST binding', { protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST' }, /HTTP-Artifact/],
    ['Comparison better', { classRefs: [CLASS_REF.Basis], comparison: 'better' }, /Comparison/],
  ] as const)(
    'a request with %s is refused at once: redirect → Requester/RequestDenied',
    async (_name, request, message) => {
      const res = await requestAuthentication(
        mock.app,
        encodeRedirect(authnRequestXml({ id: '_denied', ...request })),
        'rs-d',
      );
      expect(res.statusCode).toBe(302);
      const { artifact, relayState } = artifactOf(res);
      expect(relayState).toBe('rs-d');
      const resolved = parseArtifactResponse((await postResolve(mock.app, artifactResolveXml(artifact))).body);
      expect(resolved.response?.inResponseTo).toBe('_denied');
      expect(resolved.response?.statusCodes).toEqual([S('Requester'), S('RequestDenied')]);
      expect(resolved.response?.statusMessage).toMatch(message);
    },
  );

  it('an artifact resolves once; a second resolve (and an unknown artifact) gives an ArtifactResponse with no message (SAML Core 3.5.3)', async () => {
    const bsn = await userOf(mock, 'Basis', 1);
    const { artifact, resolved } = await samlLogin(mock.app, { username: bsn, password: PASSWORD });
    expect(resolved.response?.statusCodes).toEqual([S('Success')]);
    const again = parseArtifactResponse(
      (await postResolve(mock.app, artifactResolveXml(artifact, { id: '_second' }))).body,
    );
    expect(again.artifactResponseInResponseTo).toBe('_second');
    expect(again.artifactResponseStatus).toBe(S('Success'));
    expect(again.response).toBeUndefined();
    const unknown = parseArtifactResponse(
      (await postResolve(mock.app, artifactResolveXml('AAQAAG5vdC1hLXJlYWwtYXJ0aWZhY3Q='))).body,
    );
    expect(unknown.artifactResponseStatus).toBe(S('Success'));
    expect(unknown.response).toBeUndefined();
  });

  it('an artifact resolved by another afnemer gets no message and stays resolvable by its own', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const { artifact } = artifactOf(
      await postLogin(mock.app, {
        request: handleOf(page.body),
        username: await userOf(mock, 'Basis'),
        password: PASSWORD,
      }),
    );
    const other = parseArtifactResponse(
      (await postResolve(mock.app, artifactResolveXml(artifact, { issuer: 'urn:other:sp' }))).body,
    );
    expect(other.artifactResponseStatus).toBe(S('Success'));
    expect(other.response).toBeUndefined();
    const own = parseArtifactResponse((await postResolve(mock.app, artifactResolveXml(artifact))).body);
    expect(own.response?.statusCodes).toEqual([S('Success')]);
  });

  it('a login request handle is single use, and an unknown one is a clear 400', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const handle = handleOf(page.body);
    expect(
      (await postLogin(mock.app, { request: handle, username: '', password: '', action: 'cancel' })).statusCode,
    ).toBe(303);
    const again = await postLogin(mock.app, { request: handle, username: '', password: '', action: 'cancel' });
    expect(again.statusCode).toBe(400);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.json()).toMatchObject({ code: 'BBSIM_INVALID_REQUEST', field: 'request' });
    expect((await postLogin(mock.app, { request: 'nope', username: 'x', password: 'y' })).json()).toMatchObject({
      field: 'request',
    });
  });

  it('answers a SOAP 1.2 ArtifactResolve in SOAP 1.2', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const { artifact } = artifactOf(
      await postLogin(mock.app, { request: handleOf(page.body), username: '', password: '', action: 'cancel' }),
    );
    const soap12 = artifactResolveXml(artifact).replace(
      'http://schemas.xmlsoap.org/soap/envelope/',
      'http://www.w3.org/2003/05/soap-envelope',
    );
    const res = await postResolve(mock.app, soap12, 'application/soap+xml; charset=utf-8');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/soap\+xml/);
    const env = scanXml(res.body);
    expect(env.ns).toBe('http://www.w3.org/2003/05/soap-envelope');
    expect(res.body).toContain(S('AuthnFailed'));
  });

  it('serves IdP metadata listing both endpoints', async () => {
    const res = await mock.app.inject({ method: 'GET', url: '/digid/saml/idp/metadata' });
    expect(res.statusCode).toBe(200);
    const root = scanXml(res.body);
    expect(root.local).toBe('EntityDescriptor');
    expect(res.body).toContain('/digid/saml/idp/resolve_artifact');
    expect(res.body).toContain('/digid/saml/idp/request_authentication');
  });
});

describe('DigiD mock: expiry on the sim clock', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: { ...INSTANT, artifactTtlMs: 2 * MINUTE, requestTtlMs: 10 * MINUTE } });
  });
  afterAll(() => mock.close());

  it('an artifact not resolved within artifactTtlMs is gone', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const { artifact } = artifactOf(
      await postLogin(mock.app, {
        request: handleOf(page.body),
        username: await userOf(mock, 'Basis'),
        password: PASSWORD,
      }),
    );
    mock.clock.advance(2 * MINUTE);
    const late = parseArtifactResponse((await postResolve(mock.app, artifactResolveXml(artifact))).body);
    expect(late.artifactResponseStatus).toBe(S('Success'));
    expect(late.response).toBeUndefined();
  });

  it('an artifact resolved just inside its TTL works', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const { artifact } = artifactOf(
      await postLogin(mock.app, {
        request: handleOf(page.body),
        username: await userOf(mock, 'Basis'),
        password: PASSWORD,
      }),
    );
    mock.clock.advance(2 * MINUTE - 1);
    const ok = parseArtifactResponse((await postResolve(mock.app, artifactResolveXml(artifact))).body);
    expect(ok.response?.statusCodes).toEqual([S('Success')]);
  });

  it('a login page older than requestTtlMs can no longer be submitted', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    mock.clock.advance(10 * MINUTE);
    const res = await postLogin(mock.app, {
      request: handleOf(page.body),
      username: await userOf(mock, 'Basis'),
      password: PASSWORD,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'request' });
  });

  it('the session token expires after the session TTL (auth.sessionTtlMs by default)', async () => {
    const { body } = await authenticate(mock, { bsn: await userOf(mock, 'Basis') });
    const headers = { authorization: `Bearer ${body.token!}` };
    expect(Date.parse(body.expiresAt!)).toBe(mock.clock.now() + 15 * MINUTE);
    expect((await mock.app.inject({ method: 'GET', url: '/api/v1/berichten', headers })).statusCode).toBe(200);
    mock.clock.advance(15 * MINUTE + 1);
    const expired = await mock.app.inject({ method: 'GET', url: '/api/v1/berichten', headers });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'BBSIM_TOKEN_EXPIRED' });
  });
});

describe('DigiD mock: malformed input is a clear 400, never a 500', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: INSTANT });
  });
  afterAll(() => mock.close());

  const b64 = (b: Buffer): string => encodeURIComponent(b.toString('base64'));
  it.each([
    ['bad base64', encodeURIComponent('!!!not base64!!!'), 'BBSIM_INVALID_REQUEST', /not base64/],
    [
      'base64 but not DEFLATE',
      b64(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x12])),
      'BBSIM_INVALID_REQUEST',
      /not raw DEFLATE/,
    ],
    [
      'zlib-wrapped instead of raw DEFLATE',
      b64(deflateSync(Buffer.from(authnRequestXml()))),
      'BBSIM_INVALID_REQUEST',
      /zlib-wrapped/,
    ],
    [
      'malformed XML',
      b64(
        deflateRawSync(
          Buffer.from(
            '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><oops></samlp:AuthnRequest>',
          ),
        ),
      ),
      'BBSIM_INVALID_REQUEST',
      /not well-formed XML/,
    ],
    [
      'a DOCTYPE',
      b64(
        deflateRawSync(
          Buffer.from(
            `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${authnRequestXml().replace(/^<\?xml[^>]*>/, '')}`,
          ),
        ),
      ),
      'BBSIM_UNSAFE_XML',
      /DOCTYPE/,
    ],
    [
      'the wrong root element',
      b64(deflateRawSync(Buffer.from('<LogoutRequest/>'))),
      'BBSIM_INVALID_REQUEST',
      /root element must be <AuthnRequest>/,
    ],
    [
      'no AssertionConsumerServiceURL',
      encodeRedirect(authnRequestXml({ acsUrl: null })),
      'BBSIM_INVALID_REQUEST',
      /AssertionConsumerServiceURL/,
    ],
    [
      'a relative AssertionConsumerServiceURL',
      encodeRedirect(authnRequestXml({ acsUrl: '/acs' })),
      'BBSIM_INVALID_REQUEST',
      /absolute URL/,
    ],
    [
      'a javascript: AssertionConsumerServiceURL',
      encodeRedirect(authnRequestXml({ acsUrl: 'javascript:alert(1)' })),
      'BBSIM_INVALID_REQUEST',
      /http\(s\)/,
    ],
    ['an ID that is no xs:ID', encodeRedirect(authnRequestXml({ id: '1 2' })), 'BBSIM_INVALID_REQUEST', /xs:ID/],
    ['invalid UTF-8', b64(deflateRawSync(Buffer.from([0x3c, 0x61, 0xff, 0x3e]))), 'BBSIM_INVALID_REQUEST', /UTF-8/],
  ])('SAMLRequest with %s', async (_name, encoded, code, detail) => {
    const res = await requestAuthentication(mock.app, encoded);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.json<{ code: string; detail: string; field: string }>();
    expect(body.code).toBe(code);
    expect(body.field).toBe('SAMLRequest');
    expect(body.detail).toMatch(detail);
  });

  it('a deflate bomb stops at the inflate limit', async () => {
    const res = await requestAuthentication(mock.app, b64(deflateRawSync(Buffer.alloc(2_000_000, 0x20))));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'SAMLRequest', detail: expect.stringMatching(/inflates to more than/) });
  });

  it('missing SAMLRequest and a RelayState over 80 bytes are schema errors', async () => {
    expect((await mock.app.inject({ method: 'GET', url: '/digid/saml/idp/request_authentication' })).statusCode).toBe(
      400,
    );
    const long = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()), 'x'.repeat(81));
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ code: 'BBSIM_INVALID_REQUEST' });
  });

  it.each([
    ['not XML', 'hello', 'BBSIM_MALFORMED_BODY'],
    ['a DOCTYPE', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', 'BBSIM_UNSAFE_XML'],
    [
      'no SOAP envelope',
      '<samlp:ArtifactResolve xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a"/>',
      'BBSIM_INVALID_REQUEST',
    ],
    ['no Artifact', artifactResolveXml('').replace('<samlp:Artifact></samlp:Artifact>', ''), 'BBSIM_INVALID_REQUEST'],
    ['no ID', artifactResolveXml('abc').replace('ID="_resolve1"', ''), 'BBSIM_INVALID_REQUEST'],
  ])('ArtifactResolve with %s → 400', async (_name, body, code) => {
    const res = await postResolve(mock.app, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code });
  });

  it('an ArtifactResolve sent as JSON, without a body or as multipart is a 4xx problem', async () => {
    for (const res of [
      await mock.app.inject({ method: 'POST', url: '/digid/saml/idp/resolve_artifact', payload: { Artifact: 'x' } }),
      await mock.app.inject({ method: 'POST', url: '/digid/saml/idp/resolve_artifact' }),
      await mock.app.inject({
        method: 'POST',
        url: '/digid/saml/idp/resolve_artifact',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        payload: '--x--',
      }),
      await mock.app.inject({
        method: 'POST',
        url: '/digid/saml/idp/login',
        headers: { 'content-type': 'text/xml' },
        payload: '<x/>',
      }),
    ]) {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, res.body).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('login form and JSON bodies are validated', async () => {
    const noHandle = await postLogin(mock.app, { username: 'x' });
    expect(noHandle.statusCode).toBe(400);
    const badAction = await postLogin(mock.app, { request: 'abc', action: 'steal' });
    expect(badAction.statusCode).toBe(400);
    expect((await authenticate(mock, {})).body).toMatchObject({ code: 'BBSIM_INVALID_REQUEST', field: 'bsn' });
    expect((await authenticate(mock, { bsn: '123456789' })).body).toMatchObject({ code: 'BBSIM_INVALID_BSN' });
    expect((await authenticate(mock, { bsn: '12345' })).statusCode).toBe(400);
    expect((await authenticate(mock, { bsn: '111222333', level: 'Laag' })).statusCode).toBe(400);
    expect((await authenticate(mock, { bsn: '111222333', extra: 1 })).statusCode).toBe(400);
  });
});

describe('DigiD mock: JSON authenticate', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: INSTANT });
  });
  afterAll(() => mock.close());

  it('Success returns a session token the inbox accepts', async () => {
    const bsn = await userOf(mock, 'Substantieel');
    const res = await authenticate(mock, {
      bsn,
      password: PASSWORD,
      level: 'Substantieel',
      afnemer: mock.app.bbsim.config.afnemers[0]!.oin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      status: 'Success',
      statusCode: S('Success'),
      bsn,
      level: 'Substantieel',
      nameId: `s00000000:${bsn}`,
      authnContextClassRef: CLASS_REF.Substantieel,
      expiresAt: new Date(mock.clock.now() + 15 * MINUTE).toISOString(),
    });
    const inbox = await mock.app.inject({
      method: 'GET',
      url: '/api/v1/berichten',
      headers: { authorization: `Bearer ${res.body.token!}` },
    });
    expect(inbox.statusCode).toBe(200);
  });

  it('username works like bsn; no password means the right one; no level means Basis', async () => {
    const bsn = await userOf(mock, 'Basis');
    expect((await authenticate(mock, { username: bsn })).body).toMatchObject({ status: 'Success', level: 'Basis' });
  });

  it("AuthnFailed for a wrong password, an unknown username and a cancel; NoAuthnContext above the user's level; RequestDenied for an unknown afnemer", async () => {
    const bsn = await userOf(mock, 'Midden');
    expect((await authenticate(mock, { bsn, password: 'wrong' })).body).toMatchObject({
      status: 'AuthnFailed',
      statusCode: S('AuthnFailed'),
    });
    expect((await authenticate(mock, { username: 'nobody' })).body).toMatchObject({ status: 'AuthnFailed' });
    expect((await authenticate(mock, { bsn, cancel: true })).body).toMatchObject({
      status: 'AuthnFailed',
      message: expect.stringMatching(/cancel/),
    });
    const high = await authenticate(mock, { bsn, level: 'Substantieel' });
    expect(high.statusCode).toBe(200);
    expect(high.body).toMatchObject({ status: 'NoAuthnContext', statusCode: S('NoAuthnContext') });
    expect(high.body.token).toBeUndefined();
    expect((await authenticate(mock, { bsn, level: 'Midden' })).body).toMatchObject({
      status: 'Success',
      level: 'Midden',
    });
    expect((await authenticate(mock, { bsn, afnemer: '99999999999999999999' })).body).toMatchObject({
      status: 'RequestDenied',
      statusCode: S('RequestDenied'),
    });
  });
});

describe('DigiD mock: test users', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ digid: INSTANT });
  });
  afterAll(() => mock.close());

  it('lists deterministic users of each level from the population, agreeing with userLevel()', async () => {
    const population = mock.app.bbsim.population;
    for (const level of LEVELS) {
      const res = await mock.app.inject({ method: 'GET', url: `/digid/test-users?level=${level}&n=5` });
      const body = res.json<UsersBody>();
      expect(body.password).toBe(PASSWORD);
      expect(body.complete).toBe(true);
      expect(body.users).toHaveLength(5);
      for (const u of body.users) {
        expect(u.level).toBe(level);
        expect(u.username).toBe(u.bsn);
        expect(isValidBsn(u.bsn)).toBe(true);
        expect(population.bsn(u.index)).toBe(u.bsn);
        expect(userLevel(u.bsn, 1, DEFAULT_LEVEL_SHARES)).toBe(level);
      }
      const next = (
        await mock.app.inject({ method: 'GET', url: `/digid/test-users?level=${level}&n=2&offset=4` })
      ).json<UsersBody>();
      expect(next.users[0]?.bsn).toBe(body.users[4]?.bsn);
    }
  });

  it('splits the population by the configured shares (seeded, same seed → same levels)', () => {
    const population = createPopulation({ seed: 7, activeShare: 0.9, subscribedShare: 0.95 });
    const { users } = testUsers(population, 7, DEFAULT_LEVEL_SHARES, { n: 20_000 });
    for (const level of LEVELS) {
      const share = users.filter((u) => u.level === level).length / users.length;
      expect(Math.abs(share - DEFAULT_LEVEL_SHARES[level])).toBeLessThan(0.015);
    }
    expect(testUsers(population, 7, DEFAULT_LEVEL_SHARES, { n: 50 }).users).toEqual(users.slice(0, 50));
    expect(userLevel('123456789', 7, DEFAULT_LEVEL_SHARES)).toBeUndefined();
  });
});

describe('DigiD mock: capacity', () => {
  let mock: TestMock | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('admits digid.perMinute authentications per sim minute over both flows, then 503 + Retry-After; the next minute admits again', async () => {
    mock = await startTestMock({ digid: { ...INSTANT, perMinute: 4 } });
    const m = mock;
    const bsn = await userOf(m, 'Basis');
    m.clock.advance(15_000); // 15 s into the minute
    for (let i = 0; i < 3; i++) expect((await authenticate(m, { bsn })).body.status).toBe('Success');
    // The 4th is a SAML login (the login page itself does not count).
    const page = await requestAuthentication(m.app, encodeRedirect(authnRequestXml()));
    const handle = handleOf(page.body);
    expect((await postLogin(m.app, { request: handle, username: bsn, password: PASSWORD })).statusCode).toBe(303);

    const refused = await authenticate(m, { bsn });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.body).toMatchObject({ code: 'BBSIM_CAPACITY', retryAfter: 45, window: 'minute', used: 4, limit: 4 });
    // A refused SAML login keeps its handle for a retry.
    const page2 = await requestAuthentication(m.app, encodeRedirect(authnRequestXml({ id: '_later' })));
    const handle2 = handleOf(page2.body);
    const refusedLogin = await postLogin(m.app, { request: handle2, username: bsn, password: PASSWORD });
    expect(refusedLogin.statusCode).toBe(503);
    expect(refusedLogin.headers['retry-after']).toBe('45');
    // A request refused outright counts as an authentication too.
    expect((await requestAuthentication(m.app, encodeRedirect(authnRequestXml({ version: '1.0' })))).statusCode).toBe(
      503,
    );

    let stats = (await m.app.inject({ method: 'GET', url: '/digid/stats' })).json<Record<string, unknown>>();
    expect(stats).toMatchObject({
      capacity: {
        windows: [{ limit: 4, used: 4, remaining: 0, peakOffered: 7 }],
        refused: { limit: 3, saturated: 0, closed: 0, total: 3 },
      },
      authentications: { Success: 4, total: 4 },
    });

    m.clock.advance(45_000);
    expect((await authenticate(m, { bsn })).body.status).toBe('Success');
    const retried = await postLogin(m.app, { request: handle2, username: bsn, password: PASSWORD });
    expect(retried.statusCode).toBe(303);
    const resolved = parseArtifactResponse(
      (await postResolve(m.app, artifactResolveXml(artifactOf(retried).artifact))).body,
    );
    expect(resolved.response?.inResponseTo).toBe('_later');
    stats = (await m.app.inject({ method: 'GET', url: '/digid/stats' })).json<Record<string, unknown>>();
    expect(stats).toMatchObject({
      authentications: { Success: 6 },
      capacity: { windows: [{ used: 2, remaining: 2 }], minutes: { count: 2, withinNormPercent: 100 } },
    });
  });

  it(`at the real limit (${DIGID_AUTHENTICATIONS_PER_MINUTE.limit} per minute, service time 0) refuses the next one in the same sim minute`, async () => {
    mock = await startTestMock({ digid: INSTANT });
    const m = mock;
    expect(m.app.bbsim.config.digid.perMinute).toBe(DIGID_AUTHENTICATIONS_PER_MINUTE.limit);
    const bsn = await userOf(m, 'Basis');
    const limit = DIGID_AUTHENTICATIONS_PER_MINUTE.limit;
    const batch = 500;
    let ok = 0;
    for (let done = 0; done < limit; done += batch) {
      const res = await Promise.all(
        Array.from({ length: batch }, () =>
          m.app.inject({ method: 'POST', url: '/digid/authenticate', payload: { bsn } }),
        ),
      );
      ok += res.filter((r) => r.statusCode === 200).length;
    }
    expect(ok).toBe(limit);
    m.clock.advance(59_000);
    const refused = await authenticate(m, { bsn });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    m.clock.advance(1000);
    expect((await authenticate(m, { bsn })).statusCode).toBe(200);
    const stats = (await m.app.inject({ method: 'GET', url: '/digid/stats' })).json<Record<string, unknown>>();
    expect(stats).toMatchObject({
      authentications: { total: limit + 1 },
      capacity: {
        refused: { limit: 1, total: 1 },
        windows: [{ normId: DIGID_AUTHENTICATIONS_PER_MINUTE.id, used: 1, peakOffered: limit + 1 }],
      },
    });
  });

  it('queues beyond the concurrency and refuses (503) when the queue is full', async () => {
    mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 50 }, concurrency: 1, maxQueue: 1 } });
    const m = mock;
    const bsn = await userOf(m, 'Basis');
    const res = await Promise.all(
      [0, 1, 2].map(() => m.app.inject({ method: 'POST', url: '/digid/authenticate', payload: { bsn } })),
    );
    expect(res.map((r) => r.statusCode).sort()).toEqual([200, 200, 503]);
    const served = res
      .filter((r) => r.statusCode === 200)
      .map((r) => r.json<AuthBody>().processingMs)
      .sort((a, b) => a - b);
    expect(served[1]!).toBeGreaterThan(served[0]! + 40); // the second waited for the first
    const stats = (await m.app.inject({ method: 'GET', url: '/digid/stats' })).json<{ capacity: CapacityStats }>();
    expect(stats.capacity.refused.saturated).toBe(1);
    expect(stats.capacity.server).toMatchObject({ concurrency: 1, maxQueue: 1 });
  });
});

describe('DigiD mock: stats, processing time and determinism', () => {
  let mocks: TestMock[] = [];
  afterEach(async () => {
    await Promise.all(mocks.map((m) => m.close()));
    mocks = [];
  });
  const start = async (
    seed: number,
    serviceTime: object = { kind: 'lognormal', medianMs: 2, p99Ms: 10 },
  ): Promise<TestMock> => {
    const m = await startTestMock({ seed, digid: { serviceTime: serviceTime as never } });
    mocks.push(m);
    return m;
  };

  it('draws the same service times with the same seed, and others with another seed', async () => {
    const draws = async (m: TestMock): Promise<number[]> => {
      const bsn = await userOf(m, 'Basis');
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await authenticate(m, { bsn })).body.serviceMs);
      return out;
    };
    const [a, b, c] = [await draws(await start(42)), await draws(await start(42)), await draws(await start(43))];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((x) => x > 0 && x < 100)).toBe(true);
  });

  it('counts authentications by status and reports the mean processing time against the 4 s norm per sim minute', async () => {
    const m = await start(1, { kind: 'fixed', ms: 5 });
    const bsn = await userOf(m, 'Midden');
    await authenticate(m, { bsn });
    await authenticate(m, { bsn, password: 'x' });
    await authenticate(m, { bsn, level: 'Hoog' });
    await authenticate(m, { bsn, afnemer: '00000000000000000000' });
    m.clock.advance(MINUTE);
    const { resolved } = await samlLogin(m.app, { username: bsn, password: PASSWORD });
    expect(resolved.response?.statusCodes).toEqual([S('Success')]);
    const stats = (await m.app.inject({ method: 'GET', url: '/digid/stats' })).json<
      Record<string, unknown> & { capacity: CapacityStats }
    >();
    expect(stats).toMatchObject({
      service: 'digid',
      authentications: { Success: 2, AuthnFailed: 1, NoAuthnContext: 1, RequestDenied: 1, total: 5 },
      successByLevel: { Basis: 2, Midden: 0, Substantieel: 0, Hoog: 0 }, // the requested level (Basis) is asserted
      processingNorm: { id: DIGID_PROCESSING_TIME.id, limitMs: DIGID_PROCESSING_TIME.limit, holds: true },
      capacity: {
        refused: { total: 0 },
        minutes: { count: 2, withinNormPercent: 100, normMs: DIGID_PROCESSING_TIME.limit },
        windows: [
          {
            window: 'minute',
            normId: DIGID_AUTHENTICATIONS_PER_MINUTE.id,
            limit: DIGID_AUTHENTICATIONS_PER_MINUTE.limit,
            used: 1,
          },
        ],
      },
      artifacts: { live: 0, resolved: 1, denied: 0 },
    });
    expect(stats.capacity.minutes.meanMs).toBeGreaterThanOrEqual(5);
    expect(stats.capacity.minutes.meanMs).toBeLessThan(DIGID_PROCESSING_TIME.limit);
    const metrics = await m.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/bbsim_digid_authentications_total\{status="Success"\} 2/);
    expect(metrics.body).toMatch(/bbsim_service_admitted_total\{service="digid"\} 5/);
  });
});

describe('DigiD mock: config and OpenAPI', () => {
  it('has defaults from the norms and refuses bad values with clear messages', () => {
    const cfg = loadMockConfig({});
    expect(cfg.digid).toMatchObject({
      perMinute: DIGID_AUTHENTICATIONS_PER_MINUTE.limit,
      testPassword: 'bbsim',
      serviceTime: { kind: 'lognormal', medianMs: 300, p99Ms: 1500 },
      levelShares: DEFAULT_LEVEL_SHARES,
    });
    const bad = (digid: object): string => {
      try {
        loadMockConfig({ digid: digid as never });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ perMinute: 0 })).toMatch(/digid\.perMinute: perMinute must be > 0/);
    expect(bad({ levelShares: { Hoog: 0.5 } })).toMatch(/digid\.levelShares: levelShares must add up to 1/);
    expect(bad({ serviceTime: { kind: 'lognormal', medianMs: 500, p99Ms: 100 } })).toMatch(
      /digid\.serviceTime\.p99Ms: p99Ms must be >= medianMs/,
    );
    expect(bad({ testPassword: '' })).toMatch(/testPassword must not be empty/);
    expect(bad({ artifactTtlMs: -1 })).toMatch(/artifactTtlMs must be > 0/);
    expect(bad({ nope: 1 })).toMatch(/digid/);
    // Derived server defaults: enough workers for the norm rate at the mean service time twice over; a queue of what 4 s brings.
    expect(defaultConcurrency(DIGID_AUTHENTICATIONS_PER_MINUTE.limit, cfg.digid.serviceTime)).toBe(128);
    expect(defaultMaxQueue(DIGID_AUTHENTICATIONS_PER_MINUTE.limit)).toBe(667);
    expect(defaultConcurrency(5, { kind: 'fixed', ms: 0 })).toBe(16);
  });

  it('documents the routes in /openapi.json under the digid tag', async () => {
    const mock = await startTestMock({ digid: INSTANT });
    try {
      const doc = (await mock.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<
          string,
          Record<string, { tags?: string[]; summary?: string; requestBody?: { content: Record<string, unknown> } }>
        >;
      }>();
      for (const [path, method] of [
        ['/digid/saml/idp/request_authentication', 'get'],
        ['/digid/saml/idp/login', 'post'],
        ['/digid/saml/idp/resolve_artifact', 'post'],
        ['/digid/authenticate', 'post'],
        ['/digid/test-users', 'get'],
        ['/digid/stats', 'get'],
      ] as const) {
        const op = doc.paths[path]?.[method];
        expect(op?.tags, path).toEqual(['digid']);
        expect(op?.summary, path).toBeTruthy();
      }
      expect(Object.keys(doc.paths['/digid/saml/idp/login']?.post?.requestBody?.content ?? {})).toEqual([
        'application/x-www-form-urlencoded',
      ]);
      expect(Object.keys(doc.paths['/digid/saml/idp/resolve_artifact']?.post?.requestBody?.content ?? {})).toContain(
        'text/xml',
      );
    } finally {
      await mock.close();
    }
  });
});
