import type { Citation } from './types.ts';
import { SEED_DIGID_V28 } from './catalogue.ts';

/**
 * An afnemer of DigiD must deliver a forecast twice a year when any of these holds
 * (SNO DigiD v2.8, Capaciteitsbeheer).
 */
export interface ForecastDuty {
  readonly id: string;
  readonly title: string;
  readonly threshold: number;
  readonly per: 'year' | 'month' | 'minute';
  readonly citation: Citation;
}

const duty = (d: ForecastDuty): ForecastDuty => Object.freeze(d);

export const DIGID_FORECAST_DUTIES: readonly ForecastDuty[] = Object.freeze([
  duty({
    id: 'digid.forecast-duty.year',
    title: 'more than 5,000,000 authentications a year',
    threshold: 5_000_000,
    per: 'year',
    citation: {
      doc: SEED_DIGID_V28,
      section: 'Capaciteitsbeheer',
      quote: 'Aantal authenticaties per jaar ligt boven de 5.000.000',
      figure: '5.000.000',
    },
  }),
  duty({
    id: 'digid.forecast-duty.month',
    title: 'more than 1,000,000 authentications in one month',
    threshold: 1_000_000,
    per: 'month',
    citation: {
      doc: SEED_DIGID_V28,
      section: 'Capaciteitsbeheer',
      quote: 'Aantal authenticaties in één maand ligt boven de 1.000.000',
      figure: '1.000.000',
    },
  }),
  duty({
    id: 'digid.forecast-duty.peak',
    title: 'a peak above 1,000 authentications a minute',
    threshold: 1000,
    per: 'minute',
    citation: {
      doc: SEED_DIGID_V28,
      section: 'Capaciteitsbeheer',
      quote: 'Piekbelasting, op enig moment in het jaar, ligt boven 1.000 authenticaties per minuut.',
      figure: '1.000',
    },
  }),
]);

export const DIGID_FORECASTS_PER_YEAR = 2;

export interface DigidUsage {
  readonly perYear: number;
  readonly maxPerMonth: number;
  readonly peakPerMinute: number;
}

/** Which duties an afnemer's DigiD usage triggers (empty: no forecast duty). */
export function digidForecastDuties(usage: DigidUsage): ForecastDuty[] {
  const measured = { year: usage.perYear, month: usage.maxPerMonth, minute: usage.peakPerMinute } as const;
  return DIGID_FORECAST_DUTIES.filter((d) => measured[d.per] > d.threshold);
}
