import { readFileSync } from 'node:fs';

/**
 * bbsim's version, read once from package.json: what `bbsim --version` prints, what the mock's
 * OpenAPI document declares and what each run records in its results (comparisons warn across versions).
 */
export const BBSIM_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
