import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { BBSIM_VERSION } from '../version.ts';
import { HorizonClock, SimClock, SpeedSchedule, dayKey, type Clock } from '../clock/index.ts';
import { MESSAGES_PARKED_PER_SECOND, MESSAGES_PER_DAY, MESSAGES_PER_HOUR } from '../norms/index.ts';
import { createPopulation } from '../population/index.ts';
import { SqliteStore, openSqliteStore } from '../store/sqlite-store.ts';
import { isPostgresUrl } from '../store/postgres-url.ts';
import { storageFaultOf } from '../store/storage-fault.ts';
import type { Store } from '../store/store.ts';
import {
  isLoadedMockConfig,
  loadMockConfig,
  speedScheduleOf,
  clockSettingsGiven,
  type MockConfig,
  type MockConfigInput,
} from './config.ts';
import type { KnownAfnemer, MockContext } from './context.ts';
import { accessPolicy } from './access-policy.ts';
import { createMockMetrics } from './metrics.ts';
import { httpsServerOptions } from './tls.ts';
import { createNotificationPlanner } from './notification-planner.ts';
import { clientErrorProblem, frameworkProblem, installProblemHandlers, MAX_PARAM_LENGTH } from './problems.ts';
import { installInFlightBound } from './in-flight-bytes.ts';
import { installNumericGuard } from './numeric-guard.ts';
import { installJsonBodyParser } from './json-body.ts';
import { lazyValidators } from './lazy-validators.ts';
import { declareAnswers } from './openapi-document.ts';
import { BSN_FORMAT } from './openapi-schemas.ts';
import { StorageHealth } from './storage-health.ts';
import { installAvailability } from './availability.ts';
import { createSessionTokens } from './session-token.ts';
import { intakePlugin } from './plugins/intake.ts';
import { presentationPlugin } from './plugins/presentation.ts';
import { portaalPlugin } from './plugins/portaal.ts';
import { devTokenPlugin } from './plugins/dev-token.ts';
import { observabilityPlugin } from './plugins/observability.ts';
import { digidPlugin } from './digid/plugin.ts';
import { machtigenPlugin } from './machtigen/plugin.ts';
import { validatieservicePlugin } from './validatieservice/plugin.ts';
import { abonnementservicePlugin } from './abonnementservice/plugin.ts';
import { createServiceMetrics, windowCounting, type WindowLimit } from './capacity/index.ts';
import { PARKING_WINDOW_S } from './plugins/observability.ts';

/**
 * The windows ctx.intakeOffered counts letters offered in (admitted or not), each with the norm it
 * holds the load against; /status reports them as `intake.windows`. The 45/s parking norm is judged
 * over 5 sim minutes: one batch of 1,000 letters alone takes 22 s to park, so a shorter window would
 * judge batch granularity rather than the sustained load.
 */
const OFFERED_WINDOWS: readonly WindowLimit[] = [
  { window: 'minute', limit: Number.POSITIVE_INFINITY },
  { window: { seconds: PARKING_WINDOW_S }, limit: Number.POSITIVE_INFINITY, normId: MESSAGES_PARKED_PER_SECOND.id },
  { window: 'hour', limit: Number.POSITIVE_INFINITY, normId: MESSAGES_PER_HOUR.id },
  { window: 'day', limit: Number.POSITIVE_INFINITY, normId: MESSAGES_PER_DAY.id },
];

export interface MockDependencies {
  /** Default: a SimClock from the config's start and speed. Tests pass a ManualClock. */
  readonly clock?: Clock;
  /** Default: PostgreSQL when config.db is a postgres:// URL, else SQLite at config.db (a temp file when absent). */
  readonly store?: Store;
}

/**
 * The mock's accept queue, wherever it listens (`bbsim mock`, the runner's mock, its thread): Node's
 * default is 511, the kernel caps it at net.core.somaxconn (4,096 here). A peak opens a couple of
 * thousand keep-alive connections within a second, and overflowing the queue makes every
 * overflowing SYN wait 1, 3, 7 … s for its retry.
 */
export const MOCK_LISTEN_BACKLOG = 4096;

/**
 * Builds the mock as a Fastify app without listening (call `listen` yourself, or use `inject`).
 * The config is validated once here and frozen; closing the app stops the worker and closes the store.
 */
export async function buildMock(
  configInput: MockConfig | MockConfigInput = {},
  deps: MockDependencies = {},
): Promise<FastifyInstance> {
  const config = isLoadedMockConfig(configInput) ? configInput : loadMockConfig(configInput);
  // Read before anything opens: a missing key or certificate fails the start, naming the file.
  const https = config.tls !== undefined ? httpsServerOptions(config.tls) : undefined;
  const store: Store =
    deps.store ??
    (isPostgresUrl(config.db)
      ? // Loaded only for PostgreSQL: the driver is about 70 ms of every start-up otherwise.
        await (await import('../store/postgres-store.ts')).openPostgresStore({ url: config.db })
      : openSqliteStore({
          ...(config.db !== undefined ? { path: config.db } : {}),
          deliveryThread: config.storage.deliveryThread,
        }));
  const storage = new StorageHealth(store instanceof SqliteStore ? store.path : undefined, config.storage.minFreeBytes);
  // A database remembers its sim time: restarted on it, the clock continues (never runs backwards,
  // which would make parked letters wait and fresh AanmaakDatums look like the future). What it
  // remembers is the clock's horizon (see HorizonClock): the clock never shows a later time than the
  // one persisted, so after a SIGKILL it resumes no earlier than anything it answered.
  const resumed = deps.clock ? undefined : await store.lastSimTime();
  const configuredStart = config.clock.start ?? Date.now();
  const start = resumed !== undefined && resumed > configuredStart ? resumed : config.clock.start;
  // The horizon runs a fixed wall time ahead, along the speed schedule (sim ms differ per segment).
  const horizonWallMs = config.clock.horizonWallMs;
  let clock: Clock;
  let horizonClock: HorizonClock | undefined;
  let heldClock: SimClock | undefined;
  if (deps.clock) {
    clock = deps.clock;
  } else {
    let initial = start;
    let schedule = speedScheduleOf(config.clock);
    if (store.joinClock !== undefined) {
      // Several instances, one clock: join the service's running clock (anchored in the database,
      // with its speed schedule), or, when no instance keeps it running, start it from the saved
      // horizon (never earlier) with this instance's schedule.
      const wall = Date.now();
      const anchor = await store.joinClock(
        {
          sim: start ?? wall,
          wall,
          speed: schedule.segments[0]!.speed,
          ...(schedule.isConstant ? {} : { schedule: schedule.segments }),
        },
        Math.max(2 * config.clock.horizonWallMs, 5000),
      );
      const running = anchor.schedule ? new SpeedSchedule(anchor.schedule) : SpeedSchedule.constant(anchor.speed);
      const refused = clockMismatch(config, schedule, running);
      if (refused !== undefined) {
        await store.close();
        throw new Error(refused);
      }
      schedule = running;
      initial = running.simAfter(anchor.sim, Date.now() - anchor.wall);
    }
    const inner = new SimClock({
      schedule,
      held: config.clock.holdUntilFirstRequest,
      ...(initial !== undefined ? { start: initial } : {}),
    });
    heldClock = inner;
    // The first horizon is persisted before anything is answered; if that fails (a full disk) the
    // clock stands at its start until a save succeeds.
    const first = inner.now() + inner.toSimMs(horizonWallMs);
    let persisted = inner.now();
    try {
      await store.saveSimTime(first);
      persisted = first;
    } catch (err) {
      const fault = storageFaultOf(err);
      if (!fault) throw err;
      storage.failed(fault);
    }
    horizonClock = new HorizonClock(inner, persisted);
    clock = horizonClock;
  }
  const population = createPopulation({ seed: config.seed, ...config.population });
  const planNotification = createNotificationPlanner({
    perHour: config.capacity.notificationsPerHour,
    perDay: config.capacity.notificationsPerDay,
  });
  const afnemers = new Map<string, KnownAfnemer>(
    config.afnemers.map((a) => [a.oin, { oin: a.oin, naam: a.naam, berichtTypes: new Set(a.berichtTypes) }]),
  );

  // One processing pass at a time: overlapping passes would only contend for the same rows.
  let running: Promise<number> | undefined;
  const processDue = (): Promise<number> => {
    running ??= store.processDue(clock.now(), planNotification, dayKey).finally(() => {
      running = undefined;
    });
    return running;
  };

  const metrics = createMockMetrics();
  const ctx: MockContext = {
    config,
    access: accessPolicy(config),
    clock,
    store,
    population,
    afnemers,
    processDue,
    // Instances sharing a database accept each other's session tokens: one secret, kept in the database.
    tokens: createSessionTokens(
      config.auth.secret ??
        (store.windows !== undefined
          ? await store.keepOnce('auth.secret', () => randomBytes(32).toString('hex'))
          : undefined),
    ),
    metrics,
    storage,
    serviceMetrics: createServiceMetrics(metrics.registry),
    intakeOffered: windowCounting('intake-offered', OFFERED_WINDOWS, store.windows),
  };

  const options = {
    logger: config.logger === false ? false : { level: config.logger === true ? ('info' as const) : config.logger },
    bodyLimit: config.intake.bodyLimitBytes,
    // Stalled uploads: Node checks these every connectionsCheckingInterval (30 s by default, which
    // would let a stalled socket live up to twice the timeout).
    requestTimeout: config.limits.requestTimeoutMs,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkProblem,
    // Route schemas compiled on first use, not at start-up (lazy-validators.ts).
    schemaController: { compilersFactory: { buildValidator: lazyValidators() as never } },
    clientErrorHandler: clientErrorProblem,
    // The BSN format is its 9 digits here; the handlers check the elfproef and answer with its own code
    // (openapi-schemas.ts). `example` and `xml` annotate the document only.
    ajv: {
      customOptions: {
        coerceTypes: 'array' as const,
        removeAdditional: false,
        allErrors: false,
        formats: { [BSN_FORMAT]: /^\d{9}$/ },
        keywords: ['example', 'xml'],
      },
    },
  };
  const serverTimeouts = {
    headersTimeout: Math.min(config.limits.headersTimeoutMs, config.limits.requestTimeoutMs),
    requestTimeout: config.limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(
      1000,
      Math.ceil(Math.min(config.limits.headersTimeoutMs, config.limits.requestTimeoutMs) / 4),
    ),
  };
  // Node's own TLS (no proxy): the same app over https, with client certificates asked for (tls.ts);
  // the server's timeouts go to whichever server Node creates.
  const app = (https !== undefined
    ? Fastify({ ...options, https: { ...https, ...serverTimeouts } })
    : Fastify({ ...options, http: serverTimeouts })) as unknown as FastifyInstance;
  app.decorate('bbsim', ctx);
  // Only XML and JSON are spoken here; plain text would otherwise be accepted by default.
  app.removeContentTypeParser('text/plain');
  // JSON is UTF-8 only (RFC 8259), and a __proto__ key is refused by name (json-body.ts).
  installJsonBodyParser(app);
  installProblemHandlers(app);
  installInFlightBound(app, config.limits.inFlightBodyBytes, config.limits.retryAfterS, metrics.registry);
  installNumericGuard(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'bbsim mock: MijnOverheid Berichtenbox',
        version: BBSIM_VERSION,
        description: 'A load-testing mock of the Berichtenbox services with capacity derived from the SNO norms.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // Every operation's answers, declared in one place (openapi-document.ts).
    transformObject: declareAnswers(config) as never,
  });

  if (heldClock && config.clock.holdUntilFirstRequest) {
    const held = heldClock;
    app.addHook('onRequest', (_request, _reply, done) => {
      held.release();
      done();
    });
  }
  // Callback style (no promise per request): this runs on every response. The metric children per
  // route, method and status are made once (routes are patterns, so the set is small): prom-client
  // otherwise validates and hashes the label object on every call.
  const responseMetrics = new Map<
    string,
    { readonly requests: { inc(): void }; readonly latency: { observe(v: number): void } }
  >();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${route} ${request.method} ${reply.statusCode}`;
    let m = responseMetrics.get(key);
    if (!m) {
      m = {
        requests: ctx.metrics.requests.labels({ route, method: request.method, status: String(reply.statusCode) }),
        latency: ctx.metrics.latency.labels({ route }),
      };
      responseMetrics.set(key, m);
    }
    m.requests.inc();
    m.latency.observe(reply.elapsedTime / 1000);
    done();
  });

  installAvailability(app);
  app.server.maxConnections = Math.min(
    config.limits.maxConnections,
    config.faults.connectionLimit ?? Number.POSITIVE_INFINITY,
  );

  await app.register(intakePlugin);
  await app.register(presentationPlugin);
  await app.register(portaalPlugin);
  await app.register(devTokenPlugin);
  await app.register(digidPlugin);
  await app.register(machtigenPlugin);
  await app.register(validatieservicePlugin);
  await app.register(abonnementservicePlugin);
  await app.register(observabilityPlugin);

  const onStoreError =
    (what: string) =>
    (err: unknown): void => {
      const fault = storageFaultOf(err);
      if (fault) storage.failed(fault);
      else app.log.error({ err }, `${what} failed`);
    };
  const worker = setInterval(() => {
    processDue().then((n) => {
      if (n > 0) storage.wrote('batch');
    }, onStoreError('processing pass'));
  }, config.workerIntervalMs);
  worker.unref();
  // The clock's horizon is saved twice per horizon (one small commit with an fsync each: once a wall
  // second by default, the rate the plain clock save had), so it stays ahead unless the event loop
  // stalls for half of it; the exact time is saved on close.
  const saveClock = (): void => {
    const next = horizonClock ? horizonClock.nextHorizonWall(horizonWallMs) : clock.now();
    store.saveSimTime(next).then(() => {
      horizonClock?.extendTo(next);
      storage.wrote('small');
    }, onStoreError('saving the sim time'));
  };
  const clockSaver = setInterval(saveClock, Math.max(25, Math.floor(config.clock.horizonWallMs / 2)));
  clockSaver.unref();

  app.addHook('onClose', async () => {
    clearInterval(worker);
    clearInterval(clockSaver);
    await running?.catch(() => undefined);
    await store.saveSimTime(clock.now()).catch(() => undefined);
    await store.close();
  });
  return app;
}

/** How a schedule reads in a message: one speed, or its segments as --speed-schedule takes them. */
function describeSchedule(s: SpeedSchedule): string {
  return s.isConstant
    ? `speed ${s.segments[0]!.speed}`
    : `speed schedule ${s.segments.map((x) => `${new Date(x.from).toISOString()}=${x.speed}`).join(',')}`;
}

function sameSchedule(a: SpeedSchedule, b: SpeedSchedule): boolean {
  return (
    a.segments.length === b.segments.length &&
    a.segments.every((x, i) => x.speed === b.segments[i]!.speed && (a.isConstant || x.from === b.segments[i]!.from))
  );
}

/**
 * Why an instance cannot join the database's running clock: it was given (not defaulted to) a
 * different speed or schedule. One that was given neither adopts the running clock's.
 */
function clockMismatch(config: MockConfig, own: SpeedSchedule, running: SpeedSchedule): string | undefined {
  if (sameSchedule(own, running)) return undefined;
  const given = clockSettingsGiven(config);
  const field = given.schedule
    ? 'clock.schedule (--speed-schedule)'
    : given.speed
      ? 'clock.speed (--speed)'
      : undefined;
  if (field === undefined) return undefined;
  return `${field}: the database's sim clock runs at ${describeSchedule(running)}, this instance was given ${describeSchedule(own)}: instances sharing a database run one clock (give the same, or leave it out to adopt the running one)`;
}
