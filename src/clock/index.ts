export * from './clock.ts';
export * from './calendar.ts';
