export * from './svg-chart.ts';
export * from './run-report.ts';
