import { VALIDATION_BSNS_PER_QUERY } from '../norms/index.ts';
import type { SeriesKey } from './forecast-types.ts';

export interface ColumnSpec {
  readonly name: string;
  /** What the column holds and its rule, for --help, the README and error messages. */
  readonly doc: string;
  readonly series?: SeriesKey;
}

/**
 * The columns of a forecast or actuals file, in the documented order (any order is accepted; every
 * column is required, and an unknown column is an error, so nothing is silently ignored).
 */
export const FORECAST_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'month', doc: 'the calendar month, YYYY-MM (Europe/Amsterdam)' },
  { name: 'afnemer_oin', doc: "the afnemer's OIN, 20 digits" },
  { name: 'afnemer_naam', doc: "the afnemer's name (the same on every row of that OIN)" },
  {
    name: 'messages',
    doc: 'letters (berichten) delivered to the Berichtenbox that month, a whole number >= 0',
    series: 'messages',
  },
  { name: 'attachment_share_pct', doc: 'percent of those letters with an attachment, 0-100' },
  {
    name: 'notifications',
    doc: 'notifications (e-mails) for those letters, a whole number from 0 to messages',
    series: 'notifications',
  },
  {
    name: 'digid_authentications',
    doc: 'DigiD authentications for this afnemer, a whole number >= 0',
    series: 'digid',
  },
  { name: 'machtigen_transactions', doc: 'DigiD Machtigen transactions, a whole number >= 0', series: 'machtigen' },
  {
    name: 'validation_queries',
    doc: `Validatieservice queries (of up to ${VALIDATION_BSNS_PER_QUERY.limit} BSNs), a whole number >= 0`,
    series: 'validation',
  },
  { name: 'subscriptions_alles', doc: "Abonnementservice 'alles' requests, a whole number >= 0", series: 'subsAlles' },
  {
    name: 'subscriptions_bsn_lijst',
    doc: "Abonnementservice 'BSN-lijst' requests, a whole number >= 0",
    series: 'subsBsnLijst',
  },
  {
    name: 'subscriptions_mutatiebasis',
    doc: "Abonnementservice 'mutatiebasis' requests, a whole number >= 0",
    series: 'subsMutatiebasis',
  },
]);
