import { z } from 'zod';
import {
  SUBSCRIPTION_BSNS,
  SUBSCRIPTION_NIGHT,
  SUBSCRIPTION_NIGHT_ALLES,
  SUBSCRIPTION_NIGHT_BSN_LIJST,
  SUBSCRIPTION_NIGHT_MUTATIEBASIS,
} from '../../norms/index.ts';
import { serviceTimeSchema } from '../capacity/service-time.ts';

/** The largest BSN list of one request (an interface limit, src/norms). */
export const SUBSCRIPTION_MAX_BSNS = SUBSCRIPTION_BSNS.max;

/** The three kinds of request, as the JSON interface names them. */
export const KINDS = ['alles', 'bsn-lijst', 'mutatiebasis'] as const;
export type Kind = (typeof KINDS)[number];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)');
const perNight = (limit: number) => z.number().int('must be a whole number').positive('must be > 0').default(limit);
const policy = z.enum(['queue', 'refuse']);

/**
 * Config of the Abonnementservice mock (`abonnementservice` section of the mock config). Every key has
 * a default; limits come from the SNO norms (src/norms). All durations are SIM milliseconds (the
 * service works on the sim clock: its lead time is hours, not a request latency).
 *
 * Window and quota policy (see README.md in this folder for the SNO text it rests on):
 *  - requests are processed in the night window (`night`, default 23:00-07:00), at most `perNight`
 *    of each kind per night (default 225 / 150 / 150);
 *  - `outsideWindow: 'queue'` (default) accepts a request that arrives outside the night and plans it
 *    at the start of the next night; 'refuse' answers 429 with Retry-After until the night opens;
 *  - `overQuota: 'queue'` (default) plans a request over this night's quota in the first later night
 *    with room (FIFO per kind); 'refuse' answers 429 with Retry-After until a night with room opens;
 *  - a queued request's lead time (acceptance → answer) may exceed the 4 h norm: the receipt, the
 *    status and GET …/stats say so (`withinNorm`, `overNorm`);
 *  - at most `maxQueuedNights` nights of backlog per kind; beyond that 429 (the queue is full).
 */
export const abonnementserviceConfigSchema = z
  .strictObject({
    /** The processing window; default the SNO night (SUBSCRIPTION_NIGHT). */
    night: z
      .strictObject({ from: hhmm.default(SUBSCRIPTION_NIGHT.from), to: hhmm.default(SUBSCRIPTION_NIGHT.to) })
      .refine((w) => w.from !== w.to, { message: "'from' and 'to' must differ", path: ['to'] })
      .prefault({}),
    /** Requests processed per night, per kind (norms SUBSCRIPTION_NIGHT_*). */
    perNight: z
      .strictObject({
        alles: perNight(SUBSCRIPTION_NIGHT_ALLES.limit),
        'bsn-lijst': perNight(SUBSCRIPTION_NIGHT_BSN_LIJST.limit),
        mutatiebasis: perNight(SUBSCRIPTION_NIGHT_MUTATIEBASIS.limit),
      })
      .prefault({}),
    /** A request that arrives outside the night: planned for the next night ('queue') or refused with 429 ('refuse'). */
    outsideWindow: policy.default('queue'),
    /** A request over the night's quota: planned for a later night ('queue') or refused with 429 ('refuse'). */
    overQuota: policy.default('queue'),
    /** Most nights of backlog per kind (queued requests ≤ this × perNight); beyond: 429. */
    maxQueuedNights: z.number().int().min(1).max(366).default(7),
    /**
     * Processing time of one request in SIM ms: a draw from `base` (seeded) plus `perBsnMs` for every BSN
     * handled (the list for bsn-lijst; every member scanned for alles and mutatiebasis). The default keeps
     * a million-BSN list (≈ 1 h) and a whole-population request well inside the 4 h norm.
     */
    processing: z
      .strictObject({
        base: serviceTimeSchema.default({ kind: 'lognormal', medianMs: 10 * MINUTE_MS, p99Ms: 45 * MINUTE_MS }),
        perBsnMs: z.number().min(0).max(DAY_MS).default(3.6),
      })
      .prefault({}),
    /** Most BSNs in one BSN list (INTERFACES.md: up to a million). */
    maxBsns: z.number().int().positive().max(SUBSCRIPTION_MAX_BSNS).default(SUBSCRIPTION_MAX_BSNS),
    /** Largest request body (a million BSN elements of XML is about 21 MB). */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(48 * 1024 * 1024),
    /** How long an answer stays available after it is ready (sim ms). */
    retentionMs: z
      .number()
      .int()
      .positive()
      .default(7 * DAY_MS),
    /** Most requests held in memory (pending + answered); answered ones are dropped oldest first. */
    maxRequests: z.number().int().positive().default(10_000),
    /** Most BSNs of BSN lists held in memory, all requests together (4 bytes each); answered ones are dropped oldest first. */
    maxStoredBsns: z.number().int().positive().default(20_000_000),
  })
  .prefault({});
