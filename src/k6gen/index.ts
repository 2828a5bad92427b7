export * from './generate-k6.ts';
export * from './scenario-data.ts';
