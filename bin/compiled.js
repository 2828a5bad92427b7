// Which code `bin/bbsim.js` runs: the compiled JavaScript in dist/ (`npm run build`) when it was
// built from exactly the sources now in src/, else the TypeScript sources through tsx. Start-up
// through tsx is about 0.7 s (its loader compiles each module); the compiled code starts in about a
// tenth of that. Fresh means: the stamp the build wrote lists every file of src/ (and the two
// tsconfigs) with the same size and mtime as now. Any edit, touch, added, removed or renamed file
// makes it stale, so a stale dist is never run; a checkout that only touched files just falls back
// to tsx until the next build. Walking src/ (about 240 files) costs about 10 ms.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Inputs of the build besides src/. */
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];
export const DIST = 'dist';
export const STAMP = join(DIST, '.build-stamp');
export const ENTRY = join(DIST, 'cli', 'main.js');

/** One line per build input: path, size, mtime (ms), sorted by path. */
export function sourceListing(root) {
  const lines = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else lines.push(line(root, p));
    }
  };
  walk(join(root, 'src'));
  for (const c of CONFIGS) lines.push(line(root, join(root, c)));
  return lines.sort().join('\n');
}

function line(root, file) {
  let s;
  try {
    s = statSync(file);
  } catch {
    return `${relative(root, file)}\tmissing`;
  }
  return `${relative(root, file)}\t${s.size}\t${s.mtimeMs}`;
}

/** The compiled entry point when dist/ is fresh for the sources in `root`, else undefined. */
export function compiledEntry(root) {
  let stamp;
  try {
    stamp = readFileSync(join(root, STAMP), 'utf8');
    statSync(join(root, ENTRY));
  } catch {
    return undefined;
  }
  return stamp === sourceListing(root) ? join(root, ENTRY) : undefined;
}
