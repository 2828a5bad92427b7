import { z } from 'zod';
import { SpeedSchedule, validateSpeedSegments } from '../clock/index.ts';
import {
  BATCH_BYTES,
  MESSAGES_PER_DAY,
  MESSAGES_PER_HOUR,
  MESSAGES_PARKED_PER_SECOND,
  NOTIFICATIONS_PER_DAY,
  NOTIFICATIONS_PER_HOUR,
  BERICHTTYPE_CHARS,
  OIN_DIGITS,
} from '../norms/index.ts';
import { DEFAULT_AFNEMERS } from './afnemers.ts';
import { SIMULATED_SERVICES } from './service-routes.ts';
import {
  BSN_INDEX_COUNT,
  DEFAULT_MUTATION_CYCLE_DAYS,
  DEFAULT_MUTATION_RATE_PER_DAY,
  DEFAULT_POPULATION_SIZE,
  POPULATION_SCOPES,
} from '../population/index.ts';
import { digidConfigSchema } from './digid/config.ts';
import { machtigenConfigSchema } from './machtigen/config.ts';
import { validatieserviceConfigSchema } from './validatieservice/config.ts';
import { abonnementserviceConfigSchema } from './abonnementservice/config.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

const instant = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 instant or epoch ms, got '${String(v)}'` });
    return z.NEVER;
  }
  return t;
});

const interval = z
  .strictObject({ from: instant, to: instant })
  .refine((w) => w.to > w.from, { message: "'to' must be after 'from'", path: ['to'] });

/** Fault injection for one service, on the sim clock, seeded. */
const serviceFaultSchema = z.strictObject({
  /** Unplanned outages: 503 with Retry-After until the window ends (counts against availability). */
  outages: z.array(interval).default([]),
  /** Share of requests answered with `errorStatus` (seeded draw). */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
  /** Extra wall-clock latency added to every request inside a window. */
  latencySpikes: z
    .array(z.strictObject({ from: instant, to: instant, extraMs: z.number().min(0).max(120_000) }))
    .default([]),
});

const oin = z.string().regex(new RegExp(`^\\d{${OIN_DIGITS.max}}$`), `must be a ${OIN_DIGITS.max}-digit OIN`);

/**
 * Defaults of the `limits` section: protection of our own, not SNO figures. Request headers within
 * 10 s (a client slower than that is stalling; Node's own default is 60 s). As many connections as
 * the native engine may open (ENGINE_LIMITS.connections is this figure), so no shipped load is
 * refused by the bound; memory is bounded by inFlightBodyBytes, not by the count.
 */
export const LIMIT_DEFAULTS = Object.freeze({ headersTimeoutMs: 10_000, maxConnections: 10_000 });

export const mockConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8080),
  /** SQLite file; absent: a fresh temp file. */
  db: z.string().min(1).optional(),
  /** Seeds the population and every random draw, so two runs with the same seed decide the same. */
  seed: z.number().int().default(1),
  clock: z
    .strictObject({
      start: instant.optional(),
      speed: z.number().positive().max(1_000_000).default(1),
      /**
       * A speed schedule instead of one speed (issue 23): from each sim instant its speed, until the
       * next; the first holds before its instant too. Replaces `speed` when given.
       */
      schedule: z
        .array(z.strictObject({ from: instant, speed: z.number().positive().max(1_000_000) }))
        .min(1)
        .optional()
        .superRefine((segs, ctx) => {
          if (!segs) return;
          for (const issue of validateSpeedSegments(segs, '')) ctx.addIssue({ code: 'custom', message: issue });
        }),
      /**
       * The clock stands at `start` until the first request (a load generator's GET /status), so a
       * schedule's segments meet the load they were made for, not the mock's start-up before it.
       */
      holdUntilFirstRequest: z.boolean().default(false),
      /**
       * Wall ms the persisted clock runs ahead of the clock (the horizon): the clock never shows a time
       * past it, so a mock restarted after a crash resumes at most this × speed later than it stopped,
       * and never earlier than anything it answered. Saved twice per horizon.
       */
      horizonWallMs: z.number().int().min(100).max(60_000).default(2000),
    })
    .prefault({}),
  population: z
    .strictObject({
      /** Share of valid BSNs with an active Berichtenbox. */
      activeShare: z.number().min(0).max(1).default(0.9),
      /** Share of active boxes that want a given afnemer's letters. */
      subscribedShare: z.number().min(0).max(1).default(0.95),
      /** The enumerable sample (alles, mutatiebasis, test users, generators); with scope 'sample' also the only BSNs with a box. */
      size: z.number().int().positive().max(BSN_INDEX_COUNT).default(DEFAULT_POPULATION_SIZE),
      /** 'any-bsn': every valid BSN can have a box (by the shares); 'sample': only the `size` sample members. */
      scope: z
        .enum(POPULATION_SCOPES, { error: `population.scope must be one of ${POPULATION_SCOPES.join(', ')}` })
        .default('any-bsn'),
      /** An own population: a file of BSNs, optionally with per-afnemer flags (src/population/population-file.ts). */
      file: z.string().min(1).optional(),
      /** Share of (member, afnemer) pairs whose subscription toggles per day (mutatiebasis has something to report). */
      mutationRatePerDay: z.number().min(0).max(1).default(DEFAULT_MUTATION_RATE_PER_DAY),
      mutationCycleDays: z.number().positive().default(DEFAULT_MUTATION_CYCLE_DAYS),
    })
    .prefault({}),
  afnemers: z
    .array(
      z.strictObject({
        oin,
        naam: z.string().min(1),
        berichtTypes: z
          .array(
            z
              .string()
              .min(BERICHTTYPE_CHARS.min ?? 1)
              .max(BERICHTTYPE_CHARS.max),
          )
          .min(1),
      }),
    )
    .min(1)
    .default(() => DEFAULT_AFNEMERS.map((a) => ({ ...a, berichtTypes: [...a.berichtTypes] }))),
  /** Capacity, per the norms by default; override to ask "what if". Counts per window of sim time. */
  capacity: z
    .strictObject({
      messagesPerHour: z.number().int().positive().default(MESSAGES_PER_HOUR.limit),
      messagesPerDay: z.number().int().positive().default(MESSAGES_PER_DAY.limit),
      parkedPerSecond: z.number().positive().default(MESSAGES_PARKED_PER_SECOND.limit),
      notificationsPerHour: z.number().int().positive().default(NOTIFICATIONS_PER_HOUR.limit),
      notificationsPerDay: z.number().int().positive().default(NOTIFICATIONS_PER_DAY.limit),
    })
    .prefault({}),
  intake: z
    .strictObject({
      /** Sim ms from parking to processed (verwerkingsbericht ready). */
      processingDelayMs: z.number().min(0).default(2000),
      bodyLimitBytes: z.number().int().positive().max(BATCH_BYTES.max).default(BATCH_BYTES.max),
      /** Keep attachment bytes (for the presentation API); false keeps metadata only. */
      storeAttachmentContent: z.boolean().default(true),
      /** How far AanmaakDatum may lie in the future (clock skew), sim ms. */
      futureSkewMs: z
        .number()
        .min(0)
        .default(5 * 60_000),
    })
    .prefault({}),
  faults: z
    .strictObject({
      /** Share of letters answered TechnischProbleem (seeded draw per BerichtID and attempt). */
      technischProbleemRate: z.number().min(0).max(1).default(0),
      /** Per simulated service (digid, digid-machtigen, berichtenbox-intake, presentatie, validatieservice, abonnementservice). */
      services: z.partialRecord(z.enum(SIMULATED_SERVICES), serviceFaultSchema).default({}),
      /** Most TCP connections the mock holds at once; more are dropped (the DigiD March 2023 failure mode). */
      connectionLimit: z.number().int().positive().optional(),
    })
    .prefault({}),
  /**
   * What one client can make the mock hold (wall time, bytes, sockets): a stalled or oversized upload
   * must not exhaust the process. Measured: ten sockets that each declared 90 MB and stalled held
   * about 900 MB before these bounds (see README "Faults and hostile input").
   */
  limits: z
    .strictObject({
      /** Wall ms to receive a whole request, headers and body; a stalled upload is answered 408 and closed. */
      requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
      /** Wall ms to receive the request headers (a larger value than requestTimeoutMs counts as requestTimeoutMs). */
      headersTimeoutMs: z.number().int().min(100).max(3_600_000).default(LIMIT_DEFAULTS.headersTimeoutMs),
      /** Wall ms an idle keep-alive connection stays open. */
      keepAliveTimeoutMs: z.number().int().min(100).max(3_600_000).default(72_000),
      /**
       * Request body bytes all requests in flight may hold together (declared Content-Length, or bytes
       * received so far when chunked). Beyond it: 503 with Retry-After, the connection closed. At least
       * intake.bodyLimitBytes, so one largest batch always fits.
       */
      inFlightBodyBytes: z
        .number()
        .int()
        .positive()
        .default(128 * 1024 * 1024),
      /** Most TCP connections at once; more are closed on accept. faults.connectionLimit, when lower, wins. */
      maxConnections: z.number().int().positive().max(1_000_000).default(LIMIT_DEFAULTS.maxConnections),
      /** Retry-After (wall s) when the in-flight bound refuses a request. */
      retryAfterS: z.number().int().min(1).max(3600).default(1),
    })
    .prefault({}),
  /** The database's file system (SQLite): honest readiness on a full or failing disk. */
  storage: z
    .strictObject({
      /** /ready fails while the database's file system has less free space than this (bytes). */
      minFreeBytes: z
        .number()
        .int()
        .min(0)
        .default(32 * 1024 * 1024),
      /** Retry-After (wall s) when a write failed because the disk is full or failing. */
      retryAfterS: z.number().int().min(1).max(3600).default(5),
      /**
       * SQLite: write batches from a thread of their own, so a batch's commit does not hold up the
       * requests behind it (src/store/sqlite-delivery-thread.ts); false writes them on the event loop.
       */
      deliveryThread: z.boolean().default(true),
    })
    .prefault({}),
  maintenance: z
    .strictObject({
      /** Apply the SNO maintenance windows on the sim clock. */
      enabled: z.boolean().default(true),
      /** Per maintenance rule id (see src/norms/calendar-rules.ts): 'down' (503 until the window ends) or 'no-downtime'. */
      overrides: z.record(z.string(), z.enum(['down', 'no-downtime'])).default({}),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** HMAC key for session tokens; absent: random per start. */
      secret: z.string().min(16).optional(),
      /** Session lifetime in sim ms. */
      sessionTtlMs: z
        .number()
        .int()
        .positive()
        .default(15 * 60_000),
      /**
       * POST /dev/token (test tokens without DigiD). Absent: on when the mock listens on loopback only,
       * off when it listens on anything else (a shared environment must not hand out sessions).
       */
      devTokens: z.boolean().optional(),
      /** POST /digid/authenticate without a password (load scripts need not know it). Absent: as devTokens. */
      passwordlessLogin: z.boolean().optional(),
      /** Bearer credential of the operator view of the leveranciersportaal (every afnemer's rows). Absent: no operator view. */
      operatorToken: z.string().min(16).optional(),
      /**
       * Without TLS, trust X-Afnemer-OIN although the mock listens beyond loopback. Absent: the header
       * identifies an afnemer on loopback only; an exposed mock needs client certificates (tls).
       */
      trustOinHeader: z.boolean().optional(),
    })
    .prefault({}),
  /**
   * HTTPS with client certificates (Digikoppeling two-way TLS): PEM files of the server's key and
   * certificate and the CA that signs the afnemers' client certificates. An afnemer is then the OIN
   * in its certificate's subject serialNumber; X-Afnemer-OIN is never trusted. `bbsim pki init`
   * writes a test PKI.
   */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1), ca: z.string().min(1) }).optional(),
  digid: digidConfigSchema,
  machtigen: machtigenConfigSchema,
  validatieservice: validatieserviceConfigSchema,
  abonnementservice: abonnementserviceConfigSchema,
  /** Background worker period in wall ms (parking/processing/notification bookkeeping). */
  workerIntervalMs: z.number().int().min(5).max(60_000).default(100),
  logger: z.union([z.boolean(), z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])]).default(false),
});

export type MockConfigInput = z.input<typeof mockConfigSchema>;
export type MockConfig = Readonly<z.output<typeof mockConfigSchema>>;

export class ConfigError extends CodedError {
  readonly code = ERROR_CODES.MOCK_CONFIG_INVALID;
  constructor(readonly issues: readonly string[]) {
    super(`invalid mock config:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const loaded = new WeakSet<object>();
/** Which clock settings the input gave (not defaults): a later instance on a shared database adopts the rest. */
const clockGiven = new WeakMap<object, { readonly speed: boolean; readonly schedule: boolean }>();

/** Whether `clock.speed` and `clock.schedule` were given in the input, or are defaults. */
export function clockSettingsGiven(config: MockConfig): { readonly speed: boolean; readonly schedule: boolean } {
  return clockGiven.get(config) ?? { speed: true, schedule: config.clock.schedule !== undefined };
}

/** The clock's speed over sim time: the configured schedule, else the one speed. */
export function speedScheduleOf(clock: MockConfig['clock']): SpeedSchedule {
  return clock.schedule ? new SpeedSchedule(clock.schedule) : SpeedSchedule.constant(clock.speed);
}

/** true for a config that came out of loadMockConfig (validated and frozen). */
export function isLoadedMockConfig(c: MockConfig | MockConfigInput): c is MockConfig {
  return loaded.has(c);
}

/** Validates once and freezes; every error names its path and rule. */
export function loadMockConfig(input: MockConfigInput = {}): MockConfig {
  const parsed = mockConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const cfg = parsed.data;
  const seen = new Set<string>();
  for (const a of cfg.afnemers) {
    if (seen.has(a.oin)) throw new ConfigError([`afnemers: OIN ${a.oin} is listed twice`]);
    seen.add(a.oin);
  }
  const problems: string[] = [];
  if (cfg.limits.inFlightBodyBytes < cfg.intake.bodyLimitBytes) {
    problems.push(
      `limits.inFlightBodyBytes: must be at least intake.bodyLimitBytes (${cfg.intake.bodyLimitBytes}), so one largest batch fits, got ${cfg.limits.inFlightBodyBytes}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const frozen = deepFreeze(cfg);
  loaded.add(frozen);
  clockGiven.set(frozen, {
    speed: input.clock?.speed !== undefined,
    schedule: input.clock?.schedule !== undefined,
  });
  return frozen;
}
