export * from './verdict.ts';
export * from './runner.ts';
export * from './find-capacity.ts';
