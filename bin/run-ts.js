#!/usr/bin/env node
// Runs a TypeScript file (a bench or script) through tsx: `node bin/run-ts.js <file.ts> [args]`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bin/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(1, 2, resolve(file));
register();
await import(pathToFileURL(resolve(file)).href);
