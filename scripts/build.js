#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json), writes the command index
// (so `bbsim --help` lists every command without loading them) and last the freshness stamp that
// bin/bbsim.js checks (bin/compiled.js). Skipped when dist/ is already fresh; `--force` rebuilds.
// The sources are listed before tsc starts, so an edit during the build leaves dist/ stale.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { existsSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST, STAMP, compiledEntry, sourceListing } from '../bin/compiled.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s) => console.log(`[build] ${s}`);

if (!process.argv.includes('--force') && compiledEntry(root) !== undefined) {
  log('dist/ is up to date with src/');
  process.exit(0);
}
const listing = sourceListing(root);
rmSync(join(root, STAMP), { force: true });
const t0 = performance.now();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  log(`tsc failed (exit ${r.status ?? r.signal}): dist/ stays stale, bin/bbsim.js runs the sources through tsx`);
  process.exit(1);
}
// Compiled files whose source is gone (a removed or renamed module) are deleted.
const dist = join(root, DIST);
const orphans = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.js')) {
      const src = join(root, 'src', relative(dist, p)).replace(/\.js$/, '.ts');
      if (!existsSync(src)) orphans.push(p);
    }
  }
};
walk(dist);
for (const p of orphans) unlinkSync(p);
const { writeCommandIndex } = await import(pathToFileURL(join(dist, 'cli', 'commands.js')).href);
await writeCommandIndex();
writeFileSync(join(root, STAMP), listing);
log(
  `compiled src/ to dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s${orphans.length ? ` (${orphans.length} stale file(s) removed)` : ''}`,
);
