export * from './verdict-row.ts';
export * from './summary.ts';
export * from './timeline.ts';
export * from './histogram.ts';
export * from './junit.ts';
export * from './error-budget.ts';
