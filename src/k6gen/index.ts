export * from './generate-k6.ts';
