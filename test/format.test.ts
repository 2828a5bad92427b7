import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const PRETTIER = join(ROOT, 'node_modules', '.bin', 'prettier');

describe('one code style, checked in CI (npm run format:check)', () => {
  it('is a check of .ci/run', () => {
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^check format npm run --silent format:check$/m);
  });

  it('holds for the tree as it is (npm run format:check, the README command)', () => {
    const run = spawnSync('npm', ['run', '--silent', 'format:check'], { cwd: ROOT, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toContain('All matched files use Prettier code style');
    expect(run.status).toBe(0);
  });

  it('fails on a file written in another style, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-format-'));
    try {
      copyFileSync(join(ROOT, '.prettierrc.json'), join(dir, '.prettierrc.json'));
      // Double quotes, no semicolon, a 140-character line: three of the rules at once.
      writeFileSync(
        join(dir, 'bad.ts'),
        `export const limit = "150000"\nexport function f(a: number, b: number, c: number, d: number, e: number, f: number, g: number) { return a }\n`,
      );
      writeFileSync(join(dir, 'good.ts'), "export const limit = '150000';\n");
      const r = spawnSync(PRETTIER, ['--check', '.'], { cwd: dir, encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status).not.toBe(0);
      expect(out).toContain('bad.ts');
      expect(out).not.toContain('good.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
