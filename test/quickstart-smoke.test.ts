import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

describe('README quick start: the main job', () => {
  it('`npm run smoke` starts the mock, runs the smoke scenario with real k6 and prints a verdict that holds', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'smoke'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toMatch(/mock listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/^presentatie\.p99\.9\s+200 ms\s+[\d.]+\s+[\d.]+\s+PASS/m);
    expect(stdout).toMatch(/^digid\.processing-time\s+4000 ms\s+[\d.]+\s+[\d.]+\s+PASS/m);
    expect(stdout).toContain('every checked norm holds');
    const dir = /Verdict for smoke \(([^)]+)\)/.exec(stdout)?.[1];
    expect(dir).toBeDefined();
    for (const f of ['summary.json', 'verdict.json', 'junit.xml', 'smoke.js'])
      expect(existsSync(join(ROOT, dir!, f)), f).toBe(true);
    const verdict = JSON.parse(readFileSync(join(ROOT, dir!, 'verdict.json'), 'utf8')) as {
      holds: boolean;
      rows: { status: string }[];
    };
    expect(verdict.holds).toBe(true);
    expect(verdict.rows.filter((r) => r.status === 'pass').length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(ROOT, dir!, 'junit.xml'), 'utf8')).toMatch(
      /<testsuite name="bbsim\.smoke" tests="\d+" failures="0"/,
    );
  }, 150_000);
});
