import type { Citation, Service } from './types.ts';
import { SEED_DIGID_V3, SEED_MACHTIGEN, SEED_MIJNOVERHEID } from './catalogue.ts';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** "The nth <weekday> of the month from HH:MM to HH:MM", Europe/Amsterdam local time. */
export interface MonthlyWindowRule {
  readonly id: string;
  readonly service: Service;
  readonly title: string;
  readonly nth: 1 | 2 | 3 | 4;
  readonly weekday: IsoWeekday;
  readonly from: string; // 'HH:MM'
  readonly to: string; // 'HH:MM', same day
  /** false when the window is planned without downtime (Berichtenbox: "Geen downtime"). */
  readonly downtime: boolean;
  readonly citation: Citation;
}

/** A daily window that may cross midnight, e.g. 23:00-07:00. */
export interface DailyWindowRule {
  readonly id: string;
  readonly service: Service;
  readonly title: string;
  readonly from: string;
  readonly to: string;
  readonly citation: Citation;
}

const rule = <T extends MonthlyWindowRule | DailyWindowRule>(r: T): T => Object.freeze(r);

const DIGID_DAYS_QUOTE =
  'Logius handelt naar gepland onderhoudsmomenten op de tweede maandag en woensdag van de maand.';
const MACHTIGEN_DAYS_QUOTE =
  'Logius handelt naar gepland onderhoudsmomenten op de tweede woensdag en derde dinsdag van de maand.';

export const MAINTENANCE_WINDOWS: readonly MonthlyWindowRule[] = Object.freeze([
  rule({
    id: 'digid.maintenance.2nd-monday',
    service: 'digid',
    title: 'DigiD planned maintenance, 2nd Monday 00:00-06:00',
    nth: 2,
    weekday: 1,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: { doc: SEED_DIGID_V3, section: 'Onderhoudsvenster', quote: DIGID_DAYS_QUOTE, figure: 'tweede' },
  }),
  rule({
    id: 'digid.maintenance.2nd-wednesday',
    service: 'digid',
    title: 'DigiD planned maintenance, 2nd Wednesday 00:00-06:00',
    nth: 2,
    weekday: 3,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: { doc: SEED_DIGID_V3, section: 'Onderhoudsvenster', quote: DIGID_DAYS_QUOTE, figure: 'tweede' },
  }),
  rule({
    id: 'machtigen.maintenance.2nd-wednesday',
    service: 'digid-machtigen',
    title: 'DigiD Machtigen planned maintenance, 2nd Wednesday 00:00-06:00',
    nth: 2,
    weekday: 3,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: { doc: SEED_MACHTIGEN, section: 'Onderhoudsvenster', quote: MACHTIGEN_DAYS_QUOTE, figure: 'tweede' },
  }),
  rule({
    id: 'machtigen.maintenance.3rd-tuesday',
    service: 'digid-machtigen',
    title: 'DigiD Machtigen planned maintenance, 3rd Tuesday 00:00-06:00',
    nth: 3,
    weekday: 2,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: { doc: SEED_MACHTIGEN, section: 'Onderhoudsvenster', quote: MACHTIGEN_DAYS_QUOTE, figure: 'derde' },
  }),
  rule({
    id: 'mijnoverheid.maintenance.portaal-technisch',
    service: 'mijnoverheid',
    title: 'Portaal technical maintenance, 2nd Wednesday 00:00-06:00',
    nth: 2,
    weekday: 3,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.5 Onderhoudsvenster',
      quote:
        'Gepland technisch onderhoud Portaal 1 maal per maand. Iedere 2e woensdag van de maand van 00:00 tot 06:00',
      figure: '2e',
    },
  }),
  rule({
    id: 'mijnoverheid.maintenance.portaal-functioneel',
    service: 'mijnoverheid',
    title: 'Portaal functional maintenance, 4th Wednesday 00:00-06:00',
    nth: 4,
    weekday: 3,
    from: '00:00',
    to: '06:00',
    downtime: true,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.5 Onderhoudsvenster',
      quote:
        'Gepland functioneel onderhoud Portaal 1 maal per maand. Iedere 4e woensdag van de maand van 00:00 tot 06:00',
      figure: '4e',
    },
  }),
  rule({
    id: 'berichtenbox.maintenance',
    service: 'berichtenbox-intake',
    title: 'Berichtenbox maintenance, 2nd Tuesday 09:00-15:00, without downtime',
    nth: 2,
    weekday: 2,
    from: '09:00',
    to: '15:00',
    downtime: false,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.5 Onderhoudsvenster',
      quote: 'Iedere 2e dinsdag van de maand van 09:00 tot 15:00 Geen downtime',
      figure: '2e',
    },
  }),
]);

export const SUBSCRIPTION_NIGHT = rule<DailyWindowRule>({
  id: 'abonnementservice.night',
  service: 'abonnementservice',
  title: 'Subscription night window 23:00-07:00',
  from: '23:00',
  to: '07:00',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximaal aantal verzoeken abonnementsservice per nacht (8 uur) 23:00 – 07:00 uur',
    figure: '8',
  },
});
