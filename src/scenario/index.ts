export * from './types.ts';
export * from './duration.ts';
export * from './define-scenario.ts';
export * from './wall-profile.ts';
export * from './load-warnings.ts';
export * from './derive-schedule.ts';
