import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildMock } from '../src/mock/app.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bbsim-ci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = readFileSync(join(ROOT, 'scripts', 'ci-perf.sh'), 'utf8');
const TEMPLATES = ['github-actions.yml', 'gitlab-ci.yml'].map((f) => ({
  f,
  text: readFileSync(join(ROOT, 'examples', 'ci', f), 'utf8'),
}));

/** The script the templates call, with a 5-second scenario, as a pipeline would run it. */
function ciPerf(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts', 'ci-perf.sh')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 180_000,
        env: {
          ...process.env,
          BBSIM_SCENARIO: 'overhead',
          BBSIM_SCENARIOS: 'bench/run-overhead/scenarios',
          BBSIM_REPEAT: '2',
          BBSIM_OUT: join(dir, 'ci'),
          BBSIM_BASELINE: join(dir, 'baselines', 'overhead'),
          ...env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 2) : 0, out: stdout + stderr }),
    );
  });
}

describe('CI templates (examples/ci)', () => {
  it('both templates run scripts/ci-perf.sh, set only settings it reads, and publish what it writes', () => {
    const read = new Set([...SCRIPT.matchAll(/\$\{?(BBSIM_[A-Z_]+)/g)].map((m) => m[1]));
    for (const { f, text } of TEMPLATES) {
      expect(text, f).toMatch(/bash scripts\/ci-perf\.sh/);
      const set = [...text.matchAll(/^\s*#?\s*(BBSIM_[A-Z_]+):/gm)].map((m) => m[1]);
      expect(set.length, f).toBeGreaterThan(3);
      for (const v of set) expect(read.has(v), `${f} sets ${v}, which scripts/ci-perf.sh does not read`).toBe(true);
      expect(text, f).toContain('results/ci');
      expect(text, f).toMatch(/junit\.xml/);
      expect(text, f).toMatch(/\.cache\/bbsim/);
    }
  });

  it('the script saves a baseline, then compares: no regression on the same build, exit 1 on a slower one', async () => {
    const first = await ciPerf({});
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('saving this run as the baseline');
    expect(existsSync(join(dir, 'baselines', 'overhead', 'runs.json'))).toBe(true);

    const second = await ciPerf({});
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('no regression against');
    for (const f of ['compare.json', 'junit.xml', 'compare.md', 'compare.html'])
      expect(existsSync(join(dir, 'ci', 'compare', f)), f).toBe(true);

    // A service under test (BBSIM_TARGET) that answers Machtigen checks 250 ms slower.
    const start = Date.parse('2026-11-16T10:00:00+01:00');
    const slow = await buildMock({
      db: join(dir, 'slow.db'),
      clock: { speed: 6, start },
      maintenance: { enabled: false },
      faults: {
        services: { 'digid-machtigen': { latencySpikes: [{ from: start, to: start + 86_400_000, extraMs: 250 }] } },
      },
    });
    const target = await slow.listen({ port: 0, host: '127.0.0.1' });
    try {
      const third = await ciPerf({ BBSIM_TARGET: target });
      expect(third.code, third.out).toBe(1);
      expect(third.out).toMatch(/regression against/);
      expect(readFileSync(join(dir, 'ci', 'compare', 'compare.md'), 'utf8')).toMatch(/❌ \d+ regression/);
    } finally {
      await slow.close();
    }
  }, 400_000);

  it('never saves a failing run as the baseline (a dead target, no baseline yet), and BBSIM_REPEAT=1 works', async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((res) => probe.close(() => res()));
    const deadBaseline = join(dir, 'baselines', 'dead');
    const dead = await ciPerf({
      BBSIM_TARGET: `http://127.0.0.1:${port}`,
      BBSIM_BASELINE: deadBaseline,
      BBSIM_OUT: join(dir, 'ci-dead'),
    });
    // The target check refuses a target that does not answer before any load: no run, no verdict, no baseline.
    expect(dead.code, dead.out).toBe(2);
    expect(dead.out).toContain('does not answer');
    expect(dead.out).toContain('the scenario could not run');
    expect(existsSync(join(deadBaseline, 'runs.json'))).toBe(false);

    const oneBaseline = join(dir, 'baselines', 'one');
    const one = await ciPerf({ BBSIM_REPEAT: '1', BBSIM_BASELINE: oneBaseline, BBSIM_OUT: join(dir, 'ci-one') });
    expect(one.code, one.out).toBe(0);
    expect(one.out).toContain('saving this run as the baseline');
    expect((JSON.parse(readFileSync(join(oneBaseline, 'runs.json'), 'utf8')) as { runs: string[] }).runs).toEqual([
      'rep-1',
    ]);
    const again = await ciPerf({ BBSIM_REPEAT: '1', BBSIM_BASELINE: oneBaseline, BBSIM_OUT: join(dir, 'ci-one') });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('no regression against');
  }, 300_000);
});
