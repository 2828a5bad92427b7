import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sharedText } from './shared-docs.ts';

const ROOT = join(import.meta.dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ['src', '--config', join(cwd, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A throwaway tree with our rules and the given files (path → source). */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-layers-'));
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
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
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return dir;
}

describe('the layering of DESIGN.md is enforced (npm run lint:deps)', () => {
  it('holds for the tree as it is (npm run lint:deps, the README command)', () => {
    const run = spawnSync('npm', ['run', '--silent', 'lint:deps'], { cwd: ROOT, encoding: 'utf8' });
    const r = { status: run.status, out: `${run.stdout}${run.stderr}` };
    expect(r.out).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it('fails on each kind of violation, naming the rule', () => {
    const dir = tree({
      'src/mock/app.ts': "import { run } from '../engine/run.ts';\nexport const app = run;\n",
      'src/engine/run.ts': 'export const run = 1;\n',
      'src/norms/a.ts': "import { now } from '../clock/b.ts';\nexport const a = now;\n",
      'src/clock/b.ts': 'export const now = 0;\n',
      'src/report/r.ts': "import { x } from '../run/x.ts';\nexport const r = x;\n",
      'src/run/x.ts': "import { r } from '../report/r.ts';\nexport const x = r;\n",
      'src/forecast/f.ts': "import { main } from '../cli/main.ts';\nexport const f = main;\n",
      'src/cli/main.ts': 'export const main = 1;\n',
      'src/run/verdict.ts': "import { s } from '../mock/state.ts';\nexport const v = s;\n",
      'src/mock/state.ts': 'export const s = 1;\n',
      'src/gadgets/g.ts': "import { a } from '../norms/a.ts';\nexport const g = a;\n",
      // berichten has an index.ts: another folder goes through it, not around it.
      'src/berichten/index.ts': "export * from './codes.ts';\n",
      'src/berichten/codes.ts': "export const code = 'Verwerkt';\n",
      'src/store/s.ts': "import { code } from '../berichten/codes.ts';\nexport const s = code;\n",
      'src/store/t.ts': "import { code } from '../berichten/index.ts';\nexport const t = code;\n",
    });
    try {
      const r = cruise(dir);
      expect(r.status).not.toBe(0);
      for (const rule of [
        'mock-never-imports-load-side',
        'layer-mock',
        'layer-norms',
        'layer-report',
        'no-circular',
        'nothing-imports-cli',
        'verdict-reads-http-figures',
        'unknown-folder',
        'through-the-barrel',
      ]) {
        expect(r.out, rule).toContain(rule);
      }
      // run → report is an allowed same-rank arrow; report → run is not.
      expect(r.out).not.toContain('layer-run: src/run/x.ts');
      expect(r.out).toContain('through-the-barrel: src/store/s.ts');
      expect(r.out).not.toContain('src/store/t.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has the layers DESIGN.md draws, in its order', () => {
    const config = readFileSync(join(ROOT, '.dependency-cruiser.cjs'), 'utf8');
    const block = /const LAYERS = \[([\s\S]*?)\n\];/.exec(config)?.[1] ?? '';
    const layers = [...block.matchAll(/\[([^\]]*)\]/g)].map((m) =>
      [...m[1]!.matchAll(/'([a-z0-9-]+)'/g)].map((f) => f[1]!),
    );
    const design = sharedText('DESIGN.md');
    const drawn = /From the ground up: (.*?)\. Nothing imports upward/.exec(design)?.[1] ?? '';
    const designLayers = drawn.split('→').map((l) =>
      l
        .replace(/\(.*?\)/g, '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    );
    expect(designLayers.length).toBeGreaterThan(5);
    expect(layers).toEqual(designLayers);
  });

  it("the README's layout table lists every folder of src/, and only those", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 5));
    const listed = [...table.matchAll(/^\| `src\/([a-z0-9-]+)` \|/gm)].map((m) => m[1]!).sort();
    const tree = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(listed).toEqual(tree);
  });
});
