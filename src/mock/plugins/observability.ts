import type { FastifyInstance } from 'fastify';
import { dayKey, hourKey } from '../../clock/index.ts';
import { storageFaultOf } from '../../store/storage-fault.ts';
import { WINDOW_STATS_SCHEMA } from '../capacity/index.ts';
import { answers, json } from '../openapi-document.ts';

/** /status, declared as far as the verdict and rehearse read it (the rest passes through as is). */
const STATUS_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  required: ['now', 'speed', 'intake', 'notifications'],
  properties: {
    now: { type: 'string', format: 'date-time' },
    speed: { type: 'number', description: 'sim ms per wall ms now' },
    schedule: {
      type: 'array',
      description:
        'the speed schedule: from each sim instant its speed, until the next (the first holds before its instant too)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'speed'],
        properties: { from: { type: 'string', format: 'date-time' }, speed: { type: 'number' } },
      },
    },
    intake: {
      type: 'object',
      additionalProperties: true,
      required: ['windows'],
      properties: {
        windows: {
          type: 'array',
          items: WINDOW_STATS_SCHEMA,
          description: 'letters offered per window, each with the norm it holds them against',
        },
      },
    },
    notifications: { type: 'object', additionalProperties: true },
  },
} as const;

/** Sim seconds over which the offered intake load is held against the 45/s parking norm. */
export const PARKING_WINDOW_S = 300;

/** /metrics (Prometheus), /health, /ready, /status (server-side figures), /openapi.json. */
export async function observabilityPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.bbsim;
  const { metrics, store, clock, config } = ctx;

  const gather = async (now: number) => {
    const [intake, notifications, windows] = await Promise.all([
      store.intakeStats(now),
      store.notificationStats(now),
      store.windowCounts(hourKey(now), dayKey(now)),
    ]);
    return { intake, notifications, windows };
  };

  const status = async (): Promise<Record<string, unknown>> => {
    const now = clock.now();
    const [{ intake, notifications, windows }] = await Promise.all([gather(now), ctx.intakeOffered.refresh?.(now)]);
    return {
      now: new Date(now).toISOString(),
      speed: clock.speed,
      // The whole speed schedule (one segment for a constant speed): a load generator converts its
      // wall time to the mock's sim time along it (k6's setup(), the native engine, the verdict).
      schedule: clock.schedule.toJSON(),
      storage: ctx.storage.state(),
      intake: {
        ...intake,
        parkedUntil: new Date(intake.parkedUntil).toISOString(),
        parkingDelaySeconds: Math.round(Math.max(0, intake.parkedUntil - now)) / 1000,
        admittedThisHour: windows.hour,
        hourLimit: config.capacity.messagesPerHour,
        admittedToday: windows.day,
        dayLimit: config.capacity.messagesPerDay,
        windows: ctx.intakeOffered.stats(now),
      },
      notifications: { ...notifications, peaks: await store.notificationPeaks() },
    };
  };

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['ops'],
        ...answers({
          ok: {
            200: {
              description: 'Prometheus text exposition format 0.0.4',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        }),
      },
    },
    async (_request, reply) => {
      const now = clock.now();
      const { intake, notifications, windows } = await gather(now);
      metrics.intakeBacklog.set(intake.backlog);
      metrics.parkingDelay.set(Math.max(0, intake.parkedUntil - now) / 1000);
      metrics.notificationBacklog.set(notifications.backlog);
      metrics.limiterUsed.set({ window: 'hour' }, windows.hour);
      metrics.limiterUsed.set({ window: 'day' }, windows.day);
      metrics.limiterLimit.set({ window: 'hour' }, config.capacity.messagesPerHour);
      metrics.limiterLimit.set({ window: 'day' }, config.capacity.messagesPerDay);
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );

  app.get(
    '/status',
    {
      schema: {
        summary:
          'Server-side figures: intake backlog and parking delay, letters offered per norm window, notification backlog, limiter state',
        tags: ['ops'],
        response: { 200: STATUS_SCHEMA },
      },
    },
    async () => {
      // A processing pass that cannot commit (a full disk) must not hide the figures: they are read
      // from what is committed, and `storage` says why processing stands still.
      try {
        await ctx.processDue();
      } catch (err) {
        const fault = storageFaultOf(err);
        if (!fault) throw err;
        ctx.storage.failed(fault);
      }
      return status();
    },
  );

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness',
        tags: ['ops'],
        ...answers({
          ok: {
            200: json('Alive', {
              type: 'object',
              required: ['status'],
              properties: { status: { type: 'string', enum: ['ok'] } },
            }),
          },
        }),
      },
    },
    async () => ({ status: 'ok' }),
  );

  const readiness = {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ready', 'not-ready'] },
      reason: { type: 'string' },
      storage: { type: 'object', additionalProperties: true },
    },
  };
  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: the store answers and writes commit (not ready on a full or failing disk)',
        tags: ['ops'],
        ...answers({
          ok: { 200: json('Ready', readiness) },
          other: {
            503: json(
              'Not ready: the store does not answer, or writes do not commit (then with Retry-After)',
              readiness,
              { headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } } },
            ),
          },
        }),
      },
    },
    async (_request, reply) => {
      try {
        await store.countLetters();
      } catch (err) {
        return reply
          .code(503)
          .send({ status: 'not-ready', reason: `the store does not answer: ${(err as Error).message}` });
      }
      const storage = ctx.storage.state();
      if (!storage.ok) {
        return reply
          .code(503)
          .header('retry-after', String(config.storage.retryAfterS))
          .send({ status: 'not-ready', reason: storage.detail ?? storage.fault, storage });
      }
      return { status: 'ready' };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
