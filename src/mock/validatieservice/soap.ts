/**
 * SOAP 1.1 framing of ValidateAbonnementen (Digikoppeling WUS, document/literal wrapped, as a WCF
 * service named IBerichtenboxValidatieService exposes it). Elements are matched on namespace URI +
 * local name, never on prefix.
 *
 * Request (the nesting is our reading of the wrapped style; INTERFACES.md names only the fields):
 *
 *   soap:Envelope                      http://schemas.xmlsoap.org/soap/envelope/
 *     soap:Header                      optional, ignored
 *     soap:Body
 *       ValidateAbonnementen           NS_SERVICE (…/BerichtenboxValidatieService/2009/01)
 *         request                      NS_SERVICE (as WCF qualifies a wrapped parameter) or NS_TYPES
 *           berichtleverancierCode     NS_TYPES   the afnemer's OIN
 *           berichtTypeCode            NS_TYPES
 *           Klanten                    NS_TYPES   optional wrapper; Klant directly under request is accepted too
 *             Klant  (1–250)           NS_TYPES
 *               Key                    NS_TYPES   the BSN
 *               Rol                    NS_TYPES   fixed 'Burger'
 *
 * Response: soap:Body / ValidateAbonnementenResponse (NS_SERVICE) / ValidateAbonnementenResult
 * (NS_SERVICE) / Klanten / Klant (NS_TYPES) with Key and isBerichtSturen (true|false), in the order asked.
 *
 * Faults: SOAP 1.1 soap:Fault with faultcode, faultstring and a detail element `ApplicationFault`
 * (bad input) or `DependentServiceFault` (capacity) in NS_SHARED, holding Code, Message and, where
 * known, Element, Rule and RetryAfter (these children are our choice). HTTP status DEVIATES from
 * SOAP 1.1 (which answers every fault with 500): by the house rule "never a 500 for bad input" a
 * client fault is 400 (415 for a wrong Content-Type, 413 for a body over the limit) and a capacity
 * fault is 503 with Retry-After. Element order is not checked; unknown, repeated or misplaced
 * elements are faults.
 */
import { BerichtenParseError, UnsafeXmlError, scanXml, type XmlElement } from '../../berichten/index.ts';
import { escapeXmlText } from '../../xml/index.ts';
import type { Answer, RawKlant, RawQuery } from './query.ts';
import { CodedError, ERROR_CODES } from '../../errors/error-codes.ts';

export const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const NS_SERVICE = 'http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01';
export const NS_TYPES = 'http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/Types/2009/01';
export const NS_SHARED = 'http://schemas.rdw.nl/GEB/Shared/Types/2009/01';
export const OPERATION = 'ValidateAbonnementen';
export const SOAP_ACTION = `${NS_SERVICE}/IBerichtenboxValidatieService/${OPERATION}`;
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface SoapFault {
  /** HTTP status (see the module comment for the deviation from SOAP 1.1). */
  readonly status: number;
  readonly faultcode: 'Client' | 'Server' | 'VersionMismatch';
  readonly detailKind: 'ApplicationFault' | 'DependentServiceFault';
  readonly code: string;
  readonly message: string;
  readonly element?: string;
  readonly rule?: string;
  /** Seconds, for 503 (also sent as the Retry-After header). */
  readonly retryAfter?: number;
}

export function clientFault(
  code: string,
  message: string,
  where: { element?: string; rule?: string; status?: number } = {},
): SoapFault {
  return {
    status: where.status ?? 400,
    faultcode: 'Client',
    detailKind: 'ApplicationFault',
    code,
    message,
    ...(where.element !== undefined ? { element: where.element } : {}),
    ...(where.rule !== undefined ? { rule: where.rule } : {}),
  };
}

export function renderFault(f: SoapFault): string {
  const opt = (name: string, v: string | number | undefined): string =>
    v === undefined ? '' : `<${name}>${escapeXmlText(String(v))}</${name}>`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS_SOAP11}"><s:Body><s:Fault>` +
    `<faultcode>s:${f.faultcode}</faultcode><faultstring>${escapeXmlText(f.message)}</faultstring>` +
    `<detail><${f.detailKind} xmlns="${NS_SHARED}">${opt('Code', f.code)}${opt('Message', f.message)}${opt('Element', f.element)}${opt('Rule', f.rule)}${opt('RetryAfter', f.retryAfter)}</${f.detailKind}></detail>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}

export function renderResponse(a: Answer): string {
  const klanten = a.resultaten
    .map(
      (r) =>
        `<t:Klant><t:Key>${escapeXmlText(r.key)}</t:Key><t:isBerichtSturen>${r.isBerichtSturen}</t:isBerichtSturen></t:Klant>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS_SOAP11}"><s:Body>` +
    `<${OPERATION}Response xmlns="${NS_SERVICE}"><${OPERATION}Result xmlns:t="${NS_TYPES}"><t:Klanten>${klanten}</t:Klanten></${OPERATION}Result></${OPERATION}Response>` +
    '</s:Body></s:Envelope>'
  );
}

/** The SOAPAction header without the quotes SOAP 1.1 puts around it; undefined when absent. */
export function soapActionOf(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return undefined;
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

function describe(el: XmlElement): string {
  return el.ns === '' ? `<${el.qname}> (no namespace)` : `<${el.qname}> (namespace ${el.ns})`;
}

function hasText(el: XmlElement): boolean {
  return /[^ \t\r\n]/.test(el.text);
}

export type SoapParsed =
  | { readonly ok: true; readonly raw: RawQuery }
  | { readonly ok: false; readonly fault: SoapFault };

class Fault extends CodedError {
  readonly code = ERROR_CODES.SOAP_FAULT;
  constructor(readonly fault: SoapFault) {
    super(fault.message);
  }
}

function fault(code: string, message: string, element?: string, rule?: string): never {
  throw new Fault(
    clientFault(code, message, {
      ...(element !== undefined ? { element } : {}),
      ...(rule !== undefined ? { rule } : {}),
    }),
  );
}

function expectNs(el: XmlElement, path: string, ns: string): void {
  if (el.ns !== ns)
    fault('OnbekendElement', `${path}: element ${describe(el)} must be in namespace ${ns}`, path, `namespace ${ns}`);
}

function noText(el: XmlElement, path: string): void {
  if (hasText(el))
    fault('OnbekendElement', `${path}: text is not allowed here (only elements)`, path, 'element content only');
}

function leaf(el: XmlElement, path: string): string {
  const child = el.children[0];
  if (child)
    fault('OnbekendElement', `${path}: must contain text only, found element ${describe(child)}`, path, 'text only');
  return el.text;
}

function mapKlant(el: XmlElement, i: number): RawKlant {
  const path = `Klant[${i}]`;
  expectNs(el, path, NS_TYPES);
  noText(el, path);
  const f: Record<string, string> = {};
  for (const c of el.children) {
    const cPath = `${path}.${c.local}`;
    if (c.local !== 'Key' && c.local !== 'Rol')
      fault('OnbekendElement', `${path}: unknown element ${describe(c)}; a Klant holds Key and Rol`, cPath, 'Key, Rol');
    expectNs(c, cPath, NS_TYPES);
    if (Object.hasOwn(f, c.local)) fault('OnbekendElement', `${cPath}: element is repeated`, cPath, 'once');
    f[c.local] = leaf(c, cPath);
  }
  return { key: f['Key'], rol: f['Rol'] };
}

function mapRequest(req: XmlElement): RawQuery {
  const path = 'request';
  noText(req, path);
  const f: Record<string, string> = {};
  const klanten: RawKlant[] = [];
  let wrapper = false;
  for (const c of req.children) {
    switch (c.local) {
      case 'berichtleverancierCode':
      case 'berichtTypeCode':
        expectNs(c, c.local, NS_TYPES);
        if (Object.hasOwn(f, c.local)) fault('OnbekendElement', `${c.local}: element is repeated`, c.local, 'once');
        f[c.local] = leaf(c, c.local);
        break;
      case 'Klanten':
        expectNs(c, 'Klanten', NS_TYPES);
        if (wrapper) fault('OnbekendElement', 'Klanten: element is repeated', 'Klanten', 'once');
        wrapper = true;
        noText(c, 'Klanten');
        for (const k of c.children) {
          if (k.local !== 'Klant')
            fault(
              'OnbekendElement',
              `Klanten: unknown element ${describe(k)}; Klanten holds Klant elements`,
              `Klanten.${k.local}`,
              'Klant',
            );
          klanten.push(mapKlant(k, klanten.length));
        }
        break;
      case 'Klant':
        klanten.push(mapKlant(c, klanten.length));
        break;
      default:
        fault(
          'OnbekendElement',
          `${path}: unknown element ${describe(c)}; the request holds berichtleverancierCode, berichtTypeCode and Klant elements`,
          `${path}.${c.local}`,
          'berichtleverancierCode, berichtTypeCode, Klanten/Klant',
        );
    }
  }
  return { berichtleverancierCode: f['berichtleverancierCode'], berichtTypeCode: f['berichtTypeCode'], klanten };
}

function mapEnvelope(root: XmlElement, soapAction: string | undefined): RawQuery {
  if (root.local === 'Envelope' && root.ns === NS_SOAP12) {
    throw new Fault({
      status: 400,
      faultcode: 'VersionMismatch',
      detailKind: 'ApplicationFault',
      code: 'SoapVersieNietOndersteund',
      message: `this service speaks SOAP 1.1 (envelope namespace ${NS_SOAP11}, Content-Type text/xml), not SOAP 1.2`,
      element: 'Envelope',
      rule: 'SOAP 1.1',
    });
  }
  if (root.local !== 'Envelope' || root.ns !== NS_SOAP11)
    fault(
      'GeenSoapEnvelope',
      `the root element must be the SOAP 1.1 Envelope in namespace ${NS_SOAP11}, found ${describe(root)}`,
      'Envelope',
      'SOAP 1.1 Envelope',
    );
  noText(root, 'Envelope');
  let header = false;
  let body: XmlElement | undefined;
  for (const c of root.children) {
    if (c.ns === NS_SOAP11 && c.local === 'Header' && !header && !body) header = true;
    else if (c.ns === NS_SOAP11 && c.local === 'Body' && !body) body = c;
    else
      fault(
        'GeenSoapEnvelope',
        `Envelope: unexpected element ${describe(c)}; an Envelope holds an optional Header, then one Body`,
        `Envelope.${c.local}`,
        'Header?, Body',
      );
  }
  if (!body) return fault('GeenSoapEnvelope', 'Envelope: the Body element is missing', 'Body', 'required');
  noText(body, 'Body');
  // Like WCF, dispatch on the SOAPAction first.
  if (soapAction === undefined || soapAction === '') {
    fault(
      'SoapActionOntbreekt',
      `the SOAPAction header is required: send SOAPAction: "${SOAP_ACTION}"`,
      'SOAPAction',
      SOAP_ACTION,
    );
  } else if (soapAction !== SOAP_ACTION) {
    fault(
      'OnbekendeOperatie',
      `SOAPAction '${soapAction.slice(0, 200)}' is not an operation of this service; the only one is "${SOAP_ACTION}"`,
      'SOAPAction',
      SOAP_ACTION,
    );
  }
  const [op, extra] = body.children;
  if (!op)
    return fault(
      'OnbekendeOperatie',
      `Body is empty: it must hold ${OPERATION} in namespace ${NS_SERVICE}`,
      OPERATION,
      'required',
    );
  if (extra)
    fault(
      'OnbekendeOperatie',
      `Body holds more than one element (${describe(extra)}); send one ${OPERATION}`,
      `Body.${extra.local}`,
      'one operation',
    );
  if (op.local !== OPERATION || op.ns !== NS_SERVICE) {
    fault(
      'OnbekendeOperatie',
      `Body holds ${describe(op)}; this service's operation is ${OPERATION} in namespace ${NS_SERVICE}`,
      op.local,
      `${OPERATION} in ${NS_SERVICE}`,
    );
  }
  noText(op, OPERATION);
  const [req, more] = op.children;
  if (!req)
    return fault('VerplichtVeldOntbreekt', `${OPERATION}: the request element is missing`, 'request', 'required');
  if (req.local !== 'request' || (req.ns !== NS_SERVICE && req.ns !== NS_TYPES)) {
    fault(
      'OnbekendElement',
      `${OPERATION}: unexpected element ${describe(req)}; it holds one <request> in namespace ${NS_SERVICE}`,
      `${OPERATION}.${req.local}`,
      'request',
    );
  }
  if (more)
    fault(
      'OnbekendElement',
      `${OPERATION}: unexpected element ${describe(more)} after request`,
      `${OPERATION}.${more.local}`,
      'one request',
    );
  return mapRequest(req);
}

/** Parses a ValidateAbonnementen envelope; every problem is a client fault naming the element and rule. */
export function parseValidateEnvelope(xml: string, soapAction: string | undefined): SoapParsed {
  try {
    let root: XmlElement;
    try {
      root = scanXml(xml);
    } catch (err) {
      if (err instanceof UnsafeXmlError)
        return { ok: false, fault: clientFault('OnveiligeXml', err.message, { rule: 'no DOCTYPE or ENTITY' }) };
      if (err instanceof BerichtenParseError)
        return { ok: false, fault: clientFault('XmlNietWelgevormd', err.message, { rule: 'well-formed XML' }) };
      throw err;
    }
    return { ok: true, raw: mapEnvelope(root, soapAction) };
  } catch (err) {
    if (err instanceof Fault) return { ok: false, fault: err.fault };
    throw err;
  }
}
