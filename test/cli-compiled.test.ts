/**
 * The compiled CLI (dist/, `npm run build`): bin/bbsim.js runs it only while it was built from the
 * sources now in src/, and `bbsim --help` lists every command without loading any command module.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS, commandIndex, newProgram, registerAll, registerFor, requestedCommand } from '../src/cli/commands.ts';
// @ts-expect-error: plain JavaScript without declarations (it runs before any TypeScript loader).
import { compiledEntry, sourceListing, STAMP } from '../bin/compiled.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const freshness = compiledEntry as (root: string) => string | undefined;
const listing = sourceListing as (root: string) => string;

/** A tree shaped like the repo: bin/ (the real entry files), src/, tsconfigs and a dist/ whose main says which ran. */
function fakeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-compiled-'));
  mkdirSync(join(dir, 'bin'));
  for (const f of ['bbsim.js', 'compiled.js']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
  writeFileSync(join(dir, 'src', 'cli', 'other.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
  writeFileSync(join(dir, 'tsconfig.build.json'), '{}\n');
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "console.log('compiled');\n");
  writeFileSync(join(dir, STAMP as string), listing(dir));
  return dir;
}

const ran = (dir: string, env: Record<string, string> = {}): string =>
  execFileSync(process.execPath, [join(dir, 'bin', 'bbsim.js')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  }).trim();

describe('bin/bbsim.js picks the compiled code only when it is fresh', () => {
  const dirs: string[] = [];
  let dir = '';
  beforeEach(() => {
    dir = fakeRepo();
    dirs.push(dir);
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs dist/ when the stamp matches src/, the sources through tsx when it does not', () => {
    expect(freshness(dir)).toBe(join(dir, 'dist', 'cli', 'main.js'));
    expect(ran(dir)).toBe('compiled');
    expect(ran(dir, { BBSIM_NO_DIST: '1' })).toBe('sources');
    writeFileSync(join(dir, 'src', 'cli', 'other.ts'), 'export const x = 22;\n');
    expect(freshness(dir)).toBeUndefined();
    expect(ran(dir)).toBe('sources');
  });

  it('is stale after an edit of the same size, a touch, an added, a removed file, a tsconfig change or without a stamp', () => {
    const edits: ((d: string) => void)[] = [
      (d) => writeFileSync(join(d, 'src', 'cli', 'other.ts'), 'export const y = 1;\n'), // same size
      (d) => utimesSync(join(d, 'src', 'cli', 'other.ts'), new Date(), new Date(Date.now() + 5_000)),
      (d) => writeFileSync(join(d, 'src', 'cli', 'new.ts'), 'export {};\n'),
      (d) => unlinkSync(join(d, 'src', 'cli', 'other.ts')),
      (d) => writeFileSync(join(d, 'tsconfig.build.json'), '{"compilerOptions":{}}\n'),
      (d) => unlinkSync(join(d, STAMP as string)),
      (d) => unlinkSync(join(d, 'dist', 'cli', 'main.js')),
    ];
    for (const [i, edit] of edits.entries()) {
      const d = i === 0 ? dir : fakeRepo();
      if (i > 0) dirs.push(d);
      expect(freshness(d), `before edit ${i}`).toBeDefined();
      edit(d);
      expect(freshness(d), `after edit ${i}`).toBeUndefined();
    }
  });
});

describe('the lazily registered commands', () => {
  it('each loader registers exactly the command it is named for', async () => {
    for (const c of COMMANDS) {
      const program = newProgram();
      (await c.load())(program);
      expect(program.commands.map((x) => x.name())).toEqual([c.name]);
    }
  });

  it('the top-level help from the index is the help with every command loaded', async () => {
    const full = newProgram();
    await registerAll(full);
    const lazy = newProgram();
    await registerFor(lazy, ['--help'], commandIndex(full));
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(lazy.helpInformation()).toContain('run [options] <scenario>');
  });

  it('--help, --version and no command load no command module when the index is there', async () => {
    const full = newProgram();
    await registerAll(full);
    const index = commandIndex(full);
    const spies = COMMANDS.map((c) => vi.spyOn(c, 'load'));
    try {
      for (const args of [['--help'], ['--version'], [], ['no-such-command']])
        await registerFor(newProgram(), args, index);
      for (const s of spies) expect(s).not.toHaveBeenCalled();
      await registerFor(newProgram(), ['--help'], undefined); // without an index (the sources): every one
      for (const s of spies) expect(s).toHaveBeenCalledTimes(1);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('a named command loads only that command', async () => {
    const program = newProgram();
    await registerFor(program, ['list', 'norms', '--json'], []);
    expect(program.commands.map((c) => c.name())).toEqual(['list']);
    expect(requestedCommand(['help', 'run'])).toBe('run');
    expect(requestedCommand(['--version'])).toBeUndefined();
  });
});
