export * from './clock.ts';
export * from './calendar.ts';
export * from './speed-schedule.ts';
