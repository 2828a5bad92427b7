/**
 * SAML 2.0 shapes of the DigiD mock: decoding an AuthnRequest from the HTTP-Redirect binding,
 * reading an ArtifactResolve SOAP message, and rendering Response / ArtifactResponse documents.
 *
 * XML is read with `scanXml` (src/berichten/parse-xml.ts): no DTDs, no entity expansion, namespaces
 * resolved, so elements are matched on namespace URI and local name, never on prefix. `scanXml` keeps
 * no attributes, so `attributesOf` re-reads an element's start tag (already checked well-formed).
 * Signatures: the Response and its Assertion are signed by the caller's `sign` (signing.ts,
 * xml-crypto); SP signatures are checked in the plugin when `digid.checkSignatures` is on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { BerichtenParseError, UnsafeXmlError, scanXml, type XmlElement } from '../../berichten/index.ts';
import { ProblemError } from '../../errors/catalogue.ts';
import { TextDecodingError, decodeXml } from '../../xml/index.ts';
import { CLASS_REF, levelOfClassRef, rank, type Level } from './levels.ts';

export const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const BINDING_ARTIFACT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact';
export const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const BINDING_SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';
/** Attribute of the Assertion's AttributeStatement carrying the bbsim session token (not a DigiD attribute). */
export const ATTR_SESSION_TOKEN = 'urn:bbsim:session-token';
export const ATTR_SESSION_EXPIRES = 'urn:bbsim:session-expires';
/** Sector code for a BSN in DigiD's NameID: `s00000000:<BSN>` (INTERFACES.md). */
export const BSN_SECTOR = 's00000000';

export const STATUSES = ['Success', 'AuthnFailed', 'NoAuthnContext', 'RequestDenied'] as const;
export type AuthnStatus = (typeof STATUSES)[number];

export const STATUS_URI = (s: AuthnStatus | 'Requester' | 'Responder'): string =>
  `urn:oasis:names:tc:SAML:2.0:status:${s}`;

/** SAML top-level code a second-level status sits under: the requester's fault or the responder's. */
const TOP_LEVEL: Readonly<Record<Exclude<AuthnStatus, 'Success'>, 'Requester' | 'Responder'>> = {
  AuthnFailed: 'Responder',
  NoAuthnContext: 'Responder',
  RequestDenied: 'Requester',
};

/** Most inflated bytes an AuthnRequest may have (a deflate bomb stops here). */
export const MAX_AUTHN_REQUEST_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|apos|quot|#x[0-9A-Fa-f]+|#[0-9]+);/g, (_m, ref: string) => {
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'apos':
        return "'";
      case 'quot':
        return '"';
      default:
        return String.fromCodePoint(ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    }
  });
}

/**
 * The attributes of `el` by qualified name, read from its start tag in `xml` (the document `el` was
 * scanned from, so the tag is known to be well-formed). Namespace declarations are left out.
 */
export function attributesOf(xml: string, el: XmlElement): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /\s*([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
  re.lastIndex = el.pos + 1 + el.qname.length;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const name = m[1] ?? '';
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    // Attribute values are normalised: literal tab/CR/LF become spaces (XML 1.0 §3.3.3).
    attrs.set(name, decodeEntities((m[2] ?? m[3] ?? '').replace(/[\t\r\n]/g, ' ')));
  }
  return attrs;
}

const childrenOf = (el: XmlElement, ns: string, local: string): XmlElement[] =>
  el.children.filter((c) => c.ns === ns && c.local === local);
const childOf = (el: XmlElement, ns: string, local: string): XmlElement | undefined =>
  el.children.find((c) => c.ns === ns && c.local === local);

function describe(el: XmlElement): string {
  return el.ns === '' ? `<${el.local}> (no namespace)` : `<${el.local}> in namespace ${el.ns}`;
}

/** An AuthnRequest as far as DigiD needs it. */
export interface AuthnRequestInfo {
  readonly id: string;
  /** AssertionConsumerServiceURL, when given (else `acsIndex` names a registered one). */
  readonly acsUrl: string | undefined;
  /** AssertionConsumerServiceIndex, when given instead of the URL. */
  readonly acsIndex: number | undefined;
  /** The afnemer's entity ID (saml:Issuer); the Audience of the assertion. */
  readonly issuer: string | undefined;
  /** The minimum level asked for (Basis when no RequestedAuthnContext). */
  readonly level: Level;
  /** Why DigiD refuses the request (→ RequestDenied), when it does. */
  readonly denied: string | undefined;
}

const ID_RE = /^[A-Za-z_][\w.-]{0,255}$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function badRequest(detail: string, rule: string): ProblemError {
  return new ProblemError('INVALID_REQUEST', `SAMLRequest: ${detail}`, {
    field: 'SAMLRequest',
    rule,
    serviceCode: 'RequestDenied',
  });
}

/**
 * Decodes the SAMLRequest of the HTTP-Redirect binding (base64 of the raw-DEFLATEd AuthnRequest;
 * the URL encoding is already undone) and reads it. Input that cannot be answered at all (not
 * base64, not DEFLATE, not XML, DTD markup, not an AuthnRequest, no ID or no usable
 * AssertionConsumerServiceURL to send the answer to) throws a 400 ProblemError; a request that can be
 * answered but is refused comes back with `denied` set.
 */
export function decodeAuthnRequest(samlRequest: string): AuthnRequestInfo {
  // A '+' that was not percent-encoded arrives as a space; line breaks are tolerated too.
  const b64 = samlRequest.replace(/ /g, '+').replace(/[\r\n\t]/g, '');
  if (b64 === '' || !BASE64_RE.test(b64) || b64.length % 4 === 1) {
    throw badRequest(
      'is not base64 (HTTP-Redirect binding: base64 of the raw-DEFLATEd AuthnRequest, then URL-encoded)',
      'base64',
    );
  }
  const compressed = Buffer.from(b64, 'base64');
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(compressed, { maxOutputLength: MAX_AUTHN_REQUEST_BYTES });
  } catch (err) {
    const tooBig = err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    if (tooBig)
      throw badRequest(
        `inflates to more than ${MAX_AUTHN_REQUEST_BYTES} bytes`,
        `at most ${MAX_AUTHN_REQUEST_BYTES} bytes`,
      );
    const zlibWrapped = compressed[0] === 0x78;
    throw badRequest(
      zlibWrapped
        ? 'looks zlib-wrapped (RFC 1950); the HTTP-Redirect binding uses raw DEFLATE (RFC 1951) without header and checksum'
        : 'is base64 but not raw DEFLATE (RFC 1951) data',
      'raw DEFLATE',
    );
  }
  let xml: string;
  try {
    xml = decodeXml(inflated).text; // as the AuthnRequest declares (src/xml): UTF-8 by default
  } catch (err) {
    if (err instanceof TextDecodingError)
      throw badRequest(
        `the inflated AuthnRequest: ${err.message}`,
        err.encoding === 'UTF-8' ? 'UTF-8' : `valid ${err.encoding}`,
      );
    throw err;
  }
  let root: XmlElement;
  try {
    root = scanXml(xml);
  } catch (err) {
    if (err instanceof UnsafeXmlError)
      throw new ProblemError('UNSAFE_XML', `SAMLRequest: ${err.message}`, {
        field: 'SAMLRequest',
        rule: 'no DOCTYPE or ENTITY',
        serviceCode: 'RequestDenied',
      });
    if (err instanceof BerichtenParseError)
      throw badRequest(`the AuthnRequest is not well-formed XML: ${err.message}`, 'well-formed XML');
    throw err;
  }
  if (root.ns !== NS_PROTOCOL || root.local !== 'AuthnRequest') {
    throw badRequest(
      `the root element must be <AuthnRequest> in namespace ${NS_PROTOCOL}, found ${describe(root)}`,
      'samlp:AuthnRequest',
    );
  }
  const attrs = attributesOf(xml, root);
  const id = attrs.get('ID');
  if (id === undefined || !ID_RE.test(id)) {
    throw badRequest(
      id === undefined
        ? 'the AuthnRequest has no ID attribute'
        : `the AuthnRequest ID '${id.slice(0, 64)}' is not an xs:ID (a letter or '_', then letters, digits, '_', '-', '.')`,
      'AuthnRequest/@ID',
    );
  }
  const acs = attrs.get('AssertionConsumerServiceURL');
  const indexText = attrs.get('AssertionConsumerServiceIndex');
  const acsIndex = indexText !== undefined && /^\d{1,5}$/.test(indexText) ? Number(indexText) : undefined;
  if (indexText !== undefined && acsIndex === undefined)
    throw badRequest(
      `AssertionConsumerServiceIndex '${indexText.slice(0, 40)}' is not an unsigned short`,
      'xs:unsignedShort',
    );
  if (acs === undefined && acsIndex === undefined) {
    throw badRequest(
      'the AuthnRequest has no AssertionConsumerServiceURL (or AssertionConsumerServiceIndex), so there is nowhere to send the answer',
      'AuthnRequest/@AssertionConsumerServiceURL',
    );
  }
  let acsUrl: URL | undefined;
  if (acs !== undefined) {
    try {
      acsUrl = new URL(acs);
    } catch {
      throw badRequest(
        `AssertionConsumerServiceURL '${acs.slice(0, 200)}' is not an absolute URL`,
        'absolute http(s) URL',
      );
    }
    if (acsUrl.protocol !== 'https:' && acsUrl.protocol !== 'http:') {
      throw badRequest(`AssertionConsumerServiceURL must be http(s), got '${acsUrl.protocol}'`, 'absolute http(s) URL');
    }
  }

  const issuerEl = childOf(root, NS_ASSERTION, 'Issuer');
  const issuer = issuerEl?.text.trim() || undefined;
  let denied: string | undefined;
  let level: Level = 'Basis';
  const version = attrs.get('Version');
  const binding = attrs.get('ProtocolBinding');
  const requested = childOf(root, NS_PROTOCOL, 'RequestedAuthnContext');
  if (version !== '2.0') denied = `Version must be '2.0', got '${version ?? '(none)'}'`;
  else if (!issuer) denied = "the AuthnRequest has no saml:Issuer (the afnemer's entity ID)";
  else if (binding !== undefined && binding !== BINDING_ARTIFACT)
    denied = `DigiD answers with the HTTP-Artifact binding only; ProtocolBinding '${binding}' is not supported`;
  else if (requested) {
    const comparison = attributesOf(xml, requested).get('Comparison') ?? 'exact';
    const refs = childrenOf(requested, NS_ASSERTION, 'AuthnContextClassRef').map((r) => r.text.trim());
    const levels = refs.map(levelOfClassRef);
    const unknown = refs.find((_r, i) => levels[i] === undefined);
    if (comparison !== 'minimum' && comparison !== 'exact')
      denied = `RequestedAuthnContext Comparison '${comparison}' is not supported (use 'minimum')`;
    else if (refs.length === 0) denied = 'RequestedAuthnContext holds no AuthnContextClassRef';
    else if (unknown !== undefined)
      denied = `unknown AuthnContextClassRef '${unknown.slice(0, 200)}' (known: ${Object.values(CLASS_REF).join(', ')})`;
    else level = (levels as Level[]).reduce((lo, l) => (rank(l) < rank(lo) ? l : lo));
  }
  return { id, acsUrl: acsUrl?.href, acsIndex, issuer, level, denied };
}

export interface ArtifactResolveInfo {
  /** SOAP envelope namespace of the request; the answer uses the same. */
  readonly soapNs: string;
  readonly id: string;
  readonly artifact: string;
  /** The SP's entity ID (required: the artifact is only returned to the SP it was issued for). */
  readonly issuer: string;
}

/** Reads a SOAP ArtifactResolve. Throws a 400 ProblemError for anything that is not one. */
export function parseArtifactResolve(xml: string): ArtifactResolveInfo {
  let root: XmlElement;
  try {
    root = scanXml(xml);
  } catch (err) {
    if (err instanceof UnsafeXmlError)
      throw new ProblemError('UNSAFE_XML', err.message, { rule: 'no DOCTYPE or ENTITY' });
    if (err instanceof BerichtenParseError)
      throw new ProblemError('MALFORMED_BODY', err.message, { rule: 'well-formed XML' });
    throw err;
  }
  const invalid = (detail: string, field: string): ProblemError =>
    new ProblemError('INVALID_REQUEST', detail, { field, rule: 'SOAP ArtifactResolve' });
  if ((root.ns !== NS_SOAP11 && root.ns !== NS_SOAP12) || root.local !== 'Envelope') {
    throw invalid(
      `the root element must be a SOAP <Envelope> (namespace ${NS_SOAP11}), found ${describe(root)}`,
      'Envelope',
    );
  }
  const body = childOf(root, root.ns, 'Body');
  if (!body) throw invalid('the SOAP Envelope has no Body', 'Envelope.Body');
  const resolve = body.children[0];
  if (!resolve || resolve.ns !== NS_PROTOCOL || resolve.local !== 'ArtifactResolve') {
    throw invalid(
      `the SOAP Body must hold <ArtifactResolve> in namespace ${NS_PROTOCOL}, found ${resolve ? describe(resolve) : 'nothing'}`,
      'Envelope.Body.ArtifactResolve',
    );
  }
  const id = attributesOf(xml, resolve).get('ID');
  if (id === undefined || !ID_RE.test(id))
    throw invalid('ArtifactResolve needs an ID attribute (an xs:ID)', 'ArtifactResolve/@ID');
  const artifact = childOf(resolve, NS_PROTOCOL, 'Artifact')?.text.trim();
  if (!artifact) throw invalid('ArtifactResolve has no samlp:Artifact', 'ArtifactResolve.Artifact');
  const issuer = childOf(resolve, NS_ASSERTION, 'Issuer')?.text.trim() || undefined;
  if (issuer === undefined) {
    throw invalid(
      'ArtifactResolve has no saml:Issuer: DigiD returns a message only to the service provider it was issued for (SAML Core 3.5.3)',
      'ArtifactResolve.Issuer',
    );
  }
  return { soapNs: root.ns, id, artifact, issuer };
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

const iso = (t: number): string => new Date(t).toISOString();

export function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/**
 * A SAML 2.0 type 0x0004 artifact: TypeCode 0x0004, EndpointIndex 0, SourceID = SHA-1 of the IdP's
 * entity ID, MessageHandle = 20 random bytes; base64 (44 bytes → 60 characters).
 */
export function newArtifact(entityId: string): string {
  const source = createHash('sha1').update(entityId).digest();
  return Buffer.concat([Buffer.from([0, 4, 0, 0]), source, randomBytes(20)]).toString('base64');
}

/** What a Response says; kept (small) until its artifact is resolved, rendered then. */
export interface Outcome {
  readonly status: AuthnStatus;
  readonly message: string;
  /** When DigiD decided, sim ms (IssueInstant, AuthnInstant). */
  readonly at: number;
  readonly inResponseTo?: string;
  readonly destination?: string;
  /** The afnemer (AuthnRequest Issuer): the Audience. */
  readonly audience?: string;
  readonly success?: {
    readonly bsn: string;
    readonly level: Level;
    readonly token: string;
    /** Session end, sim ms. */
    readonly sessionExpiresAt: number;
    /** Conditions/NotOnOrAfter, sim ms. */
    readonly notOnOrAfter: number;
  };
}

function statusXml(status: AuthnStatus, message: string): string {
  if (status === 'Success') return `<samlp:Status><samlp:StatusCode Value="${STATUS_URI('Success')}"/></samlp:Status>`;
  return (
    `<samlp:Status><samlp:StatusCode Value="${STATUS_URI(TOP_LEVEL[status])}"><samlp:StatusCode Value="${STATUS_URI(status)}"/></samlp:StatusCode>` +
    `<samlp:StatusMessage>${esc(message)}</samlp:StatusMessage></samlp:Status>`
  );
}

/** Signs the element `local` of a document (signing.ts); identity when nothing is signed. */
export type Signer = (xml: string, local: 'Assertion' | 'Response') => string;

/**
 * The samlp:Response (without XML declaration), namespaces declared on it, so it stays valid when
 * taken out of the ArtifactResponse. With `sign`: the Assertion is signed, then the Response (whose
 * signature covers the signed Assertion), each signature right after its Issuer.
 */
export function responseXml(o: Outcome, entityId: string, sign?: Signer): string {
  const attrs = [
    `xmlns:samlp="${NS_PROTOCOL}"`,
    `xmlns:saml="${NS_ASSERTION}"`,
    `ID="${newId()}"`,
    'Version="2.0"',
    `IssueInstant="${iso(o.at)}"`,
    ...(o.inResponseTo !== undefined ? [`InResponseTo="${esc(o.inResponseTo)}"`] : []),
    ...(o.destination !== undefined ? [`Destination="${esc(o.destination)}"`] : []),
  ].join(' ');
  let assertion = '';
  const s = o.success;
  if (s) {
    const inResponseTo = o.inResponseTo !== undefined ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
    const recipient = o.destination !== undefined ? ` Recipient="${esc(o.destination)}"` : '';
    assertion =
      `<saml:Assertion ID="${newId()}" Version="2.0" IssueInstant="${iso(o.at)}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID>${BSN_SECTOR}:${esc(s.bsn)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${iso(s.notOnOrAfter)}"${recipient}/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(o.at)}" NotOnOrAfter="${iso(s.notOnOrAfter)}">` +
      (o.audience !== undefined
        ? `<saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction>`
        : '') +
      '</saml:Conditions>' +
      `<saml:AuthnStatement AuthnInstant="${iso(o.at)}" SessionIndex="${newId()}" SessionNotOnOrAfter="${iso(s.sessionExpiresAt)}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>${CLASS_REF[s.level]}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      '<saml:AttributeStatement>' +
      `<saml:Attribute Name="${ATTR_SESSION_TOKEN}"><saml:AttributeValue>${esc(s.token)}</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="${ATTR_SESSION_EXPIRES}"><saml:AttributeValue>${iso(s.sessionExpiresAt)}</saml:AttributeValue></saml:Attribute>` +
      '</saml:AttributeStatement></saml:Assertion>';
  }
  const xml = `<samlp:Response ${attrs}><saml:Issuer>${esc(entityId)}</saml:Issuer>${statusXml(o.status, o.message)}${assertion}</samlp:Response>`;
  if (!sign) return xml;
  return sign(assertion === '' ? xml : sign(xml, 'Assertion'), 'Response');
}

/**
 * The SOAP envelope with the ArtifactResponse for an ArtifactResolve; `inner` is the resolved
 * samlp:Response, undefined for "no message" (SAML Core 3.5.3: an unknown, expired or already
 * resolved artifact, or one issued for another SP, is answered with status Success and no message).
 */
export function artifactResponseEnvelope(
  req: ArtifactResolveInfo,
  inner: string | undefined,
  entityId: string,
  now: number,
  status?: { status: AuthnStatus; message: string },
): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${req.soapNs}"><soap:Body>` +
    `<samlp:ArtifactResponse xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}" InResponseTo="${esc(req.id)}">` +
    `<saml:Issuer>${esc(entityId)}</saml:Issuer>${statusXml(status?.status ?? 'Success', status?.message ?? '')}${inner ?? ''}</samlp:ArtifactResponse>` +
    '</soap:Body></soap:Envelope>'
  );
}

/** IdP metadata listing the two endpoints (absolute URLs under `base`) and the signing certificate (base64 DER). */
export function metadataXml(
  entityId: string,
  base: string,
  signingCertificate: string,
  wantAuthnRequestsSigned: boolean,
): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(entityId)}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="${NS_PROTOCOL}" WantAuthnRequestsSigned="${wantAuthnRequestsSigned}">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${signingCertificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:ArtifactResolutionService Binding="${BINDING_SOAP}" Location="${esc(base)}/digid/saml/idp/resolve_artifact" index="0" isDefault="true"/>` +
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>' +
    `<md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${esc(base)}/digid/saml/idp/request_authentication"/>` +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}
