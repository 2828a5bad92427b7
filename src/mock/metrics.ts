import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The mock's Prometheus metrics, in a registry of its own (several mocks can live in one process). */
export interface MockMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route'>;
  readonly letters: Counter<'code'>;
  readonly batches: Counter<'outcome'>;
  /** Gauges filled on scrape from the store and limiter state. */
  readonly intakeBacklog: Gauge;
  readonly parkingDelay: Gauge;
  readonly notificationBacklog: Gauge;
  readonly limiterUsed: Gauge<'window'>;
  readonly limiterLimit: Gauge<'window'>;
}

export function createMockMetrics(): MockMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bbsim_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'bbsim_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'bbsim_http_request_duration_seconds',
      help: 'Wall-clock request latency by route',
      labelNames: ['route'],
      registers: [registry],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 4, 10, 30],
    }),
    letters: new Counter({
      name: 'bbsim_letters_total',
      help: 'Letters of admitted batches by VerwerkingsCode',
      labelNames: ['code'],
      registers: [registry],
    }),
    batches: new Counter({
      name: 'bbsim_batches_total',
      help: 'Batches by outcome (admitted, refused_hour, refused_day, rejected)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    intakeBacklog: new Gauge({
      name: 'bbsim_intake_backlog_letters',
      help: 'Letters admitted but not yet parked',
      registers: [registry],
    }),
    parkingDelay: new Gauge({
      name: 'bbsim_intake_parking_delay_seconds',
      help: 'Sim seconds a letter admitted now waits to be parked',
      registers: [registry],
    }),
    notificationBacklog: new Gauge({
      name: 'bbsim_notifications_backlog',
      help: 'Notifications queued and not yet sent',
      registers: [registry],
    }),
    limiterUsed: new Gauge({
      name: 'bbsim_intake_admitted_in_window',
      help: 'Letters admitted in the current hour/day window',
      labelNames: ['window'],
      registers: [registry],
    }),
    limiterLimit: new Gauge({
      name: 'bbsim_intake_window_limit',
      help: 'Intake limit of the hour/day window',
      labelNames: ['window'],
      registers: [registry],
    }),
  };
}
