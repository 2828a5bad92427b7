/**
 * The count series of a rolling forecast, each spread over the horizon on its own. Notifications
 * are the letters that will notify: they travel with their letters through intake and parking and
 * enter the notification queue when those letters are processed.
 */
export const SERIES = ['messages', 'notifications', 'digid', 'machtigen', 'validation', 'subsAlles', 'subsBsnLijst', 'subsMutatiebasis'] as const;
export type SeriesKey = (typeof SERIES)[number];

/** The services a load profile is given for (a user profile file assigns profiles per service). */
export const PROFILE_SERVICES = ['messages', 'digid', 'machtigen', 'validation', 'subscriptions'] as const;
export type ProfileService = (typeof PROFILE_SERVICES)[number];

/** Which profile spreads a series: notifications follow their letters, the three request kinds share one. */
export const PROFILE_OF: Readonly<Record<SeriesKey, ProfileService>> = Object.freeze({
  messages: 'messages', notifications: 'messages', digid: 'digid', machtigen: 'machtigen', validation: 'validation',
  subsAlles: 'subscriptions', subsBsnLijst: 'subscriptions', subsMutatiebasis: 'subscriptions',
});

export type SeriesCounts = Readonly<Record<SeriesKey, number>>;

/** One row of the forecast (or actuals) file: one afnemer in one month. */
export interface ForecastRow {
  /** Line in the file, for messages. */
  readonly line: number;
  /** 'YYYY-MM'. */
  readonly month: string;
  readonly oin: string;
  readonly naam: string;
  /** Percent (0-100) of the month's letters that carry an attachment. */
  readonly attachmentSharePct: number;
  readonly counts: SeriesCounts;
  /** Column (1-based) of each field, for messages that point at a value. */
  readonly columns: Readonly<Record<SeriesKey | 'month' | 'oin' | 'attachmentSharePct', number>>;
}

export interface Afnemer {
  readonly oin: string;
  readonly naam: string;
  /** The line of its first row. */
  readonly line: number;
}

export interface Forecast {
  readonly file: string;
  /** The months of the horizon, contiguous and ascending ('YYYY-MM'). */
  readonly months: readonly string[];
  readonly afnemers: readonly Afnemer[];
  readonly rows: readonly ForecastRow[];
}
