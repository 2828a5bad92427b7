/** The services whose norms bbsim checks. Names follow the SNO documents. */
export type Service =
  | 'digid'
  | 'digid-machtigen'
  | 'berichtenbox-intake'
  | 'notificaties'
  | 'presentatie'
  | 'validatieservice'
  | 'abonnementservice'
  | 'berichtopslag'
  | 'mijnoverheid';

/** What a norm measures; the verdict picks its comparison from this. */
export type Quantity =
  | 'rate' // events per window (limit is the count per window)
  | 'latency' // response or processing time (ms)
  | 'size' // bytes
  | 'count' // a plain number (suppliers, BSNs per query)
  | 'duration' // seconds (lead times, RPO/RTO, retention)
  | 'availability' // percent per month
  | 'share'; // percent of a population (letters with attachment, forecast deviation)

/** Calendar or rolling window a rate norm is counted in. */
export type Window = 'second' | 'minute' | 'hour' | 'day' | 'night' | 'month' | 'year';

export type Unit = 'count' | 'ms' | 's' | 'bytes' | 'percent';

/** Where a norm comes from: a file in ../shared (a seed or INTERFACES.md), its section, and a verbatim quote. */
export interface Citation {
  /** File name under ../shared/seeds, or 'INTERFACES.md' for interface rules. */
  readonly doc: string;
  readonly section: string;
  /** Verbatim text from the document (whitespace-normalised) that contains the figure. */
  readonly quote: string;
  /** The figure as the document writes it, e.g. '150.000' or '500kb'. */
  readonly figure: string;
  /** limit = number in figure × figureScale (e.g. 3600 for 'uur' to seconds). Default 1. */
  readonly figureScale?: number;
}

export interface Norm {
  readonly id: string;
  readonly service: Service;
  readonly title: string;
  readonly quantity: Quantity;
  /** The limit in `unit`; for rates the count per `window`. */
  readonly limit: number;
  readonly unit: Unit;
  /** 'max': measured must stay at or below limit; 'min': at or above. */
  readonly bound: 'max' | 'min';
  readonly window?: Window;
  /** For latency norms: the percentile (99.9) or 'avg'. */
  readonly statistic?: number | 'avg';
  /** For norms that must hold for a share of the time or requests, e.g. 99.5 (% of minutes). */
  readonly attainment?: number;
  readonly citation: Citation;
}

/** A rate in the norms' own units; `perSecond` is derived for the load generators. */
export interface Rate {
  readonly count: number;
  readonly window: 'second' | 'minute' | 'hour' | 'day';
  readonly perSecond: number;
}
