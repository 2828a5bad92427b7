#!/usr/bin/env node
// Entry point: the compiled CLI (dist/, `npm run build`) when it was built from the current sources,
// else the TypeScript sources through tsx, so there is no build step to forget (bin/compiled.js).
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledEntry } from './compiled.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = process.env.BBSIM_NO_DIST === '1' ? undefined : compiledEntry(root);
if (compiled !== undefined) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
