export * from './types.ts';
export * from './rate.ts';
export * from './catalogue.ts';
export * from './calendar-rules.ts';
export * from './incident-priority.ts';
export * from './forecast-duties.ts';
export * from './interface-limits.ts';
export * from './availability.ts';
