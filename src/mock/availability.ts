import type { FastifyInstance } from 'fastify';
import { fromLocal, localParts, monthlyWindowsBetween, type Interval } from '../clock/index.ts';
import { PROBLEMS } from '../errors/catalogue.ts';
import {
  MAINTENANCE_WINDOWS,
  availabilityPercent,
  DIGID_AVAILABILITY,
  MACHTIGEN_AVAILABILITY,
  MIJNOVERHEID_AVAILABILITY,
  type MonthlyWindowRule,
  type Norm,
  type Service,
} from '../norms/index.ts';
import { createPrng, hash32, uniform } from '../random/index.ts';
import type { MockConfig } from './config.ts';
import { sendProblem } from './problems.ts';
import { renderFault, SOAP_CONTENT_TYPE } from './validatieservice/soap.ts';
import type { FastifyReply } from 'fastify';
import type { ProblemDefinition, ProblemDetails } from '../errors/catalogue.ts';
import { SIMULATED_SERVICES, serviceOfPath, servicesOfRule } from './service-routes.ts';
import { answers, json } from './openapi-document.ts';

const HOUR_MS = 3_600_000;

/** The maintenance rules that take a service down under this config. */
export function downtimeRules(config: MockConfig, service: Service): MonthlyWindowRule[] {
  if (!config.maintenance.enabled) return [];
  return MAINTENANCE_WINDOWS.filter((r) => {
    const mode = config.maintenance.overrides[r.id] ?? (r.downtime ? 'down' : 'no-downtime');
    return mode === 'down' && servicesOfRule(r.service).includes(service);
  });
}

/**
 * The maintenance window open at `now`, if any. Windows are computed per rule for the surrounding
 * months and cached: this runs on every request, and calendar arithmetic is not free.
 */
function windowFinder(
  rules: readonly MonthlyWindowRule[],
): (now: number) => { rule: MonthlyWindowRule; window: Interval } | undefined {
  const DAY_MS = 86_400_000;
  let from = Number.NaN;
  let to = Number.NaN;
  let windows: { rule: MonthlyWindowRule; window: Interval }[] = [];
  return (now) => {
    if (!(now >= from && now < to)) {
      // Every window of the next 40 days (rules are monthly, so at most a few per rule).
      from = now - DAY_MS;
      to = now + 40 * DAY_MS;
      windows = rules.flatMap((rule) =>
        monthlyWindowsBetween(rule, from, to + DAY_MS).map((window) => ({ rule, window })),
      );
    }
    return windows.find((w) => now >= w.window.start && now < w.window.end);
  };
}

/** Total length of the union of intervals clipped to [from, to). */
function coveredMs(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const i of clipped) {
    if (!(i.start <= curEnd)) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else curEnd = Math.max(curEnd, i.end);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

export function availabilityNorm(service: Service): Norm {
  if (service === 'digid') return DIGID_AVAILABILITY;
  if (service === 'digid-machtigen') return MACHTIGEN_AVAILABILITY;
  return MIJNOVERHEID_AVAILABILITY;
}

export interface ServiceAvailability {
  readonly service: Service;
  readonly month: string;
  readonly hoursInMonth: number;
  readonly plannedMaintenanceHours: number;
  readonly unavailableHours: number;
  readonly availabilityPercent: number;
  readonly norm: { readonly id: string; readonly limit: number };
  readonly holds: boolean;
}

/**
 * Availability of a service in a calendar month by the SNO formula: configured outages count as
 * unavailable, except where they fall inside planned maintenance; planned maintenance (windows
 * with downtime) is taken out of the month. Injected error rates do not count (they are partial).
 */
export function monthAvailability(
  config: MockConfig,
  service: Service,
  year: number,
  month: number,
): ServiceAvailability {
  const from = fromLocal(year, month, 1);
  const to = fromLocal(year, month + 1, 1);
  const planned = downtimeRules(config, service).flatMap((r) => monthlyWindowsBetween(r, from, to));
  const outages = (config.faults.services[service as keyof typeof config.faults.services]?.outages ?? []).map((o) => ({
    start: o.from,
    end: o.to,
  }));
  const plannedMs = coveredMs(planned, from, to);
  const unavailableMs = coveredMs([...outages, ...planned], from, to) - plannedMs;
  const pct = availabilityPercent((to - from) / HOUR_MS, unavailableMs / HOUR_MS, plannedMs / HOUR_MS);
  const norm = availabilityNorm(service);
  return {
    service,
    month: `${year}-${String(month).padStart(2, '0')}`,
    hoursInMonth: (to - from) / HOUR_MS,
    plannedMaintenanceHours: plannedMs / HOUR_MS,
    unavailableHours: unavailableMs / HOUR_MS,
    availabilityPercent: pct,
    norm: { id: norm.id, limit: norm.limit },
    holds: pct >= norm.limit,
  };
}

/**
 * Maintenance windows and injected faults, checked before every request of a simulated service:
 * planned maintenance with downtime and configured outages answer 503 with Retry-After until the
 * window ends; latency spikes delay the request; an error rate answers a seeded share with an error.
 * Installed on the root instance so it covers every plugin's routes.
 */
export function installAvailability(app: FastifyInstance): void {
  const { config, clock, serviceMetrics } = app.bbsim;
  const finders = new Map<Service, ReturnType<typeof windowFinder>>(
    SIMULATED_SERVICES.map((s) => [s, windowFinder(downtimeRules(config, s))]),
  );
  const draws = new Map<Service, () => number>(
    SIMULATED_SERVICES.map((s) => [s, createPrng(hash32(`faults:${s}`, config.seed))]),
  );
  const sleeping = new Map<NodeJS.Timeout, () => void>();
  const retryAfter = (simMs: number): number => Math.max(1, Math.ceil(clock.toWallMs(simMs) / 1000));

  /** problem+json, except on the SOAP endpoint, whose clients expect a SOAP fault. */
  const refuse = (
    reply: FastifyReply,
    def: ProblemDefinition,
    detail: string,
    details: ProblemDetails,
  ): FastifyReply => {
    if (reply.request.url.split('?')[0] === '/validatieservice') {
      if (details.retryAfter !== undefined) reply.header('retry-after', String(details.retryAfter));
      return reply
        .code(def.status)
        .type(SOAP_CONTENT_TYPE)
        .send(
          renderFault({
            status: def.status,
            faultcode: 'Server',
            detailKind: 'DependentServiceFault',
            code: def.code,
            message: detail,
            ...(details.retryAfter !== undefined ? { retryAfter: details.retryAfter } : {}),
          }),
        );
    }
    return sendProblem(reply, def, detail, details);
  };

  /** The part of the hook that may refuse or delay (async: a latency spike sleeps). */
  const check = async (
    service: NonNullable<ReturnType<typeof serviceOfPath>>,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const now = clock.now();
    const maintenance = finders.get(service)?.(now);
    if (maintenance) {
      serviceMetrics.refused.inc({ service, reason: 'maintenance' });
      return refuse(
        reply,
        PROBLEMS.MAINTENANCE,
        `${maintenance.rule.title}: ${service} is down until ${new Date(maintenance.window.end).toISOString()} (sim time)`,
        {
          retryAfter: retryAfter(maintenance.window.end - now),
          extra: { window: maintenance.rule.id, until: new Date(maintenance.window.end).toISOString() },
        },
      );
    }
    const faults = config.faults.services[service as keyof typeof config.faults.services];
    if (!faults) return;
    const outage = faults.outages.find((o) => now >= o.from && now < o.to);
    if (outage) {
      serviceMetrics.refused.inc({ service, reason: 'outage' });
      return refuse(
        reply,
        PROBLEMS.OUTAGE,
        `${service} is out (injected outage) until ${new Date(outage.to).toISOString()} (sim time)`,
        { retryAfter: retryAfter(outage.to - now) },
      );
    }
    const extraMs = faults.latencySpikes.filter((s) => now >= s.from && now < s.to).reduce((a, s) => a + s.extraMs, 0);
    if (extraMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          sleeping.delete(t);
          resolve();
        }, extraMs);
        sleeping.set(t, resolve);
      });
    }
    if (faults.errorRate > 0 && uniform(draws.get(service)!) < faults.errorRate) {
      serviceMetrics.refused.inc({ service, reason: 'fault' });
      return refuse(
        reply,
        { ...PROBLEMS.INJECTED_FAULT, status: faults.errorStatus },
        `${service}: injected fault (errorRate ${faults.errorRate})`,
        { serviceCode: 'TechnischProbleem', ...(faults.errorStatus === 503 ? { retryAfter: 1 } : {}) },
      );
    }
    return undefined;
  };

  // Callback style with a synchronous way through: a request of a service with no maintenance
  // window open and no faults configured (the usual case, on every request) costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const service = serviceOfPath(request.url);
    if (!service) return done();
    if (!finders.get(service)?.(clock.now()) && !config.faults.services[service as keyof typeof config.faults.services])
      return done();
    check(service, reply).then((sent) => {
      if (!sent) done();
    }, done);
  });

  app.get<{ Querystring: { month?: string } }>(
    '/availability',
    {
      schema: {
        summary: 'Availability per service for a sim calendar month by the SNO formula (planned maintenance excluded)',
        tags: ['ops'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2027-03' } },
        },
        ...answers({
          ok: {
            200: json('Availability per service', {
              type: 'object',
              required: ['month', 'services'],
              properties: {
                month: { type: 'string' },
                services: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['service', 'availabilityPercent', 'holds'],
                    additionalProperties: true,
                    properties: {
                      service: { type: 'string' },
                      availabilityPercent: { type: 'number' },
                      holds: { type: 'boolean' },
                    },
                  },
                },
              },
            }),
          },
        }),
      },
    },
    async (request) => {
      const p = localParts(clock.now());
      const [y, m] = request.query.month
        ? (request.query.month.split('-').map(Number) as [number, number])
        : [p.year, p.month];
      return {
        month: `${y}-${String(m).padStart(2, '0')}`,
        services: SIMULATED_SERVICES.map((s) => monthAvailability(config, s, y, m)),
      };
    },
  );

  app.addHook('onClose', async () => {
    for (const [t, wake] of sleeping) {
      clearTimeout(t);
      wake();
    }
    sleeping.clear();
  });
}
