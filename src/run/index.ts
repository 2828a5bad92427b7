export * from './verdict.ts';
export * from './junit.ts';
export * from './runner.ts';
