/**
 * Signed DigiD SAML, checked by an independent SP library at its default settings:
 * @node-saml/node-saml 5 (the SAML core of passport-saml), which by default wants the Response AND
 * the Assertion signed (wantAuthnResponseSigned, wantAssertionsSigned), checks the audience against
 * its issuer and the time conditions with no clock skew. node-saml has no HTTP-Artifact binding, so
 * the test SP does the artifact part (redirect → login form → SAMLart → SOAP ArtifactResolve) and
 * feeds the resolved samlp:Response to node-saml's response validation, as an artifact SP built on
 * it would. The IdP certificate comes from the mock's metadata only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SAML } from '@node-saml/node-saml';
import { buildMock } from '../src/mock/app.ts';
import { ManualClock } from '../src/clock/index.ts';
import {
  certificateBase64,
  generateSigningKey,
  signElement,
  RSA_SHA256,
  type SigningKey,
} from '../src/mock/digid/signing.ts';
import { responseXml } from '../src/mock/digid/saml.ts';
import {
  ACS_URL,
  SP_ENTITY_ID,
  artifactOf,
  artifactResolveXml,
  authnRequestXml,
  encodeRedirect,
  handleOf,
  postLogin,
  postResolve,
  requestAuthentication,
} from './helpers/digid-sp.ts';
import { startTestMock, type TestMock } from './helpers/mock.ts';
import type { FastifyInstance } from 'fastify';

const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

async function idpCertFromMetadata(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/digid/saml/idp/metadata' });
  expect(res.statusCode).toBe(200);
  const doc = new DOMParser().parseFromString(res.body, 'text/xml');
  const kd = Array.from(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'KeyDescriptor'));
  expect(kd.map((k) => k.getAttribute('use'))).toEqual(['signing']);
  const cert = Array.from(kd[0]!.getElementsByTagNameNS(NS_DS, 'X509Certificate'))[0]?.textContent?.trim();
  expect(cert).toMatch(/^MII/);
  return cert!;
}

/** The samlp:Response inside an ArtifactResponse, serialised on its own (it declares its namespaces). */
function innerResponse(soap: string): string | undefined {
  const doc = new DOMParser().parseFromString(soap, 'text/xml');
  const r = Array.from(doc.getElementsByTagNameNS(NS_PROTOCOL, 'Response'))[0];
  return r ? new XMLSerializer().serializeToString(r) : undefined;
}

/** redirect → login form → SAMLart → ArtifactResolve; the resolved Response XML. */
async function artifactLogin(
  app: FastifyInstance,
  bsn: string,
  opts: { redirectQuery?: string; resolveBody?: (artifact: string) => string } = {},
): Promise<{ soap: string; response: string | undefined }> {
  const page =
    opts.redirectQuery !== undefined
      ? await app.inject({ method: 'GET', url: `/digid/saml/idp/request_authentication?${opts.redirectQuery}` })
      : await requestAuthentication(app, encodeRedirect(authnRequestXml({ id: `_sp${Date.now()}` })), 'state-1');
  expect(page.statusCode, page.body).toBe(200);
  const login = await postLogin(app, {
    request: handleOf(page.body),
    username: bsn,
    password: 'bbsim',
    action: 'login',
  });
  expect(login.statusCode).toBe(303);
  const { url, artifact } = artifactOf(login);
  expect(url.origin + url.pathname).toBe(ACS_URL);
  const res = await postResolve(app, opts.resolveBody ? opts.resolveBody(artifact) : artifactResolveXml(artifact));
  expect(res.statusCode).toBe(200);
  return { soap: res.body, response: innerResponse(res.body) };
}

function nodeSaml(idpCert: string): SAML {
  // Only what identifies the SP and the IdP; every check at node-saml's default.
  return new SAML({
    callbackUrl: ACS_URL,
    issuer: SP_ENTITY_ID,
    idpCert,
    entryPoint: 'http://127.0.0.1/digid/saml/idp/request_authentication',
  });
}

const b64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

describe('DigiD SAML is signed so a stock SP with signature checks on accepts it', () => {
  let mock: TestMock;
  let bsn: string;
  beforeAll(async () => {
    // The SP checks NotBefore/NotOnOrAfter against its own wall clock: run the sim clock at wall time.
    mock = await startTestMock({ digid: { serviceTime: { kind: 'fixed', ms: 0 } } }, Date.now());
    const users = await mock.app.inject({ method: 'GET', url: '/digid/test-users?level=Midden&n=1' });
    bsn = users.json<{ users: { bsn: string }[] }>().users[0]!.bsn;
  });
  afterAll(async () => mock.close());

  it('node-saml at its defaults validates the resolved Response with the certificate from the metadata alone', async () => {
    const saml = nodeSaml(await idpCertFromMetadata(mock.app));
    const { response } = await artifactLogin(mock.app, bsn);
    expect(response).toBeDefined();
    const { profile, loggedOut } = await saml.validatePostResponseAsync({ SAMLResponse: b64(response!) });
    expect(loggedOut).toBe(false);
    expect(profile?.nameID).toBe(`s00000000:${bsn}`);
    expect(profile?.issuer).toBe('urn:bbsim:digid:idp');
    expect(profile?.['urn:bbsim:session-token']).toMatch(/\S/);
  });

  it('node-saml refuses the same Response unsigned, or tampered with after signing', async () => {
    const saml = nodeSaml(await idpCertFromMetadata(mock.app));
    const t = mock.clock.now();
    const unsigned = responseXml(
      {
        status: 'Success',
        message: '',
        at: t,
        inResponseTo: '_x',
        destination: ACS_URL,
        audience: SP_ENTITY_ID,
        success: { bsn, level: 'Basis', token: 't', sessionExpiresAt: t + 900_000, notOnOrAfter: t + 300_000 },
      },
      'urn:bbsim:digid:idp',
    );
    await expect(saml.validatePostResponseAsync({ SAMLResponse: b64(unsigned) })).rejects.toThrow(/signature/i);
    const { response } = await artifactLogin(mock.app, bsn);
    const other = bsn === '111222333' ? '123456782' : '111222333';
    const tampered = response!.replace(`s00000000:${bsn}`, `s00000000:${other}`);
    expect(tampered).not.toBe(response);
    await expect(saml.validatePostResponseAsync({ SAMLResponse: b64(tampered) })).rejects.toThrow(/signature/i);
  });

  it("a certificate other than the metadata's is refused (the signature is checked, not only present)", async () => {
    const stranger = generateSigningKey('urn:someone:else');
    const saml = nodeSaml(certificateBase64(stranger.certificatePem));
    const { response } = await artifactLogin(mock.app, bsn);
    await expect(saml.validatePostResponseAsync({ SAMLResponse: b64(response!) })).rejects.toThrow(/signature/i);
  });

  it('the signing key is kept in the database: a restart on it publishes the same certificate', async () => {
    const first = await idpCertFromMetadata(mock.app);
    const again = await buildMock(
      { db: mock.dbPath, workerIntervalMs: 60_000 },
      { clock: new ManualClock(mock.clock.now()) },
    );
    try {
      expect(await idpCertFromMetadata(again)).toBe(first);
    } finally {
      await again.close();
    }
  });

  it('an ArtifactResolve without Issuer is refused (400) and leaves the artifact usable', async () => {
    const page = await requestAuthentication(mock.app, encodeRedirect(authnRequestXml()));
    const { artifact } = artifactOf(
      await postLogin(mock.app, { request: handleOf(page.body), username: bsn, password: 'bbsim' }),
    );
    const res = await postResolve(mock.app, artifactResolveXml(artifact, { issuer: null }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BBSIM_INVALID_REQUEST', field: 'ArtifactResolve.Issuer' });
    expect(innerResponse((await postResolve(mock.app, artifactResolveXml(artifact))).body)).toBeDefined();
  });
});

/** SP metadata with its ACS and signing certificate, as an afnemer hands it to DigiD. */
function spMetadata(entityId: string, acs: string, key: SigningKey): string {
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="${NS_DS}" entityID="${entityId}">
  <md:SPSSODescriptor protocolSupportEnumeration="${NS_PROTOCOL}" AuthnRequestsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64(key.certificatePem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="${acs}" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
}

/** HTTP-Redirect binding with a signature (SAML bindings §3.4.4.1): over SAMLRequest, RelayState, SigAlg as sent. */
function signedRedirectQuery(xml: string, key: SigningKey, relayState = 'rs'): string {
  const q = `SAMLRequest=${encodeRedirect(xml)}&RelayState=${encodeURIComponent(relayState)}&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
  const signature = createSign('RSA-SHA256').update(q).sign(key.privateKeyPem, 'base64');
  return `${q}&Signature=${encodeURIComponent(signature)}`;
}

describe('DigiD registry of service providers and (optional) signature checks on what SPs send', () => {
  let mock: TestMock;
  let dir: string;
  let spKey: SigningKey;
  let bsn: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bbsim-sp-'));
    spKey = generateSigningKey(SP_ENTITY_ID);
    const metadataFile = join(dir, 'sp-metadata.xml');
    writeFileSync(metadataFile, spMetadata(SP_ENTITY_ID, ACS_URL, spKey));
    mock = await startTestMock(
      { digid: { serviceTime: { kind: 'fixed', ms: 0 }, serviceProviders: [{ metadataFile }], checkSignatures: true } },
      Date.now(),
    );
    bsn = (await mock.app.inject({ method: 'GET', url: '/digid/test-users?n=1' })).json<{ users: { bsn: string }[] }>()
      .users[0]!.bsn;
  });
  afterAll(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unregistered ACS or SP gets an error page, never a redirect', async () => {
    for (const xml of [
      authnRequestXml({ acsUrl: 'https://evil.example.test/acs' }),
      authnRequestXml({ issuer: 'urn:unknown:sp' }),
    ]) {
      const res = await mock.app.inject({
        method: 'GET',
        url: `/digid/saml/idp/request_authentication?${signedRedirectQuery(xml, spKey)}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/not registered/);
      expect(res.body).not.toContain('<form');
    }
  });

  it('a signed AuthnRequest and a signed ArtifactResolve from the registered SP go through; node-saml accepts the answer', async () => {
    const saml = nodeSaml(await idpCertFromMetadata(mock.app));
    const { response } = await artifactLogin(mock.app, bsn, {
      redirectQuery: signedRedirectQuery(authnRequestXml({ id: '_signed1' }), spKey),
      resolveBody: (artifact) => signElement(artifactResolveXml(artifact), 'ArtifactResolve', spKey),
    });
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: b64(response!) });
    expect(profile?.nameID).toBe(`s00000000:${bsn}`);
  });

  it('the metadata asks for signed AuthnRequests; an unsigned or wrongly signed one is RequestDenied at the registered ACS', async () => {
    const meta = await mock.app.inject({ method: 'GET', url: '/digid/saml/idp/metadata' });
    expect(meta.body).toContain('WantAuthnRequestsSigned="true"');
    const stranger = generateSigningKey('urn:stranger');
    for (const query of [
      `SAMLRequest=${encodeRedirect(authnRequestXml())}`,
      signedRedirectQuery(authnRequestXml(), stranger),
    ]) {
      const res = await mock.app.inject({ method: 'GET', url: `/digid/saml/idp/request_authentication?${query}` });
      expect(res.statusCode).toBe(302);
      const { url, artifact } = artifactOf(res);
      expect(url.origin + url.pathname).toBe(ACS_URL);
      const soap = (await postResolve(mock.app, signElement(artifactResolveXml(artifact), 'ArtifactResolve', spKey)))
        .body;
      expect(soap).toContain('urn:oasis:names:tc:SAML:2.0:status:RequestDenied');
      expect(soap).toMatch(/AuthnRequest signature/);
    }
  });

  it('AssertionConsumerServiceIndex picks a registered ACS; an unregistered index gets the error page', async () => {
    const byIndex = (i: number) =>
      authnRequestXml({ acsUrl: null }).replace('ForceAuthn=', `AssertionConsumerServiceIndex="${i}" ForceAuthn=`);
    const page = await mock.app.inject({
      method: 'GET',
      url: `/digid/saml/idp/request_authentication?${signedRedirectQuery(byIndex(0), spKey)}`,
    });
    expect(page.statusCode, page.body).toBe(200);
    const { url } = artifactOf(
      await postLogin(mock.app, { request: handleOf(page.body), username: bsn, password: 'bbsim' }),
    );
    expect(url.origin + url.pathname).toBe(ACS_URL);
    const bad = await mock.app.inject({
      method: 'GET',
      url: `/digid/saml/idp/request_authentication?${signedRedirectQuery(byIndex(3), spKey)}`,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers.location).toBeUndefined();
    expect(bad.body).toMatch(/AssertionConsumerServiceIndex 3 is not registered/);
  });

  it('an unsigned ArtifactResolve is refused without using the artifact up', async () => {
    const page = await mock.app.inject({
      method: 'GET',
      url: `/digid/saml/idp/request_authentication?${signedRedirectQuery(authnRequestXml(), spKey)}`,
    });
    const { artifact } = artifactOf(
      await postLogin(mock.app, { request: handleOf(page.body), username: bsn, password: 'bbsim' }),
    );
    const unsigned = await postResolve(mock.app, artifactResolveXml(artifact));
    expect(unsigned.body).toContain('urn:oasis:names:tc:SAML:2.0:status:RequestDenied');
    expect(innerResponse(unsigned.body)).toBeUndefined();
    const signed = await postResolve(mock.app, signElement(artifactResolveXml(artifact), 'ArtifactResolve', spKey));
    expect(innerResponse(signed.body)).toBeDefined();
  });
});
