import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { SimClock, dayKey, type Clock } from '../clock/index.ts';
import { createPopulation } from '../population/index.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { isLoadedMockConfig, loadMockConfig, type MockConfig, type MockConfigInput } from './config.ts';
import type { KnownAfnemer, MockContext } from './context.ts';
import { accessPolicy } from './access-policy.ts';
import { createMockMetrics } from './metrics.ts';
import { httpsServerOptions } from './tls.ts';
import { createNotificationPlanner } from './notification-planner.ts';
import { installProblemHandlers } from './problems.ts';
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
import { createServiceMetrics, WindowLimiter, type LimitWindow } from './capacity/index.ts';
import { PARKING_WINDOW_S } from './plugins/observability.ts';

/**
 * The windows ctx.intakeOffered counts in, in this order (read back by /status). The 45/s parking
 * norm is judged over 5 sim minutes: one batch of 1,000 letters alone takes 22 s to park, so a
 * shorter window would judge batch granularity rather than the sustained load.
 */
const OFFERED_WINDOWS: readonly LimitWindow[] = ['minute', { seconds: PARKING_WINDOW_S }, 'hour', 'day'];

export interface MockDependencies {
  /** Default: a SimClock from the config's start and speed. Tests pass a ManualClock. */
  readonly clock?: Clock;
  /** Default: SQLite at config.db (a temp file when absent). */
  readonly store?: Store;
}

/**
 * Builds the mock as a Fastify app without listening (call `listen` yourself, or use `inject`).
 * The config is validated once here and frozen; closing the app stops the worker and closes the store.
 */
export async function buildMock(configInput: MockConfig | MockConfigInput = {}, deps: MockDependencies = {}): Promise<FastifyInstance> {
  const config = isLoadedMockConfig(configInput) ? configInput : loadMockConfig(configInput);
  // Read before anything opens: a missing key or certificate fails the start, naming the file.
  const https = config.tls !== undefined ? httpsServerOptions(config.tls) : undefined;
  const store = deps.store ?? openSqliteStore(config.db !== undefined ? { path: config.db } : {});
  // A database remembers its sim time: restarted on it, the clock continues (never runs backwards,
  // which would make parked letters wait and fresh AanmaakDatums look like the future).
  const resumed = deps.clock ? undefined : await store.lastSimTime();
  const configuredStart = config.clock.start ?? Date.now();
  const start = resumed !== undefined && resumed > configuredStart ? resumed : config.clock.start;
  const clock = deps.clock ?? new SimClock({ speed: config.clock.speed, ...(start !== undefined ? { start } : {}) });
  const population = createPopulation({ seed: config.seed, ...config.population });
  const planNotification = createNotificationPlanner({ perHour: config.capacity.notificationsPerHour, perDay: config.capacity.notificationsPerDay });
  const afnemers = new Map<string, KnownAfnemer>(config.afnemers.map((a) => [a.oin, { oin: a.oin, naam: a.naam, berichtTypes: new Set(a.berichtTypes) }]));

  // One processing pass at a time: overlapping passes would only contend for the same rows.
  let running: Promise<number> | undefined;
  const processDue = (): Promise<number> => {
    running ??= store.processDue(clock.now(), planNotification, dayKey).finally(() => { running = undefined; });
    return running;
  };

  const metrics = createMockMetrics();
  const ctx: MockContext = {
    config, access: accessPolicy(config), clock, store, population, afnemers, processDue,
    tokens: createSessionTokens(config.auth.secret),
    metrics,
    serviceMetrics: createServiceMetrics(metrics.registry),
    intakeOffered: new WindowLimiter(OFFERED_WINDOWS.map((window) => ({ window, limit: Number.POSITIVE_INFINITY }))),
  };

  const options = {
    logger: config.logger === false ? false : { level: config.logger === true ? 'info' as const : config.logger },
    bodyLimit: config.intake.bodyLimitBytes,
    ajv: { customOptions: { coerceTypes: 'array' as const, removeAdditional: false, allErrors: false } },
  };
  // Node's own TLS (no proxy): the same app over https, with client certificates asked for (tls.ts).
  const app = (https !== undefined ? Fastify({ ...options, https }) : Fastify(options)) as unknown as FastifyInstance;
  app.decorate('bbsim', ctx);
  // Only XML and JSON are spoken here; plain text would otherwise be accepted by default.
  app.removeContentTypeParser('text/plain');
  installProblemHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'bbsim mock: MijnOverheid Berichtenbox', version: '0.1.0', description: 'A load-testing mock of the Berichtenbox services with capacity derived from the SNO norms.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // Callback style (no promise per request): this runs on every response.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    ctx.metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  installAvailability(app);
  if (config.faults.connectionLimit !== undefined) app.server.maxConnections = config.faults.connectionLimit;

  await app.register(intakePlugin);
  await app.register(presentationPlugin);
  await app.register(portaalPlugin);
  await app.register(devTokenPlugin);
  await app.register(digidPlugin);
  await app.register(machtigenPlugin);
  await app.register(validatieservicePlugin);
  await app.register(abonnementservicePlugin);
  await app.register(observabilityPlugin);

  const worker = setInterval(() => {
    processDue().catch((err: unknown) => app.log.error({ err }, 'processing pass failed'));
  }, config.workerIntervalMs);
  worker.unref();
  // The sim time is saved once a wall second (one small commit), and on close.
  const clockSaver = setInterval(() => {
    store.saveSimTime(clock.now()).catch((err: unknown) => app.log.error({ err }, 'saving the sim time failed'));
  }, 1000);
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
