import { defineScenario, normsOf, type Scenario } from '../src/scenario/index.ts';
import {
  DIGID_AUTHENTICATIONS_PER_MINUTE,
  MACHTIGEN_TRANSACTIONS_PER_MINUTE,
  MESSAGES_PER_HOUR,
  NOTIFICATIONS_PER_HOUR,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
  VALIDATION_QUERIES_PER_HOUR,
  perHour,
  perMinute,
} from '../src/norms/index.ts';

/**
 * 1 March, the day the income-tax return opens (INTERFACES.md: about 400,000 returns a day, an
 * evening peak after 20:00), one whole sim day with every service at its norm:
 * - letters along the day's shape, the busiest hours at 147,000 an hour (2 % under the hourly norm,
 *   so whole batches of 1,000 never tip an hour over it), 2,450,000 in the day (under 2,500,000);
 * - so notifications are asked for at 147,000 an hour in those hours, over the 125,000 an hour the
 *   notification service sends: the excess is carried past the hour (the designed breach);
 * - DigiD along a day curve to 95 % of its 10,000 a minute at 20:00–21:00 (authentications and
 *   burgers logging in to read), Machtigen to 90 % of its 1,000 a minute beside it;
 * - burgers reading after login (presentatie p99.9, wall time);
 * - validation queries in office hours (08:00–18:00) at 95 % of 1,000 an hour;
 * - subscription requests in the night window (00:00–05:00) at 60 % of each night quota.
 * The clock is fitted to this load (clock.fit): quiet hours fast, the evening slow, so the wall
 * rate stays under what one k6 process sustains against the mock here and the day fits in minutes.
 */

/** Letters: share of the hourly peak per local hour (0 = 00:00–01:00); sums to 16.67 hours at the peak. */
const LETTERS = [
  0.1, 0.05, 0.05, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, 0.8, 0.7, 0.6, 0.45, 0.32,
];
/** DigiD: quiet night, steady office hours, the evening peak at 20:00 (a tax-filing evening). */
const DIGID = [
  0.03, 0.02, 0.01, 0.01, 0.01, 0.02, 0.04, 0.08, 0.12, 0.14, 0.14, 0.13, 0.12, 0.12, 0.13, 0.13, 0.12, 0.12, 0.15, 0.4,
  1, 0.7, 0.3, 0.08,
];
const OFFICE = Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 1 : 0));
const NIGHT = Array.from({ length: 24 }, (_, h) => (h < 5 ? 1 : 0));

/** Share of DigiD's authentications that are burgers logging in to read (the rest: afnemers' own logins). */
const READERS = 0.2;

export interface PeakDayOptions {
  /** Every rate × scale except the night's subscription requests (the test's shortened day: 1/400). */
  readonly scale?: number;
  readonly name?: string;
  readonly wallBudget?: `${number}m` | `${number}s`;
  /** Wall iterations per second the fitted schedule keeps to. */
  readonly maxWallRate?: number;
}

export function peakDay(opts: PeakDayOptions = {}): Scenario {
  const k = opts.scale ?? 1;
  const digidPeak = DIGID_AUTHENTICATIONS_PER_MINUTE.limit * 0.95 * k;
  const nightRequests =
    (SUBSCRIPTION_NIGHT_ALLES.limit + SUBSCRIPTION_NIGHT_BSN_LIJST.limit + SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit) * 0.6;
  return defineScenario({
    name: opts.name ?? 'peak-day',
    description:
      k === 1
        ? 'Tax-filing 1 March, a whole sim day: letters to 147,000/h, DigiD to 9,500/min at 20:00, reading, validation, subscriptions, on a fitted speed schedule'
        : `Tax-filing 1 March, the whole sim day at 1/${Math.round(1 / k)} of the load (subscriptions whole), on a fitted speed schedule`,
    clock: {
      start: '2027-03-01T00:00:00+01:00',
      fit: { maxWallRate: opts.maxWallRate ?? 5000, wallBudget: opts.wallBudget ?? '10m' },
    },
    flows: [
      { flow: 'deliver-batch' },
      {
        flow: 'fetch-verwerkingsberichten',
        load: { kind: 'day-curve', peak: perMinute(6 * k < 1 ? 1 : 6), hourly: LETTERS },
      },
      {
        flow: 'digid-authenticate',
        load: { kind: 'day-curve', peak: perMinute(digidPeak * (1 - READERS)), hourly: DIGID },
      },
      {
        flow: 'burger-reads',
        thinkTimeMs: 2000,
        load: { kind: 'day-curve', peak: perMinute(digidPeak * READERS), hourly: DIGID },
      },
      {
        flow: 'machtigen-check',
        load: { kind: 'day-curve', peak: perMinute(MACHTIGEN_TRANSACTIONS_PER_MINUTE.limit * 0.9 * k), hourly: DIGID },
      },
      {
        flow: 'validation-query',
        load: {
          kind: 'day-curve',
          peak: perHour(VALIDATION_QUERIES_PER_HOUR.limit * 0.95 * Math.max(k, 0.02)),
          hourly: OFFICE,
        },
      },
      { flow: 'subscription-request', load: { kind: 'day-curve', peak: perHour(nightRequests / 5), hourly: NIGHT } },
    ],
    // The letters: the scenario's own load (deliver-batch is the one flow without a load of its own).
    load: { kind: 'day-curve', peak: perHour(MESSAGES_PER_HOUR.limit * 0.98 * k), hourly: LETTERS },
    data: {
      batchSize: k === 1 ? 1000 : 100,
      subscriptionMix: {
        alles: SUBSCRIPTION_NIGHT_ALLES.limit,
        'bsn-lijst': SUBSCRIPTION_NIGHT_BSN_LIJST.limit,
        mutatiebasis: SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit,
      },
    },
    // Every norm of the services the day touches, and the notification service's, which the letters load.
    norms: normsOf([
      'berichtenbox-intake',
      'notificaties',
      'presentatie',
      'digid',
      'digid-machtigen',
      'validatieservice',
      'abonnementservice',
    ]),
    expectBreaches: k === 1 ? [NOTIFICATIONS_PER_HOUR.id] : [],
  });
}

/**
 * The shortened day `npm test` runs (test/peak-day.test.ts): the same day and schedule fitting at
 * 1/400 of the load (the subscriptions whole), in 40 s of wall time; every norm holds. At 1/400
 * the letters stay far under the notification norm, so the designed breach is the whole day's only.
 */
export function peakDayShort(): Scenario {
  return peakDay({ scale: 1 / 400, name: 'peak-day-short', wallBudget: '40s', maxWallRate: 300 });
}

export default peakDay();
