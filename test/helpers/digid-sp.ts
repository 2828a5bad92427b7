/**
 * A tiny SAML service provider for the DigiD mock tests: builds real AuthnRequests (raw DEFLATE,
 * base64, URL-encoded), follows the login form and resolves artifacts over SOAP, reading the answers
 * with the project's own safe XML scanner.
 */
import { deflateRawSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { scanXml, type XmlElement } from '../../src/berichten/parse-xml.ts';
import { attributesOf, NS_ASSERTION, NS_PROTOCOL, NS_SOAP11 } from '../../src/mock/digid/saml.ts';

export const SP_ENTITY_ID = 'urn:bbsim:test:sp';
export const ACS_URL = 'https://sp.example.test/saml/acs';

export interface AuthnRequestOptions {
  readonly id?: string;
  readonly issuer?: string | null;
  readonly acsUrl?: string | null;
  /** AuthnContextClassRef URIs; absent: no RequestedAuthnContext. */
  readonly classRefs?: readonly string[];
  readonly comparison?: string;
  readonly version?: string;
  readonly protocolBinding?: string;
}

export function authnRequestXml(o: AuthnRequestOptions = {}): string {
  const acs = o.acsUrl === null ? '' : ` AssertionConsumerServiceURL="${o.acsUrl ?? ACS_URL}"`;
  const binding = ` ProtocolBinding="${o.protocolBinding ?? 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact'}"`;
  const issuer = o.issuer === null ? '' : `<saml:Issuer>${o.issuer ?? SP_ENTITY_ID}</saml:Issuer>`;
  const requested = o.classRefs
    ? `<samlp:RequestedAuthnContext Comparison="${o.comparison ?? 'minimum'}">${o.classRefs.map((r) => `<saml:AuthnContextClassRef>${r}</saml:AuthnContextClassRef>`).join('')}</samlp:RequestedAuthnContext>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
    ID="${o.id ?? '_req1'}" Version="${o.version ?? '2.0'}" IssueInstant="2026-11-17T09:00:00Z"${acs}${binding} ForceAuthn="false">
  ${issuer}
  ${requested}
</samlp:AuthnRequest>`;
}

/** HTTP-Redirect binding encoding of an XML string. */
export function encodeRedirect(xml: string): string {
  return encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'));
}

export function requestAuthentication(
  app: FastifyInstance,
  samlRequestEncoded: string,
  relayState?: string,
): Promise<LightMyRequestResponse> {
  const rs = relayState !== undefined ? `&RelayState=${encodeURIComponent(relayState)}` : '';
  return app.inject({
    method: 'GET',
    url: `/digid/saml/idp/request_authentication?SAMLRequest=${samlRequestEncoded}${rs}`,
  });
}

/** The hidden request handle of the login page. */
export function handleOf(html: string): string {
  const m = /<input type="hidden" name="request" value="([^"]+)">/.exec(html);
  if (!m?.[1]) throw new Error(`no request handle in the login page:\n${html}`);
  return m[1];
}

export function postLogin(app: FastifyInstance, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/digid/saml/idp/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** SAMLart and RelayState of a redirect to the ACS. */
export function artifactOf(res: LightMyRequestResponse): { url: URL; artifact: string; relayState: string | null } {
  const location = res.headers.location;
  if (typeof location !== 'string') throw new Error(`no redirect (${res.statusCode}): ${res.body}`);
  const url = new URL(location);
  const artifact = url.searchParams.get('SAMLart');
  if (!artifact) throw new Error(`no SAMLart in ${location}`);
  return { url, artifact, relayState: url.searchParams.get('RelayState') };
}

export function artifactResolveXml(artifact: string, opts: { id?: string; issuer?: string | null } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${NS_SOAP11}">
  <soapenv:Body>
    <samlp:ArtifactResolve xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="${opts.id ?? '_resolve1'}" Version="2.0" IssueInstant="2026-11-17T09:00:01Z">
      ${opts.issuer === null ? '' : `<saml:Issuer>${opts.issuer ?? SP_ENTITY_ID}</saml:Issuer>`}
      <samlp:Artifact>${artifact}</samlp:Artifact>
    </samlp:ArtifactResolve>
  </soapenv:Body>
</soapenv:Envelope>`;
}

export function postResolve(
  app: FastifyInstance,
  body: string,
  contentType = 'text/xml; charset=utf-8',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/digid/saml/idp/resolve_artifact',
    headers: { 'content-type': contentType, soapaction: '' },
    payload: body,
  });
}

const find = (el: XmlElement, ns: string, local: string): XmlElement | undefined =>
  el.children.find((c) => c.ns === ns && c.local === local);
function findDeep(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.ns === ns && c.local === local) return c;
    const d = findDeep(c, ns, local);
    if (d) return d;
  }
  return undefined;
}

/** What a test wants to know of an ArtifactResponse. */
export interface ResolvedResponse {
  readonly artifactResponseInResponseTo: string | undefined;
  readonly artifactResponseStatus: string | undefined;
  /** Absent when the ArtifactResponse holds no Response. */
  readonly response?: {
    readonly inResponseTo: string | undefined;
    readonly destination: string | undefined;
    readonly issuer: string | undefined;
    /** Top-level and (when present) second-level status code URIs. */
    readonly statusCodes: string[];
    readonly statusMessage: string | undefined;
    readonly assertion?: {
      readonly issuer: string | undefined;
      readonly nameId: string | undefined;
      readonly classRef: string | undefined;
      readonly audience: string | undefined;
      readonly confirmationInResponseTo: string | undefined;
      readonly attributes: Record<string, string>;
      readonly notOnOrAfter: string | undefined;
    };
  };
}

export function parseArtifactResponse(xml: string): ResolvedResponse {
  const env = scanXml(xml);
  if (env.ns !== NS_SOAP11 || env.local !== 'Envelope') throw new Error(`not a SOAP 1.1 envelope: ${env.qname}`);
  const ar = find(find(env, NS_SOAP11, 'Body')!, NS_PROTOCOL, 'ArtifactResponse');
  if (!ar) throw new Error('no ArtifactResponse');
  const arStatus = find(find(ar, NS_PROTOCOL, 'Status')!, NS_PROTOCOL, 'StatusCode');
  const resp = find(ar, NS_PROTOCOL, 'Response');
  const base = {
    artifactResponseInResponseTo: attributesOf(xml, ar).get('InResponseTo'),
    artifactResponseStatus: arStatus ? attributesOf(xml, arStatus).get('Value') : undefined,
  };
  if (!resp) return base;
  const status = find(resp, NS_PROTOCOL, 'Status')!;
  const codes: string[] = [];
  for (let sc = find(status, NS_PROTOCOL, 'StatusCode'); sc; sc = find(sc, NS_PROTOCOL, 'StatusCode'))
    codes.push(attributesOf(xml, sc).get('Value') ?? '');
  const ra = attributesOf(xml, resp);
  const a = find(resp, NS_ASSERTION, 'Assertion');
  let assertion: NonNullable<ResolvedResponse['response']>['assertion'];
  if (a) {
    const attributes: Record<string, string> = {};
    for (const attr of find(a, NS_ASSERTION, 'AttributeStatement')?.children ?? []) {
      attributes[attributesOf(xml, attr).get('Name') ?? ''] = find(attr, NS_ASSERTION, 'AttributeValue')?.text ?? '';
    }
    const scd = findDeep(a, NS_ASSERTION, 'SubjectConfirmationData');
    const conditions = find(a, NS_ASSERTION, 'Conditions');
    assertion = {
      issuer: find(a, NS_ASSERTION, 'Issuer')?.text,
      nameId: findDeep(a, NS_ASSERTION, 'NameID')?.text,
      classRef: findDeep(a, NS_ASSERTION, 'AuthnContextClassRef')?.text,
      audience: findDeep(a, NS_ASSERTION, 'Audience')?.text,
      confirmationInResponseTo: scd ? attributesOf(xml, scd).get('InResponseTo') : undefined,
      attributes,
      notOnOrAfter: conditions ? attributesOf(xml, conditions).get('NotOnOrAfter') : undefined,
    };
  }
  return {
    ...base,
    response: {
      inResponseTo: ra.get('InResponseTo'),
      destination: ra.get('Destination'),
      issuer: find(resp, NS_ASSERTION, 'Issuer')?.text,
      statusCodes: codes,
      statusMessage: find(status, NS_PROTOCOL, 'StatusMessage')?.text,
      ...(assertion ? { assertion } : {}),
    },
  };
}

/** The whole browser + SP path: AuthnRequest → login page → form → redirect → ArtifactResolve. */
export async function samlLogin(
  app: FastifyInstance,
  opts: {
    request?: AuthnRequestOptions;
    username: string;
    password: string;
    action?: 'login' | 'cancel';
    relayState?: string;
  },
): Promise<{
  requestId: string;
  redirect: LightMyRequestResponse;
  artifact: string;
  relayState: string | null;
  resolved: ResolvedResponse;
}> {
  const requestId = opts.request?.id ?? '_req1';
  const page = await requestAuthentication(
    app,
    encodeRedirect(authnRequestXml({ ...opts.request, id: requestId })),
    opts.relayState,
  );
  if (page.statusCode !== 200) throw new Error(`login page: ${page.statusCode} ${page.body}`);
  const redirect = await postLogin(app, {
    request: handleOf(page.body),
    username: opts.username,
    password: opts.password,
    action: opts.action ?? 'login',
  });
  const { artifact, relayState } = artifactOf(redirect);
  const res = await postResolve(app, artifactResolveXml(artifact));
  if (res.statusCode !== 200) throw new Error(`resolve: ${res.statusCode} ${res.body}`);
  return { requestId, redirect, artifact, relayState, resolved: parseArtifactResponse(res.body) };
}
