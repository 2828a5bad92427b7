export * from './verdict.ts';
export * from './runner.ts';
export * from './find-capacity.ts';

export * from './exit-codes.ts';
export * from './sample-size.ts';
export * from './segments.ts';
export * from './segment-files.ts';
export * from './collect.ts';
export * from './k8s-manifests.ts';
export * from './mock-defaults.ts';
