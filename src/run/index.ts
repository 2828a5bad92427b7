export * from './verdict.ts';
export * from './runner.ts';
export * from './find-capacity.ts';
export * from './segments.ts';
export * from './segment-files.ts';
export * from './collect.ts';
export * from './k8s-manifests.ts';
