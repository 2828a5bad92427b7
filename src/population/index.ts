export * from './bsn.ts';
export * from './population.ts';
export * from './population-file.ts';
