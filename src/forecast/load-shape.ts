/** A date range in every year ('MM-DD' to 'MM-DD', inclusive; may wrap over New Year) that scales the days in it. */
export interface Period {
  readonly from: string;
  readonly to: string;
  /** Multiplies the weekday weight of every day in the period (0 removes the days). */
  readonly factor: number;
  /** The day's shape over its 24 local hours in this period, instead of the profile's. */
  readonly hourly?: readonly number[];
}

/**
 * How a monthly total spreads over the month: each day weighs weekly[weekday] × the factor of the
 * period it falls in; a day's share spreads over its local hours by hourly weights; an hour's share
 * spreads evenly over its 60 minutes. Weights are relative (only their ratios matter).
 */
export interface LoadShape {
  /** Identifies the effective shape (groups of afnemers with the same shape are spread once). */
  readonly id: string;
  readonly title: string;
  /** 24 weights, hour 0 = 00:00-01:00 local. */
  readonly hourly: readonly number[];
  /** 7 weights, Monday first. */
  readonly weekly: readonly number[];
  readonly periods: readonly Period[];
}

export function inPeriod(p: Period, monthDay: string): boolean {
  return p.from <= p.to ? monthDay >= p.from && monthDay <= p.to : monthDay >= p.from || monthDay <= p.to;
}
