export * from './service-time.ts';
export * from './window-limiter.ts';
export * from './server-model.ts';
export * from './minute-stats.ts';
export * from './service-metrics.ts';
export * from './capacity-model.ts';
export * from './capacity-stats.ts';
export * from './shared-window-limiter.ts';
