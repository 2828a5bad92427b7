export * from './format.ts';
export * from './svg-chart.ts';
export * from './svg-heat-map.ts';
export * from './run-report.ts';
