export * from './loopback.ts';
export * from './target-url.ts';
