export * from './types.ts';
export * from './budgets.ts';
export * from './load-runs.ts';
export * from './compare.ts';
export * from './render-text.ts';
export * from './render-junit.ts';
export * from './compare-html.ts';
