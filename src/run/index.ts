export * from './verdict.ts';
export * from './runner.ts';
export * from './find-capacity.ts';

export * from './exit-codes.ts';
export * from './sample-size.ts';
