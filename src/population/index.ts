export * from './bsn.ts';
export * from './population.ts';
