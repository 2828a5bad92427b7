import type { Norm } from './types.ts';

// Seed files (../shared/seeds); see its README for the index.
export const SEED_DIGID_V3 = '000_a54a1f16441819e0.txt';
export const SEED_DIGID_V28 = '001_3ca7eb2dfbed9de9.txt';
export const SEED_MACHTIGEN = '002_146872b5ecb136a8.txt';
export const SEED_MIJNOVERHEID = '003_dd9dc826ba309886.txt';

const HOUR = 3600;
const DAY = 86_400;

function norm(n: Norm): Norm {
  return Object.freeze({ ...n, citation: Object.freeze({ ...n.citation }) });
}

// ---------------------------------------------------------------------------------------------
// DigiD (SNO DigiD voor afnemers v3.0, 2021; the same figures in v2.8)
// ---------------------------------------------------------------------------------------------
export const DIGID_AUTHENTICATIONS_PER_MINUTE = norm({
  id: 'digid.authentications-per-minute',
  service: 'digid',
  title: 'DigiD processes at most 10,000 authentications per minute, shared by all afnemers',
  quantity: 'rate',
  limit: 10_000,
  unit: 'count',
  window: 'minute',
  bound: 'max',
  citation: {
    doc: SEED_DIGID_V3,
    section: 'Geldigheid SNO',
    quote: 'DigiD kan maximaal 10.000 authenticaties per minuut verwerken.',
    figure: '10.000',
  },
});

export const DIGID_PROCESSING_TIME = norm({
  id: 'digid.processing-time',
  service: 'digid',
  title: 'An authentication is processed in 4 s on average, for 99.5 % (of the minutes)',
  quantity: 'latency',
  limit: 4000,
  unit: 'ms',
  statistic: 'avg',
  attainment: 99.5,
  bound: 'max',
  citation: {
    doc: SEED_DIGID_V3,
    section: 'Performance DigiD',
    quote: 'Verwerking gemiddeld afgehandeld binnen 4 seconden | 99,5 %',
    figure: '4',
    figureScale: 1000,
  },
});

export const DIGID_AVAILABILITY = norm({
  id: 'digid.availability',
  service: 'digid',
  title: 'DigiD production availability per month, outside maintenance windows',
  quantity: 'availability',
  limit: 99.5,
  unit: 'percent',
  window: 'month',
  bound: 'min',
  citation: {
    doc: SEED_DIGID_V3,
    section: 'Beschikbaarheidsvenster',
    quote: '| Productieomgeving | 24 uur x 7 | 24 uur x 7 (minus onderhoudsvenster) | 99.5 % |',
    figure: '99.5',
  },
});

export const DIGID_MAINTENANCE_HOURS = norm({
  id: 'digid.maintenance-window',
  service: 'digid',
  title: 'Planned maintenance at most twice a month, at most 6 hours (00:00-06:00)',
  quantity: 'duration',
  limit: 6 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_DIGID_V3,
    section: 'Onderhoudsvenster',
    quote: 'Maximaal 2 keer per maand, gedurende maximaal 6 uur (0:00 uur.- 06:00 uur.)',
    figure: '6',
    figureScale: HOUR,
  },
});

export const DIGID_MAX_DATA_LOSS = norm({
  id: 'digid.max-data-loss',
  service: 'digid',
  title: 'DigiD loses at most 24 hours of data',
  quantity: 'duration',
  limit: 24 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_DIGID_V3,
    section: 'Continuïteit van DigiD',
    quote: 'Maximum periode gegevensverlies | 24 uur',
    figure: '24',
    figureScale: HOUR,
  },
});

// ---------------------------------------------------------------------------------------------
// DigiD Machtigen (SNO DigiD Machtigen v2.1, 2026)
// ---------------------------------------------------------------------------------------------
export const MACHTIGEN_TRANSACTIONS_PER_MINUTE = norm({
  id: 'machtigen.transactions-per-minute',
  service: 'digid-machtigen',
  title: 'DigiD Machtigen handles at most 1,000 transactions (exchanges) per minute',
  quantity: 'rate',
  limit: 1000,
  unit: 'count',
  window: 'minute',
  bound: 'max',
  citation: {
    doc: SEED_MACHTIGEN,
    section: 'Performance DigiD Machtigen',
    quote: 'Maximaal aantal transacties (exchanges) per minuut 1000',
    figure: '1000',
  },
});

export const MACHTIGEN_PROCESSING_TIME = norm({
  id: 'machtigen.processing-time',
  service: 'digid-machtigen',
  title: 'A Machtigen transaction is processed in under 4 s, for 99.5 %',
  quantity: 'latency',
  limit: 4000,
  unit: 'ms',
  statistic: 'avg',
  attainment: 99.5,
  bound: 'max',
  citation: {
    doc: SEED_MACHTIGEN,
    section: 'Performance DigiD Machtigen',
    quote: 'Verwerkingstijd van DigiD Machtigen < 4 seconden 99,50%',
    figure: '4',
    figureScale: 1000,
  },
});

export const MACHTIGEN_AVAILABILITY = norm({
  id: 'machtigen.availability',
  service: 'digid-machtigen',
  title: 'DigiD Machtigen production availability per month, outside maintenance windows',
  quantity: 'availability',
  limit: 99.5,
  unit: 'percent',
  window: 'month',
  bound: 'min',
  citation: {
    doc: SEED_MACHTIGEN,
    section: 'Beschikbaarheidsvenster',
    quote: 'Productieomgeving 24 x 7 24 x 7 (minus onderhoudsvenster) 99,5%',
    figure: '99,5',
  },
});

export const MACHTIGEN_MAX_DATA_LOSS = norm({
  id: 'machtigen.max-data-loss',
  service: 'digid-machtigen',
  title: 'DigiD Machtigen loses at most 26 hours of data',
  quantity: 'duration',
  limit: 26 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MACHTIGEN,
    section: 'Continuïteit van DigiD Machtigen',
    quote: 'Maximale periode gegevens verlies 26 uur',
    figure: '26',
    figureScale: HOUR,
  },
});

// ---------------------------------------------------------------------------------------------
// MijnOverheid / Berichtenbox (SNO MijnOverheid 2020), section 2.2.2 unless noted
// ---------------------------------------------------------------------------------------------
export const SUPPORTED_SUPPLIERS = norm({
  id: 'berichtenbox.suppliers',
  service: 'berichtenbox-intake',
  title: 'The Berichtenbox supports 400 message suppliers (afnemers) in total',
  quantity: 'count',
  limit: 400,
  unit: 'count',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Totaal aantal ondersteunde berichtleveranciers 400',
    figure: '400',
  },
});

export const MESSAGES_PER_DAY = norm({
  id: 'berichtenbox.messages-per-day',
  service: 'berichtenbox-intake',
  title: 'At most 2,500,000 letters processed per day (24 h), all afnemers together',
  quantity: 'rate',
  limit: 2_500_000,
  unit: 'count',
  window: 'day',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Aantal te verwerken berichten op 1 dag (24 uur) 2.500.000',
    figure: '2.500.000',
  },
});

export const MESSAGES_PER_HOUR = norm({
  id: 'berichtenbox.messages-per-hour',
  service: 'berichtenbox-intake',
  title: 'At most 150,000 letters delivered per hour',
  quantity: 'rate',
  limit: 150_000,
  unit: 'count',
  window: 'hour',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximaal aantal aangeleverde berichten per uur 150.000',
    figure: '150.000',
  },
});

export const MESSAGES_PARKED_PER_SECOND = norm({
  id: 'berichtenbox.parked-per-second',
  service: 'berichtenbox-intake',
  title: '45 letters per second are accepted and parked',
  quantity: 'rate',
  limit: 45,
  unit: 'count',
  window: 'second',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Aantal berichten dat per seconde aangenomen en geparkeerd kan worden 45',
    figure: '45',
  },
});

export const MAX_PROCESSING_TIME = norm({
  id: 'berichtenbox.max-processing-time',
  service: 'berichtenbox-intake',
  title: 'A letter is processed within 24 hours',
  quantity: 'duration',
  limit: 24 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.1.1 Beschikbaarheid venster MijnOverheid',
    quote: 'Maximale verwerkingstijd berichten: 24 uur',
    figure: '24',
    figureScale: HOUR,
  },
});

export const VERWERKINGSBERICHT_REOFFER = norm({
  id: 'berichtenbox.verwerkingsbericht-reoffer',
  service: 'berichtenbox-intake',
  title: 'Verwerkingsberichten can be offered again up to 6 days after the first sending',
  quantity: 'duration',
  limit: 6 * DAY,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.1.1 Beschikbaarheid venster MijnOverheid',
    quote:
      'Verwerkingsberichten kunnen uiterlijk 6 dagen na de eerste verzending opnieuw aangeboden worden aan Afnemer.',
    figure: '6',
    figureScale: DAY,
  },
});

export const REDELIVERY_WINDOW = norm({
  id: 'berichtenbox.afnemer-redelivery-window',
  service: 'berichtenbox-intake',
  title: 'The afnemer must be able to redeliver every letter of the last 24 hours',
  quantity: 'duration',
  limit: 24 * HOUR,
  unit: 's',
  bound: 'min',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Productie performance Afnemers',
    quote:
      'Afnemer dient alle berichten die aan de Berichtenbox zijn aangeboden over de laatste 24 uur nogmaals aan te kunnen leveren.',
    figure: '24',
    figureScale: HOUR,
  },
});

export const NOTIFICATIONS_PER_HOUR = norm({
  id: 'notificaties.per-hour',
  service: 'notificaties',
  title: 'At most 125,000 notifications per hour, in order of arrival',
  quantity: 'rate',
  limit: 125_000,
  unit: 'count',
  window: 'hour',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximaal aantal notificaties per uur 125.000',
    figure: '125.000',
  },
});

export const NOTIFICATIONS_PER_DAY = norm({
  id: 'notificaties.per-day',
  service: 'notificaties',
  title: 'At most 3,000,000 notifications per calendar day',
  quantity: 'rate',
  limit: 3_000_000,
  unit: 'count',
  window: 'day',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximaal aantal notificaties op een kalenderdag 3.000.000',
    figure: '3.000.000',
  },
});

export const PRESENTATION_P999 = norm({
  id: 'presentatie.p99.9',
  service: 'presentatie',
  title: 'The presentation REST interface answers 99.9 % of requests within 200 ms',
  quantity: 'latency',
  limit: 200,
  unit: 'ms',
  statistic: 99.9,
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote:
      'Maximaal toegestane response tijden van een bevraging voor 99,9% v/d requests (performance REST interface) 200 msec',
    figure: '200',
  },
});

export const SUBSCRIPTION_LEAD_TIME = norm({
  id: 'abonnementservice.lead-time',
  service: 'abonnementservice',
  title: 'A subscription request is answered within 4 hours',
  quantity: 'duration',
  limit: 4 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximale doorlooptijd abonnementsservice 4 uur',
    figure: '4',
    figureScale: HOUR,
  },
});

export const SUBSCRIPTION_NIGHT_ALLES = norm({
  id: 'abonnementservice.night-alles',
  service: 'abonnementservice',
  title: 'At most 225 "alles" requests per night (23:00-07:00)',
  quantity: 'rate',
  limit: 225,
  unit: 'count',
  window: 'night',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: '23:00 – 07:00 uur Abonnementservice alles 225',
    figure: '225',
  },
});

// The PDF table puts the BSN-lijst figure on the line above its label; the reading is in INTERFACES.md.
export const SUBSCRIPTION_NIGHT_BSN_LIJST = norm({
  id: 'abonnementservice.night-bsn-lijst',
  service: 'abonnementservice',
  title: 'At most 150 BSN-lijst requests per night (23:00-07:00)',
  quantity: 'rate',
  limit: 150,
  unit: 'count',
  window: 'night',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Abonnementservice alles 225 150 Abonnementservice BSN lijst',
    figure: '150',
  },
});

export const SUBSCRIPTION_NIGHT_MUTATIEBASIS = norm({
  id: 'abonnementservice.night-mutatiebasis',
  service: 'abonnementservice',
  title: 'At most 150 mutatiebasis requests per night (23:00-07:00)',
  quantity: 'rate',
  limit: 150,
  unit: 'count',
  window: 'night',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Abonnementservice mutatiebasis 150',
    figure: '150',
  },
});

export const VALIDATION_QUERIES_PER_HOUR = norm({
  id: 'validatieservice.queries-per-hour',
  service: 'validatieservice',
  title: 'At most 1,000 validation queries of 250 BSNs per hour, all afnemers together',
  quantity: 'rate',
  limit: 1000,
  unit: 'count',
  window: 'hour',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Aantal Berichtenbox Validatieservice bevragingen per uur van 250 BSN’s 1.000 (Totaal alle Afnemers)',
    figure: '1.000',
  },
});

export const VALIDATION_BSNS_PER_QUERY = norm({
  id: 'validatieservice.bsns-per-query',
  service: 'validatieservice',
  title: 'A validation query holds at most 250 BSNs',
  quantity: 'count',
  limit: 250,
  unit: 'count',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Aantal Berichtenbox Validatieservice bevragingen per uur van 250 BSN’s',
    figure: '250',
  },
});

export const VALIDATION_MAX_RESPONSE = norm({
  id: 'validatieservice.max-response',
  service: 'validatieservice',
  title: 'The Validatieservice answers within 30 seconds',
  quantity: 'latency',
  limit: 30_000,
  unit: 'ms',
  statistic: 100,
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximale responsetijd Berichtenbox Validatieservice in seconde 30',
    figure: '30',
    figureScale: 1000,
  },
});

export const BACKUP_RETENTION = norm({
  id: 'berichtopslag.backup-retention',
  service: 'berichtopslag',
  title: 'Backups are kept 7 days',
  quantity: 'duration',
  limit: 7 * DAY,
  unit: 's',
  bound: 'min',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Back-up retentie (aantal dagen) 7',
    figure: '7',
    figureScale: DAY,
  },
});

export const STORAGE_RPO = norm({
  id: 'berichtopslag.rpo',
  service: 'berichtopslag',
  title: 'Recovery point objective: no acknowledged letter is lost (0 minutes)',
  quantity: 'duration',
  limit: 0,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote:
      'RPO Recovery Point Objective (maximale tijdsduur dataverlies gerekend tot het moment van optreden calamiteit) 0 minuten',
    figure: '0',
    figureScale: 60,
  },
});

export const STORAGE_RTO = norm({
  id: 'berichtopslag.rto',
  service: 'berichtopslag',
  title: 'Recovery time objective: restore within 4 hours',
  quantity: 'duration',
  limit: 4 * HOUR,
  unit: 's',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'RTO Recovery Time Objective (maximale tijdsduur restore) 4 uur',
    figure: '4',
    figureScale: HOUR,
  },
});

export const MAX_SHARE_WITH_ATTACHMENT = norm({
  id: 'berichtopslag.share-with-attachment',
  service: 'berichtopslag',
  title: 'At most 95 % of letters carry an attachment',
  quantity: 'share',
  limit: 95,
  unit: 'percent',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximaal percentage berichten met bijlage 95%',
    figure: '95',
  },
});

// 500 kB is read as 500,000 bytes of decoded attachment (before base64); see README.
export const MAX_ATTACHMENT_BYTES = norm({
  id: 'berichtopslag.attachment-bytes',
  service: 'berichtopslag',
  title: 'All attachments of one letter together are at most 500 kB (500,000 bytes, before base64)',
  quantity: 'size',
  limit: 500_000,
  unit: 'bytes',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.2 Performance indicatoren',
    quote: 'Maximale grootte van totaal aantal bijlagen per bericht 500kb',
    figure: '500',
    figureScale: 1000,
  },
});

export const MIJNOVERHEID_AVAILABILITY = norm({
  id: 'mijnoverheid.availability',
  service: 'mijnoverheid',
  title: 'MijnOverheid and the Berichtenbox services are 99 % available per month',
  quantity: 'availability',
  limit: 99,
  unit: 'percent',
  window: 'month',
  bound: 'min',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.1.1 Beschikbaarheid venster MijnOverheid',
    quote: 'De uitval mag dan maximaal 7,3 uur per maand zijn bij 99%.',
    figure: '99',
  },
});

export const FORECAST_MAX_DEVIATION = norm({
  id: 'mijnoverheid.forecast-deviation',
  service: 'mijnoverheid',
  title: 'A monthly forecast may deviate at most 10 % from the actuals',
  quantity: 'share',
  limit: 10,
  unit: 'percent',
  bound: 'max',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.3 Prognose',
    quote: 'Per prognose is er een afwijking van maximaal 10% toegestaan.',
    figure: '10',
  },
});

export const FORECAST_HORIZON_QUARTERS = norm({
  id: 'mijnoverheid.forecast-horizon',
  service: 'mijnoverheid',
  title: 'The rolling forecast covers 6 quarters, per month',
  quantity: 'count',
  limit: 6,
  unit: 'count',
  bound: 'min',
  citation: {
    doc: SEED_MIJNOVERHEID,
    section: '2.2.3 Prognose',
    quote:
      'Er wordt een gezamenlijke Rolling Forecast vastgelegd in het Capaciteit dashboard, met een horizon van 6 kwartalen.',
    figure: '6',
  },
});

/** Every SNO norm, in document order. Interface rules are in interface-limits.ts. */
export const NORMS: readonly Norm[] = Object.freeze([
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  DIGID_PROCESSING_TIME,
  DIGID_AVAILABILITY,
  DIGID_MAINTENANCE_HOURS,
  DIGID_MAX_DATA_LOSS,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MACHTIGEN_PROCESSING_TIME,
  MACHTIGEN_AVAILABILITY,
  MACHTIGEN_MAX_DATA_LOSS,
  SUPPORTED_SUPPLIERS,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  MESSAGES_PARKED_PER_SECOND,
  MAX_PROCESSING_TIME,
  VERWERKINGSBERICHT_REOFFER,
  REDELIVERY_WINDOW,
  NOTIFICATIONS_PER_HOUR,
  NOTIFICATIONS_PER_DAY,
  PRESENTATION_P999,
  SUBSCRIPTION_LEAD_TIME,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  VALIDATION_QUERIES_PER_HOUR,
  VALIDATION_BSNS_PER_QUERY,
  VALIDATION_MAX_RESPONSE,
  BACKUP_RETENTION,
  STORAGE_RPO,
  STORAGE_RTO,
  MAX_SHARE_WITH_ATTACHMENT,
  MAX_ATTACHMENT_BYTES,
  MIJNOVERHEID_AVAILABILITY,
  FORECAST_MAX_DEVIATION,
  FORECAST_HORIZON_QUARTERS,
]);
