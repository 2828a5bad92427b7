/**
 * One shape for every service's capacity figures, produced by the capacity model and embedded as
 * `capacity` in each service's `/stats` (DigiD, Machtigen, Validatieservice) and, for the intake's
 * offered load, in `/status` as `intake.windows`. The verdict reads a capacity norm as the peak
 * offered in the window whose `normId` is that norm, whatever service it is: no JSON paths by
 * service, no positions.
 *
 * This file is the HTTP contract of those figures (the verdict imports its types, never the model).
 */

/** One admission window: the norm it keeps, its configured limit, the current use and the peak offered. */
export interface WindowStats {
  /** 'minute', 'hour', 'day', '300 s', 'night 23:00-07:00'. */
  readonly window: string;
  /** The window's length in sim seconds when fixed (minute 60, hour 3600, '300 s' 300); null for calendar days and nights (DST). */
  readonly seconds: number | null;
  /** The norm this window holds the load against (src/norms id); null for a window of our own. */
  readonly normId: string | null;
  /** The configured limit (the norm's figure unless a "what if" config says otherwise); null: counted, not limited. */
  readonly limit: number | null;
  /** Admitted in the current window instance. */
  readonly used: number;
  /** limit − used (null when not limited). */
  readonly remaining: number | null;
  /** The most units offered (admitted or refused) in one instance of this window so far. */
  readonly peakOffered: number;
  /** Sim start of the window instance with the most offered (null before any): the verdict says at which speed it was replayed. */
  readonly peakAt?: string | null;
}

/** Requests per reason they were refused for. */
export interface RefusedStats {
  /** Over a window limit (the norm kept): 503 with Retry-After. */
  readonly limit: number;
  /** Every worker busy and the queue full. */
  readonly saturated: number;
  /** Refused while shutting down. */
  readonly closed: number;
  readonly total: number;
}

/** The capacity figures of one service. */
export interface CapacityStats {
  readonly service: string;
  /** Sim now, ISO 8601. */
  readonly now: string;
  /** Requests admitted and served. */
  readonly admitted: number;
  readonly refused: RefusedStats;
  /** Wall latency of served requests (queue + service), ms. */
  readonly latency: { readonly meanMs: number; readonly maxMs: number };
  /** Per sim minute: the "average within N ms for P % of the minutes" reading, when the service has such a norm. */
  readonly minutes: {
    readonly count: number;
    readonly meanMs: number;
    readonly normMs: number | null;
    /** Share (0–100) of sim minutes whose mean latency is within normMs; null without a norm. */
    readonly withinNormPercent: number | null;
  };
  readonly windows: readonly WindowStats[];
  /** Workers and queue places in wall time (configured × clock speed) and their use now. */
  readonly server: {
    readonly concurrency: number;
    readonly maxQueue: number;
    readonly busy: number;
    readonly queued: number;
  };
}

const nonNegative = { type: 'number', minimum: 0 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

/** JSON schema of WindowStats (OpenAPI response schemas). */
export const WINDOW_STATS_SCHEMA = {
  type: 'object',
  required: ['window', 'seconds', 'normId', 'limit', 'used', 'remaining', 'peakOffered'],
  properties: {
    window: { type: 'string' },
    seconds: nullableNumber,
    normId: { type: ['string', 'null'] },
    limit: nullableNumber,
    used: count,
    remaining: nullableNumber,
    peakOffered: count,
    peakAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'sim start of the window instance with the most offered',
    },
  },
} as const;

/** JSON schema of CapacityStats (OpenAPI response schemas). */
export const CAPACITY_STATS_SCHEMA = {
  type: 'object',
  required: ['service', 'now', 'admitted', 'refused', 'latency', 'minutes', 'windows', 'server'],
  properties: {
    service: { type: 'string' },
    now: { type: 'string', format: 'date-time' },
    admitted: count,
    refused: {
      type: 'object',
      required: ['limit', 'saturated', 'closed', 'total'],
      properties: { limit: count, saturated: count, closed: count, total: count },
    },
    latency: { type: 'object', required: ['meanMs', 'maxMs'], properties: { meanMs: nonNegative, maxMs: nonNegative } },
    minutes: {
      type: 'object',
      required: ['count', 'meanMs', 'normMs', 'withinNormPercent'],
      properties: { count, meanMs: nonNegative, normMs: nullableNumber, withinNormPercent: nullableNumber },
    },
    windows: { type: 'array', items: WINDOW_STATS_SCHEMA },
    server: {
      type: 'object',
      required: ['concurrency', 'maxQueue', 'busy', 'queued'],
      properties: { concurrency: count, maxQueue: count, busy: count, queued: count },
    },
  },
} as const;

/**
 * The 200 response of a service's `GET …/stats` (DigiD, Machtigen, the Validatieservice): the service's
 * own figures beside the one capacity shape the verdict reads.
 */
export function serviceStatsResponse(summary: string, tag: string) {
  return {
    summary,
    tags: [tag],
    response: {
      200: {
        type: 'object',
        additionalProperties: true,
        required: ['service', 'capacity'],
        properties: { service: { type: 'string' }, capacity: CAPACITY_STATS_SCHEMA },
      },
    },
  } as const;
}
