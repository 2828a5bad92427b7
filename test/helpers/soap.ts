import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { scanXml, type XmlElement } from '../../src/berichten/parse-xml.ts';
import { NS_SERVICE, NS_SHARED, NS_SOAP11, NS_TYPES, SOAP_ACTION } from '../../src/mock/validatieservice/soap.ts';

export interface EnvelopeOptions {
  readonly oin?: string | undefined;
  readonly type?: string | undefined;
  readonly keys: readonly string[];
  /** Rol per Klant (default 'Burger'); undefined entries leave the Rol out. */
  readonly rol?: string | ((i: number) => string | undefined);
  /** Klant elements in a Klanten wrapper (default) or directly under request. */
  readonly wrapper?: boolean;
  /** Prefix of the Types namespace; '' uses a default namespace declaration on request. */
  readonly typesPrefix?: string;
  /** Namespace of the request element (default the service namespace). */
  readonly requestNs?: string;
  /** Extra XML placed inside the request element. */
  readonly extra?: string;
}

/** A ValidateAbonnementen SOAP 1.1 envelope. */
export function validateEnvelope(o: EnvelopeOptions): string {
  const p = o.typesPrefix ?? 't';
  const q = (local: string): string => (p === '' ? local : `${p}:${local}`);
  const decl = p === '' ? `xmlns="${NS_TYPES}"` : `xmlns:${p}="${NS_TYPES}"`;
  const rolOf = (i: number): string | undefined => (typeof o.rol === 'function' ? o.rol(i) : (o.rol ?? 'Burger'));
  const klanten = o.keys
    .map((k, i) => {
      const rol = rolOf(i);
      return `<${q('Klant')}><${q('Key')}>${k}</${q('Key')}>${rol === undefined ? '' : `<${q('Rol')}>${rol}</${q('Rol')}>`}</${q('Klant')}>`;
    })
    .join('');
  const list = o.wrapper === false ? klanten : `<${q('Klanten')}>${klanten}</${q('Klanten')}>`;
  const requestNs = o.requestNs ?? NS_SERVICE;
  const requestTag = requestNs === NS_SERVICE ? 'svc:request' : 'rq:request';
  const requestDecl = requestNs === NS_SERVICE ? '' : ` xmlns:rq="${requestNs}"`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<soapenv:Envelope xmlns:soapenv="${NS_SOAP11}" xmlns:svc="${NS_SERVICE}">\n` +
    '  <soapenv:Header/>\n' +
    '  <soapenv:Body>\n' +
    `    <svc:ValidateAbonnementen><${requestTag}${requestDecl} ${decl}>` +
    (o.oin === undefined ? '' : `<${q('berichtleverancierCode')}>${o.oin}</${q('berichtleverancierCode')}>`) +
    (o.type === undefined ? '' : `<${q('berichtTypeCode')}>${o.type}</${q('berichtTypeCode')}>`) +
    list +
    (o.extra ?? '') +
    `</${requestTag}></svc:ValidateAbonnementen>\n` +
    '  </soapenv:Body>\n' +
    '</soapenv:Envelope>\n'
  );
}

export function postSoap(
  app: FastifyInstance,
  xml: string,
  opts: { action?: string | null; contentType?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'text/xml; charset=utf-8',
    ...opts.headers,
  };
  const action = opts.action === undefined ? `"${SOAP_ACTION}"` : opts.action;
  if (action !== null) headers['soapaction'] = action;
  return app.inject({ method: 'POST', url: '/validatieservice', headers, payload: xml });
}

function find(el: XmlElement, ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.ns === ns && e.local === local) out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(el);
  return out;
}

/** The answers of a ValidateAbonnementenResponse, matched on namespace + local name. */
export function soapAnswers(xml: string): { key: string; isBerichtSturen: boolean }[] {
  const root = scanXml(xml);
  const [resp] = find(root, NS_SERVICE, 'ValidateAbonnementenResponse');
  if (!resp) throw new Error(`no ValidateAbonnementenResponse in ${xml.slice(0, 400)}`);
  return find(resp, NS_TYPES, 'Klant').map((k) => {
    const key = find(k, NS_TYPES, 'Key')[0]?.text ?? '';
    const v = find(k, NS_TYPES, 'isBerichtSturen')[0]?.text;
    if (v !== 'true' && v !== 'false') throw new Error(`isBerichtSturen '${String(v)}' for ${key}`);
    return { key, isBerichtSturen: v === 'true' };
  });
}

export interface ParsedFault {
  faultcode: string;
  faultstring: string;
  detailKind: string;
  code: string;
  message: string;
  element: string | undefined;
  rule: string | undefined;
  retryAfter: string | undefined;
}

/** A SOAP 1.1 fault: faultcode, faultstring and the detail element (ApplicationFault / DependentServiceFault in the Shared namespace). */
export function soapFault(xml: string): ParsedFault {
  const root = scanXml(xml);
  const [f] = find(root, NS_SOAP11, 'Fault');
  if (!f) throw new Error(`no Fault in ${xml.slice(0, 400)}`);
  const child = (local: string): string | undefined => f.children.find((c) => c.ns === '' && c.local === local)?.text;
  const detail = f.children.find((c) => c.local === 'detail')?.children[0];
  if (!detail || detail.ns !== NS_SHARED) throw new Error(`fault detail not in ${NS_SHARED}: ${xml}`);
  const d = (local: string): string | undefined =>
    detail.children.find((c) => c.ns === NS_SHARED && c.local === local)?.text;
  return {
    faultcode: child('faultcode') ?? '',
    faultstring: child('faultstring') ?? '',
    detailKind: detail.local,
    code: d('Code') ?? '',
    message: d('Message') ?? '',
    element: d('Element'),
    rule: d('Rule'),
    retryAfter: d('RetryAfter'),
  };
}
