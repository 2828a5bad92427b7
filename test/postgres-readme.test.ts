/**
 * The README's PostgreSQL commands ("Several instances on PostgreSQL"), run as written in a bash
 * script: a throwaway cluster, two mock instances on it, rehearse over both, stop. Only the ports
 * (free ones instead of 8081/8082), the repository's paths and a wait for each mock to listen are
 * added. Fails (never skips) when PostgreSQL cannot be started.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bbsim-pg-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function block(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf('### Several instances on PostgreSQL');
  expect(at).toBeGreaterThan(0);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  return (m?.[1] ?? '').trim().split('\n');
}

describe('README: several instances on PostgreSQL', () => {
  it('the commands run as written: cluster, two instances, rehearse over both (exit 0), stop', async () => {
    const lines = block();
    expect(lines).toHaveLength(5);
    const [p1, p2] = [await freePort(), await freePort()];
    const waitFor = (port: number): string =>
      `node -e 'const t=Date.now();(function f(){fetch("http://127.0.0.1:${port}/health").then(()=>process.exit(0),()=>Date.now()-t>45000?process.exit(1):setTimeout(f,200))})()'`;
    // Whatever happens (a failing line, the timeout's SIGTERM), the mocks and the cluster are stopped.
    const cleanup = `trap 'exit 1' TERM; trap 'rc=$?; set +e; kill %1 %2 2>/dev/null; if [ -n "\${BBSIM_PG_DIR:-}" ] && [ -d "$BBSIM_PG_DIR" ]; then bash ${REPO}scripts/postgres-test-cluster stop "$BBSIM_PG_DIR"; fi; exit $rc' EXIT`;
    const script = [
      'set -e',
      cleanup,
      ...lines.flatMap((l) => {
        const line = l
          .replace(/#.*$/, '')
          .trim()
          .replaceAll('node bin/bbsim.js', `node ${REPO}bin/bbsim.js`)
          .replaceAll('scripts/', `${REPO}scripts/`)
          .replaceAll('8081', String(p1))
          .replaceAll('8082', String(p2));
        if (line.endsWith('&')) return [line, waitFor(line.includes(String(p1)) ? p1 : p2)];
        return [line];
      }),
    ].join('\n');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        'bash',
        ['-c', script],
        { cwd: dir, timeout: 55_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
      void child;
    });
    expect(out.code, `${out.stdout.slice(-3000)}\n${out.stderr.slice(-3000)}`).toBe(0);
    expect(out.stdout).toMatch(/store: {2}PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/bbsim/);
    expect(out.stdout).toMatch(/reconcil/i);
  });
});
