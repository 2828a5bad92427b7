/**
 * The count series of a rolling forecast, each spread over the horizon on its own. Notifications
 * are the letters that will notify: they travel with their letters through intake and parking and
 * enter the notification queue when those letters are processed.
 */
export const SERIES = [
  'messages',
  'notifications',
  'digid',
  'machtigen',
  'validation',
  'subsAlles',
  'subsBsnLijst',
  'subsMutatiebasis',
] as const;
export type SeriesKey = (typeof SERIES)[number];

/** The services a load profile is given for (a user profile file assigns profiles per service). */
export const PROFILE_SERVICES = ['messages', 'digid', 'machtigen', 'validation', 'subscriptions'] as const;
export type ProfileService = (typeof PROFILE_SERVICES)[number];

/** Which profile spreads a series: notifications follow their letters, the three request kinds share one. */
export const PROFILE_OF: Readonly<Record<SeriesKey, ProfileService>> = Object.freeze({
  messages: 'messages',
  notifications: 'messages',
  digid: 'digid',
  machtigen: 'machtigen',
  validation: 'validation',
  subsAlles: 'subscriptions',
  subsBsnLijst: 'subscriptions',
  subsMutatiebasis: 'subscriptions',
});

export type SeriesCounts = Readonly<Record<SeriesKey, number>>;

/**
 * A row's counts into `out` in SERIES order. Named reads rather than `counts[SERIES[i]]`: a keyed
 * read with eight different keys goes megamorphic, which over 72,000 rows × 8 cost ~40 ms.
 */
export function countsInSeriesOrder(c: SeriesCounts, out: Float64Array): void {
  out[0] = c.messages;
  out[1] = c.notifications;
  out[2] = c.digid;
  out[3] = c.machtigen;
  out[4] = c.validation;
  out[5] = c.subsAlles;
  out[6] = c.subsBsnLijst;
  out[7] = c.subsMutatiebasis;
}

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
  /** Character column (1-based) of each field of the row, in file order (see Forecast.fieldIndex). */
  readonly fieldColumns: readonly number[];
}

export type FieldKey = SeriesKey | 'month' | 'oin' | 'naam' | 'attachmentSharePct';

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
  /** Which field of a row holds each value (the header's order). */
  readonly fieldIndex: Readonly<Record<FieldKey, number>>;
}

/** The character column of a value in a row, for messages that point at it. */
export function columnOf(f: Forecast, row: ForecastRow, key: FieldKey): number {
  return row.fieldColumns[f.fieldIndex[key]] ?? 1;
}
