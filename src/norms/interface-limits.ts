import type { Citation } from './types.ts';

/** A limit of the real interface (not an SNO norm): field lengths, counts, sizes. */
export interface InterfaceLimit {
  readonly id: string;
  readonly title: string;
  readonly min?: number;
  readonly max: number;
  readonly unit: 'count' | 'chars' | 'bytes' | 'days' | 'digits';
  readonly citation: Citation;
}

const INTERFACES = 'INTERFACES.md';
const limit = (l: InterfaceLimit): InterfaceLimit => Object.freeze({ ...l, citation: Object.freeze(l.citation) });

export const BATCH_LETTERS = limit({
  id: 'intake.batch-letters',
  title: 'letters per batch',
  min: 1,
  max: 1000,
  unit: 'count',
  citation: { doc: INTERFACES, section: 'Berichtenbox intake', quote: '1–1000 × `Bericht`', figure: '1000' },
});
export const BATCH_BYTES = limit({
  id: 'intake.batch-bytes',
  title: 'size of a whole batch',
  max: 100 * 1024 * 1024,
  unit: 'bytes',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: 'A whole batch is at most 100 MB.',
    figure: '100',
    figureScale: 1024 * 1024,
  },
});
export const AANMAAKDATUM_MAX_AGE_DAYS = limit({
  id: 'intake.aanmaakdatum-age',
  title: 'AanmaakDatum at most this many days in the past',
  max: 13,
  unit: 'days',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: '`AanmaakDatum` (dateTime; at most 13 days in the past)',
    figure: '13',
  },
});
export const PUBLICATIEDATUM_MAX_AHEAD_DAYS = limit({
  id: 'intake.publicatiedatum-ahead',
  title: 'PublicatieDatum at most this many days after AanmaakDatum',
  max: 13,
  unit: 'days',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: '`PublicatieDatum` (optional; at most 13 days after AanmaakDatum)',
    figure: '13',
  },
});
export const BERICHTTYPE_CHARS = limit({
  id: 'intake.berichttype',
  title: 'BerichtType length',
  min: 1,
  max: 8,
  unit: 'chars',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: '`BerichtType` (1–8 characters, configured and active for the afnemer)',
    figure: '8',
  },
});
export const ONDERWERP_CHARS = limit({
  id: 'intake.onderwerp',
  title: 'Onderwerp length',
  min: 1,
  max: 50,
  unit: 'chars',
  citation: { doc: INTERFACES, section: 'Berichtenbox intake', quote: '`Onderwerp` (1–50)', figure: '50' },
});
export const BERICHTTEKST_CHARS = limit({
  id: 'intake.berichttekst',
  title: 'BerichtTekst length',
  max: 4000,
  unit: 'chars',
  citation: { doc: INTERFACES, section: 'Berichtenbox intake', quote: '`BerichtTekst` (≤ 4000', figure: '4000' },
});
export const REFERENTIE_CHARS = limit({
  id: 'intake.referentie',
  title: 'Referentie length',
  max: 25,
  unit: 'chars',
  citation: { doc: INTERFACES, section: 'Berichtenbox intake', quote: '`Referentie` (optional, ≤ 25', figure: '25' },
});
export const BIJLAGEN_PER_LETTER = limit({
  id: 'intake.bijlagen',
  title: 'attachments per letter',
  max: 2,
  unit: 'count',
  citation: { doc: INTERFACES, section: 'Berichtenbox intake', quote: 'At most 2 × `Bijlage` per letter', figure: '2' },
});
export const OMSCHRIJVING_CHARS = limit({
  id: 'intake.omschrijving',
  title: 'Bijlage Omschrijving length',
  max: 128,
  unit: 'chars',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: '`Omschrijving` of a Bijlage: at most 128 characters',
    figure: '128',
  },
});
export const LEVERANCIER_ID_CHARS = limit({
  id: 'intake.berichtleverancierid',
  title: 'BerichtLeverancierID length (the XSD; in practice a 20-digit OIN)',
  min: 1,
  max: 25,
  unit: 'chars',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: '`BerichtLeverancierID`: the real XSD allows 1–25 characters',
    figure: '25',
  },
});
export const OIN_DIGITS = limit({
  id: 'intake.oin',
  title: 'OIN digits',
  min: 20,
  max: 20,
  unit: 'digits',
  citation: {
    doc: INTERFACES,
    section: 'Berichtenbox intake',
    quote: "`BerichtLeverancierID` (the afnemer's OIN, 20 digits)",
    figure: '20',
  },
});
export const VALIDATION_KLANTEN = limit({
  id: 'validatieservice.klanten',
  title: 'Klant elements per ValidateAbonnementen query',
  min: 1,
  max: 250,
  unit: 'count',
  citation: { doc: INTERFACES, section: 'Validatieservice', quote: 'and 1–250 `Klant` elements', figure: '250' },
});

export const SUBSCRIPTION_BSNS = limit({
  id: 'abonnementservice.bsns',
  title: 'BSNs in one BSN-lijst request',
  min: 1,
  max: 1_000_000,
  unit: 'count',
  citation: {
    doc: INTERFACES,
    section: 'Abonnementservice',
    quote: 'a BSN list of up to a million',
    figure: 'million',
  },
});

export const INTERFACE_LIMITS: readonly InterfaceLimit[] = Object.freeze([
  BATCH_LETTERS,
  BATCH_BYTES,
  AANMAAKDATUM_MAX_AGE_DAYS,
  PUBLICATIEDATUM_MAX_AHEAD_DAYS,
  BERICHTTYPE_CHARS,
  ONDERWERP_CHARS,
  BERICHTTEKST_CHARS,
  REFERENTIE_CHARS,
  BIJLAGEN_PER_LETTER,
  OMSCHRIJVING_CHARS,
  LEVERANCIER_ID_CHARS,
  OIN_DIGITS,
  VALIDATION_KLANTEN,
  SUBSCRIPTION_BSNS,
]);
