import { SUBSCRIPTION_NIGHT } from '../norms/index.ts';
import type { ProfileService } from './forecast-types.ts';
import type { LoadShape } from './load-shape.ts';
import { HOURS_PER_DAY } from './horizon.ts';

// Relative weights, our reading of public descriptions (see the README): deliveries and validation
// queries in office hours, logins in the day with an evening peak after 20:00, weekends low, the
// income-tax filing season from 1 March (the first days strongest) with a sharper evening peak.

const OFFICE_HOURS = [
  0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1, 2, 3, 3, 3, 2.5, 3, 3, 3, 2.5, 1.5, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2,
];
const WORKING_WEEK = [1, 1, 1, 1, 1, 0.1, 0.05];

const DAY_WITH_EVENING_PEAK = [
  0.1, 0.05, 0.03, 0.03, 0.03, 0.08, 0.3, 0.7, 1, 1.1, 1.1, 1.1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.6, 1.5, 1, 0.4,
];
const TAX_FILING_EVENING = [
  0.1, 0.05, 0.03, 0.03, 0.03, 0.08, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1.1, 1.3, 1.8, 2.6, 2.4, 1.4, 0.5,
];
const CITIZENS_WEEK = [1, 1, 1, 1, 0.9, 0.6, 0.7];
const TAX_FILING_SEASON = [
  { from: '03-01', to: '03-03', factor: 2.5, hourly: TAX_FILING_EVENING },
  { from: '03-04', to: '04-30', factor: 1.3, hourly: TAX_FILING_EVENING },
];

/** Hours wholly inside the subscription night window get weight 1 (requests are planned for the night). */
function nightHours(): number[] {
  const h = (s: string): number => Number(s.slice(0, 2)) + Number(s.slice(3, 5)) / 60;
  const from = h(SUBSCRIPTION_NIGHT.from);
  const to = h(SUBSCRIPTION_NIGHT.to);
  return Array.from({ length: HOURS_PER_DAY }, (_, hour) => {
    const inside = from <= to ? hour >= from && hour + 1 <= to : hour >= from || hour + 1 <= to;
    return inside ? 1 : 0;
  });
}

const freeze = (s: LoadShape): LoadShape =>
  Object.freeze({
    ...s,
    hourly: Object.freeze([...s.hourly]),
    weekly: Object.freeze([...s.weekly]),
    periods: Object.freeze(s.periods.map((p) => Object.freeze({ ...p }))),
  });

/** The shipped profiles by name; users may refer to them in a profile file. */
export const DEFAULT_SHAPES: Readonly<Record<string, LoadShape>> = Object.freeze({
  'office-hours': freeze({
    id: 'office-hours',
    title: 'office hours on working days, weekends low',
    hourly: OFFICE_HOURS,
    weekly: WORKING_WEEK,
    periods: [],
  }),
  'citizens-evening-peak': freeze({
    id: 'citizens-evening-peak',
    title: 'citizens by day with an evening peak after 20:00, weekends lower, the tax-filing season from 1 March',
    hourly: DAY_WITH_EVENING_PEAK,
    weekly: CITIZENS_WEEK,
    periods: TAX_FILING_SEASON,
  }),
  'night-window': freeze({
    id: 'night-window',
    title: `the subscription night window ${SUBSCRIPTION_NIGHT.from}-${SUBSCRIPTION_NIGHT.to}, every day`,
    hourly: nightHours(),
    weekly: [1, 1, 1, 1, 1, 1, 1],
    periods: [],
  }),
});

/** The shipped profile each service uses unless the user assigns another. */
export const DEFAULT_SHAPE_OF: Readonly<Record<ProfileService, string>> = Object.freeze({
  messages: 'office-hours',
  validation: 'office-hours',
  digid: 'citizens-evening-peak',
  machtigen: 'citizens-evening-peak',
  subscriptions: 'night-window',
});
