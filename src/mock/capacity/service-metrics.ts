import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Per-service capacity metrics: admitted, refused (by reason), queue length, latency. */
export interface ServiceMetrics {
  readonly admitted: Counter<'service'>;
  readonly refused: Counter<'service' | 'reason'>;
  readonly queue: Gauge<'service'>;
  readonly latency: Histogram<'service'>;
}

export function createServiceMetrics(registry: Registry): ServiceMetrics {
  return {
    admitted: new Counter({
      name: 'bbsim_service_admitted_total',
      help: 'Requests admitted and served, per simulated service',
      labelNames: ['service'],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'bbsim_service_refused_total',
      help: 'Requests refused, per service and reason (limit, saturated, maintenance, fault)',
      labelNames: ['service', 'reason'],
      registers: [registry],
    }),
    queue: new Gauge({
      name: 'bbsim_service_queue_length',
      help: 'Requests waiting for a worker, per service',
      labelNames: ['service'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'bbsim_service_latency_seconds',
      help: 'Modelled latency (queue + service time), per service',
      labelNames: ['service'],
      registers: [registry],
      buckets: [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 4, 8, 15, 30, 60],
    }),
  };
}
