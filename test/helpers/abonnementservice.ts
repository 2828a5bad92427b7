import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { scanXml, type XmlElement } from '../../src/berichten/parse-xml.ts';
import { fromLocal } from '../../src/clock/index.ts';
import { NS_AANVRAAG } from '../../src/mock/abonnementservice/aanvraag.ts';
import { BELASTINGDIENST } from './mock.ts';

export { NS_AANVRAAG };
export const BASE = '/abonnementservice/v1';

/** 23:00 Amsterdam on a local date (the start of that night's window). */
export const nightOf = (year: number, month: number, day: number): number => fromLocal(year, month, day, 23, 0);

export interface AanvraagXmlOptions {
  readonly oin?: string;
  readonly verzoekId?: string;
  readonly bsns?: readonly string[];
  readonly mutatieDatum?: string;
  /** 'prefixed' (default): children unqualified, as the real document; 'default-ns': xmlns on the root, so the children are qualified too. */
  readonly style?: 'prefixed' | 'default-ns';
}

export function aanvraagXml(o: AanvraagXmlOptions = {}): string {
  const body =
    `<BerichtLeverancier><OIN>${o.oin ?? BELASTINGDIENST.oin}</OIN></BerichtLeverancier>` +
    (o.verzoekId !== undefined ? `<VerzoekId>${o.verzoekId}</VerzoekId>` : '') +
    (o.bsns ? `<BSNLijst>\n${o.bsns.map((b) => `  <BSN>${b}</BSN>\n`).join('')}</BSNLijst>` : '') +
    (o.mutatieDatum !== undefined ? `<MutatieDatum>${o.mutatieDatum}</MutatieDatum>` : '');
  return o.style === 'default-ns'
    ? `<?xml version="1.0" encoding="UTF-8"?><AbonnementAanvraag xmlns="${NS_AANVRAAG}">${body}</AbonnementAanvraag>`
    : `<?xml version="1.0" encoding="UTF-8"?>\n<abo:AbonnementAanvraag xmlns:abo="${NS_AANVRAAG}">${body}</abo:AbonnementAanvraag>`;
}

export function postXml(
  app: FastifyInstance,
  xml: string,
  oin: string = BELASTINGDIENST.oin,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `${BASE}/verzoeken`,
    headers: { 'content-type': 'application/xml', 'x-afnemer-oin': oin, ...headers },
    payload: xml,
  });
}

export function postJson(
  app: FastifyInstance,
  body: unknown,
  oin: string = BELASTINGDIENST.oin,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `${BASE}/verzoeken`,
    headers: { 'content-type': 'application/json', 'x-afnemer-oin': oin },
    payload: JSON.stringify(body),
  });
}

export interface Receipt {
  verzoekId: string;
  type: string;
  status: string;
  oin: string;
  acceptedAt: string;
  processingStartsAt: string;
  expectedReadyAt: string;
  expectedLeadTimeMs: number;
  withinNorm: boolean;
  deferred: boolean;
  statusUrl: string;
}

export interface Mutatie {
  bsn: string;
  status: 'actief' | 'inactief';
  mutatieDatum: string;
}

export interface Answer {
  verzoekId: string;
  type: string;
  status: 'ready';
  oin: string;
  acceptedAt: string;
  processingStartedAt: string;
  readyAt: string;
  leadTimeMs: number;
  withinNorm: boolean;
  deferred: boolean;
  peilmoment: string;
  count: number;
  requested?: number;
  bsns?: string[];
  sinds?: string;
  mutaties?: Mutatie[];
}

export type Format = 'json' | 'xml' | 'gzip-json' | 'gzip-xml';

export function getVerzoek(
  app: FastifyInstance,
  id: string,
  format: Format = 'json',
  oin: string = BELASTINGDIENST.oin,
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { 'x-afnemer-oin': oin };
  if (format.endsWith('xml')) headers['accept'] = 'application/xml';
  if (format.startsWith('gzip')) headers['accept-encoding'] = 'gzip, deflate';
  return app.inject({ method: 'GET', url: `${BASE}/verzoeken/${encodeURIComponent(id)}`, headers });
}

const child = (e: XmlElement, local: string): XmlElement | undefined =>
  e.children.find((c) => c.local === local && c.ns === '');
const text = (e: XmlElement, local: string): string => child(e, local)?.text ?? '';

/** Reads an AbonnementAntwoord into the JSON answer's shape (the fields both carry). */
export function antwoordFromXml(xml: string): {
  root: XmlElement;
  verzoekId: string;
  type: string;
  peilmoment: string;
  count: number;
  bsns?: string[];
  mutaties?: Mutatie[];
} {
  const root = scanXml(xml);
  if (root.local !== 'AbonnementAntwoord' || root.ns !== NS_AANVRAAG)
    throw new Error(`unexpected root ${root.ns} ${root.local}`);
  const types: Record<string, string> = { Alles: 'alles', BSNLijst: 'bsn-lijst', MutatieBasis: 'mutatiebasis' };
  const lijst = child(root, 'BSNLijst');
  const mutaties = child(root, 'Mutaties');
  return {
    root,
    verzoekId: text(root, 'VerzoekId'),
    type: types[text(root, 'VerzoekType')] ?? '?',
    peilmoment: text(root, 'Peilmoment'),
    count: Number(text(root, 'Aantal')),
    ...(lijst ? { bsns: lijst.children.map((c) => c.text) } : {}),
    ...(mutaties
      ? {
          mutaties: mutaties.children.map((m) => ({
            bsn: text(m, 'BSN'),
            status: text(m, 'Status') as Mutatie['status'],
            mutatieDatum: text(m, 'MutatieDatum'),
          })),
        }
      : {}),
  };
}

/** The answer of a ready request in any format, normalised to { type, peilmoment, count, bsns | mutaties }. */
export async function fetchAnswer(
  app: FastifyInstance,
  id: string,
  format: Format,
  oin: string = BELASTINGDIENST.oin,
): Promise<{
  type: string;
  peilmoment: string;
  count: number;
  bsns?: string[];
  mutaties?: Mutatie[];
  res: LightMyRequestResponse;
}> {
  const res = await getVerzoek(app, id, format, oin);
  if (res.statusCode !== 200) throw new Error(`GET ${id}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const gz = format.startsWith('gzip');
  if (gz !== (res.headers['content-encoding'] === 'gzip'))
    throw new Error(`content-encoding ${String(res.headers['content-encoding'])} for ${format}`);
  const body = gz ? gunzipSync(res.rawPayload).toString('utf8') : res.body;
  if (format.endsWith('xml')) {
    const a = antwoordFromXml(body);
    return {
      type: a.type,
      peilmoment: a.peilmoment,
      count: a.count,
      ...(a.bsns ? { bsns: a.bsns } : {}),
      ...(a.mutaties ? { mutaties: a.mutaties } : {}),
      res,
    };
  }
  const a = JSON.parse(body) as Answer;
  if (a.status !== 'ready') throw new Error(`not ready: ${body.slice(0, 300)}`);
  return {
    type: a.type,
    peilmoment: a.peilmoment,
    count: a.count,
    ...(a.bsns ? { bsns: a.bsns } : {}),
    ...(a.mutaties ? { mutaties: a.mutaties } : {}),
    res,
  };
}
