/**
 * The rows both stores read (the same tables and columns in both dialects) and their mapping to the
 * Store contract's views, so a column means the same whichever store answers.
 */
import type { OutcomeCounts } from './letter-outcomes.ts';
import type { DeliveryView, LetterSummary } from './store.ts';

/** A delivery with the id of its verwerkingsbericht (deliveries d LEFT JOIN verwerkingsberichten v). */
export interface DeliveryRow {
  id: number;
  batch_id: string;
  afnemer_oin: string;
  attempt: number;
  received_at: number;
  letters: number;
  counts: string;
  park_start: number;
  park_end: number;
  process_at: number;
  processed_at: number | null;
  vb_id: number | null;
}

/** A letter as the inbox lists it (SUMMARY_COLUMNS). */
export interface SummaryRow {
  bericht_id: string;
  /** How many attachments the letter has. */
  bijlagen: number;
  afnemer_oin: string;
  bericht_type: string;
  onderwerp: string;
  referentie: string | null;
  publicatie_datum: number | null;
  eind_datum: number | null;
  processed_at: number;
  read_at: number | null;
}

export const SUMMARY_COLUMNS =
  'bericht_id, afnemer_oin, bericht_type, onderwerp, referentie, publicatie_datum, eind_datum, processed_at, read_at, bijlagen';

/** A verwerkingsbericht with its delivery's batch (verwerkingsberichten v JOIN deliveries d). */
export interface VbRow {
  id: number;
  delivery_id: number;
  first_offered_at: number | null;
  attempt: number;
  batch_id: string;
  received_at: number;
  processed_at: number;
}

export function deliveryViewOf(r: DeliveryRow): DeliveryView {
  return {
    deliveryId: r.id,
    batchId: r.batch_id,
    afnemerOin: r.afnemer_oin,
    attempt: r.attempt,
    receivedAt: r.received_at,
    letters: r.letters,
    counts: JSON.parse(r.counts) as OutcomeCounts,
    parkStart: r.park_start,
    parkEnd: r.park_end,
    processAt: r.process_at,
    processedAt: r.processed_at ?? undefined,
    verwerkingsberichtId: r.vb_id ?? undefined,
  };
}

/** `bijlagen`: the letter's attachments, read by the store only when `r.bijlagen` is not 0. */
export function letterSummaryOf(r: SummaryRow, bijlagen: LetterSummary['bijlagen']): LetterSummary {
  return {
    berichtId: r.bericht_id,
    afnemerOin: r.afnemer_oin,
    berichtType: r.bericht_type,
    onderwerp: r.onderwerp,
    referentie: r.referentie ?? undefined,
    publicatieDatum: r.publicatie_datum ?? undefined,
    eindDatumHandelingsTermijn: r.eind_datum ?? undefined,
    processedAt: r.processed_at,
    readAt: r.read_at ?? undefined,
    bijlagen,
  };
}
