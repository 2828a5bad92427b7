export * from './verdict.ts';
export * from './junit.ts';
export * from './runner.ts';
export * from './summary.ts';
export * from './timeline.ts';
export * from './find-capacity.ts';
