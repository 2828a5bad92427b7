/**
 * Benches run the mock as `bin/bbsim.js`, which runs the compiled dist/ only while it matches src/
 * (else the sources through tsx, which also costs the mock run time: esbuild's keepNames wraps
 * every closure made per request). So a bench builds first (`npm run build`, skipped when fresh).
 */
import { spawnSync } from 'node:child_process';

export function ensureBuilt(root: string): void {
  const r = spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error('npm run build failed: fix the type errors first (the bench measures the compiled mock)');
}
