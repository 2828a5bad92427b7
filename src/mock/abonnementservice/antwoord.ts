/**
 * The answers of the Abonnementservice mock, as JSON and as XML.
 *
 * The real answer's schema is not public (INTERFACES.md names only the request); the XML answer is our
 * choice, in the request's namespace with unqualified children, like the request:
 *
 *   <ab:AbonnementAntwoord xmlns:ab="http://schemas.overheid.nl/GEB/AbonnementServiceProcessor/2014/02">
 *     <BerichtLeverancier><OIN>…</OIN></BerichtLeverancier>
 *     <VerzoekId>…</VerzoekId>
 *     <VerzoekType>Alles | BSNLijst | MutatieBasis</VerzoekType>
 *     <DatumOntvangen>acceptance</DatumOntvangen>
 *     <DatumVerwerkt>answer ready</DatumVerwerkt>
 *     <Peilmoment>the instant the population was read (start of processing)</Peilmoment>
 *     <Aantal>number of BSN or Mutatie elements</Aantal>
 *     alles, bsn-lijst:  <BSNLijst><BSN>…</BSN>…</BSNLijst>  (bsn-lijst: also <AantalAangevraagd>)
 *     mutatiebasis:      <MutatieDatum>since</MutatieDatum>
 *                        <Mutaties><Mutatie><BSN>…</BSN><Status>actief|inactief</Status><MutatieDatum>…</MutatieDatum></Mutatie>…</Mutaties>
 *   </ab:AbonnementAntwoord>
 *
 * A request that is not answered yet (and the receipt, for a client that asks for XML) is an
 * `AbonnementVerzoekStatus` in the same namespace: VerzoekId, VerzoekType, Status (geaccepteerd |
 * in-behandeling), DatumOntvangen, StartVerwerking, VerwachtGereed, BinnenNorm.
 */
import { escapeXmlText } from '../../xml/index.ts';
import type { PreferenceMutation } from '../../population/index.ts';
import { NS_AANVRAAG } from './aanvraag.ts';
import type { Kind } from './config.ts';

export const XML_TYPE: Readonly<Record<Kind, string>> = {
  alles: 'Alles',
  'bsn-lijst': 'BSNLijst',
  mutatiebasis: 'MutatieBasis',
};

const iso = (t: number): string => new Date(t).toISOString();
/** Promised instants round up to the millisecond, so the promise is never early. */
export const isoCeil = (t: number): string => new Date(Math.ceil(t)).toISOString();

/** What is known of a request when it is accepted. */
export interface VerzoekInfo {
  readonly verzoekId: string;
  readonly kind: Kind;
  readonly oin: string;
  readonly acceptedAt: number;
  readonly startAt: number;
  readonly readyAt: number;
  readonly deferred: boolean;
  readonly withinNorm: boolean;
}

export interface Resultaat extends VerzoekInfo {
  /** alles, bsn-lijst: the BSNs that have an active box and want the afnemer's letters at `startAt`. */
  readonly bsns?: readonly string[];
  /** bsn-lijst: how many BSNs were asked (with duplicates). */
  readonly requested?: number;
  readonly sinds?: number;
  readonly mutaties?: readonly PreferenceMutation[];
}

export function statusJson(v: VerzoekInfo, status: 'accepted' | 'pending'): Record<string, unknown> {
  return {
    verzoekId: v.verzoekId,
    type: v.kind,
    status,
    oin: v.oin,
    acceptedAt: iso(v.acceptedAt),
    processingStartsAt: isoCeil(v.startAt),
    expectedReadyAt: isoCeil(v.readyAt),
    expectedLeadTimeMs: Math.ceil(v.readyAt - v.acceptedAt),
    withinNorm: v.withinNorm,
    deferred: v.deferred,
    statusUrl: `/abonnementservice/v1/verzoeken/${encodeURIComponent(v.verzoekId)}`,
  };
}

export function statusXml(v: VerzoekInfo, status: 'accepted' | 'pending'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<ab:AbonnementVerzoekStatus xmlns:ab="${NS_AANVRAAG}">` +
    `<VerzoekId>${escapeXmlText(v.verzoekId)}</VerzoekId><VerzoekType>${XML_TYPE[v.kind]}</VerzoekType>` +
    `<Status>${status === 'accepted' ? 'geaccepteerd' : 'in-behandeling'}</Status>` +
    `<DatumOntvangen>${iso(v.acceptedAt)}</DatumOntvangen><StartVerwerking>${isoCeil(v.startAt)}</StartVerwerking>` +
    `<VerwachtGereed>${isoCeil(v.readyAt)}</VerwachtGereed><BinnenNorm>${v.withinNorm}</BinnenNorm>` +
    '</ab:AbonnementVerzoekStatus>'
  );
}

const stateName = (active: boolean): 'actief' | 'inactief' => (active ? 'actief' : 'inactief');

export function resultJson(r: Resultaat): Record<string, unknown> {
  const head: Record<string, unknown> = {
    verzoekId: r.verzoekId,
    type: r.kind,
    status: 'ready',
    oin: r.oin,
    acceptedAt: iso(r.acceptedAt),
    processingStartedAt: isoCeil(r.startAt),
    readyAt: isoCeil(r.readyAt),
    leadTimeMs: Math.ceil(r.readyAt - r.acceptedAt),
    withinNorm: r.withinNorm,
    deferred: r.deferred,
    peilmoment: isoCeil(r.startAt),
  };
  if (r.mutaties) {
    return {
      ...head,
      sinds: iso(r.sinds ?? 0),
      count: r.mutaties.length,
      mutaties: r.mutaties.map((m) => ({ bsn: m.bsn, status: stateName(m.active), mutatieDatum: isoCeil(m.at) })),
    };
  }
  const bsns = r.bsns ?? [];
  return { ...head, ...(r.requested !== undefined ? { requested: r.requested } : {}), count: bsns.length, bsns };
}

export function resultXml(r: Resultaat): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ab:AbonnementAntwoord xmlns:ab="${NS_AANVRAAG}">`,
    `<BerichtLeverancier><OIN>${escapeXmlText(r.oin)}</OIN></BerichtLeverancier>`,
    `<VerzoekId>${escapeXmlText(r.verzoekId)}</VerzoekId><VerzoekType>${XML_TYPE[r.kind]}</VerzoekType>`,
    `<DatumOntvangen>${iso(r.acceptedAt)}</DatumOntvangen><DatumVerwerkt>${isoCeil(r.readyAt)}</DatumVerwerkt><Peilmoment>${isoCeil(r.startAt)}</Peilmoment>`,
  ];
  if (r.mutaties) {
    parts.push(`<Aantal>${r.mutaties.length}</Aantal><MutatieDatum>${iso(r.sinds ?? 0)}</MutatieDatum><Mutaties>`);
    for (const m of r.mutaties)
      parts.push(
        `<Mutatie><BSN>${m.bsn}</BSN><Status>${stateName(m.active)}</Status><MutatieDatum>${isoCeil(m.at)}</MutatieDatum></Mutatie>`,
      );
    parts.push('</Mutaties>');
  } else {
    const bsns = r.bsns ?? [];
    if (r.requested !== undefined) parts.push(`<AantalAangevraagd>${r.requested}</AantalAangevraagd>`);
    parts.push(`<Aantal>${bsns.length}</Aantal><BSNLijst>`);
    for (const b of bsns) parts.push(`<BSN>${b}</BSN>`);
    parts.push('</BSNLijst>');
  }
  parts.push('</ab:AbonnementAntwoord>');
  return parts.join('');
}
