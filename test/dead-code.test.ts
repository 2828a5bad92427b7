import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const KNIP = join(ROOT, 'node_modules', '.bin', 'knip');

function knip(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(KNIP, ['--reporter', 'compact', '--no-progress'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the dead-code check (npm run lint:dead, knip) runs in CI', () => {
  it('is a check of .ci/run', () => {
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^check dead-code npm run --silent lint:dead$/m);
    expect(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
        'lint:dead'
      ],
    ).toMatch(/^knip\b/);
  });

  it('holds for the tree as it is (the README command)', () => {
    const r = spawnSync('npm', ['run', '--silent', 'lint:dead'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails on an unused export and an unused file, naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-knip-'));
    try {
      copyFileSync(join(ROOT, 'knip.json'), join(dir, 'knip.json'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'knip-probe', type: 'module', private: true }));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            allowImportingTsExtensions: true,
            noEmit: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
          },
        }),
      );
      const files: Record<string, string> = {
        'src/cli/main.ts': "import { used } from '../norms/figures.ts';\nconsole.log(used);\n",
        // Used in its own file only: allowed (ignoreExportsUsedInFile); never used: reported.
        'src/norms/figures.ts':
          'export const used = 1;\nexport const local = 2;\nexport const nobodyReadsThis = local + 1;\n',
        'src/norms/orphan.ts': 'export const orphan = 3;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const r = knip(dir);
      expect(r.status, r.out).not.toBe(0);
      expect(r.out).toMatch(/src\/norms\/figures\.ts: nobodyReadsThis/);
      expect(r.out).not.toMatch(/\blocal\b/);
      expect(r.out).toMatch(/src\/norms\/orphan\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
