export * from './decode-text.ts';
