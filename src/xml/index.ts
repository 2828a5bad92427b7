export * from './decode-text.ts';
export * from './escape.ts';
