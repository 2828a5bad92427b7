import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measuredMaxWallRate } from '../src/cli/run-command.ts';

/**
 * The commands of README.md's "A speed schedule" section, run as the README writes them (the
 * mock on a free port; the whole-day run stopped once it has printed its schedule, the day itself
 * is the bench's): test/readme-commands.test.ts sends them here.
 */
const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = README.slice(README.indexOf('### A speed schedule'), README.indexOf('### The native engine'));
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((l) => l.replace(/\s{2,}#.*$/, '').trim())
  .filter(Boolean);

/** Runs a command until `until` matches its output (then stops it) or it exits; its output and exit code. */
function runUntil(
  cmd: string,
  until: RegExp | undefined,
  timeoutMs: number,
): Promise<{ out: string; code: number | null }> {
  const [bin, ...args] = cmd.split(' ');
  const before = new Set(existsSync(join(ROOT, 'results')) ? readdirSync(join(ROOT, 'results')) : []);
  const child = spawn(bin!, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve) => {
    const done = (code: number | null): void => {
      clearTimeout(timer);
      // A run stopped before its load leaves a results folder: ours go.
      for (const f of existsSync(join(ROOT, 'results')) ? readdirSync(join(ROOT, 'results')) : []) {
        if (!before.has(f) && f.startsWith('peak-day-'))
          rmSync(join(ROOT, 'results', f), { recursive: true, force: true });
      }
      resolve({ out: text, code });
    };
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (d: Buffer): void => {
      text += d.toString();
      if (until?.test(text)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => done(code));
  });
}

describe('README: a speed schedule', () => {
  it('has the three commands', () => {
    expect(commands).toEqual([
      'node bin/bbsim.js mock --start 2027-03-01T00:00:00+01:00 --speed-schedule 0=600,19h=30,23h=600',
      'node bin/bbsim.js run peak-day --wall-budget 20m --max-wall-rate 3000',
      'node bin/bbsim.js run peak-day --wall-budget 1m --max-wall-rate 500',
      'node bin/bbsim.js run peak-day',
    ]);
  });

  it('bbsim mock --speed-schedule: /status reports the schedule, the banner too', async () => {
    const cmd = `${commands[0]!} --port 0`;
    const r = await runUntil(cmd, /listening on (http:\/\/\S+)[\s\S]*try:/, 60_000);
    expect(r.out).toContain(
      'speed schedule 2027-02-28T23:00:00.000Z=600,2027-03-01T18:00:00.000Z=30,2027-03-01T22:00:00.000Z=600',
    );
    // A bad segment is refused naming it.
    const bad = spawnSync('node', ['bin/bbsim.js', 'mock', '--port', '0', '--speed-schedule', '0=600,19h=0'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--speed-schedule\[1\]\.speed: a number > 0/);
  }, 90_000);

  it('bbsim run --wall-budget --max-wall-rate prints the fitted schedule before the run', async () => {
    const r = await runUntil(commands[1]!, /running k6|mock listening/, 90_000);
    expect(r.out).toMatch(
      /speed schedule fitted to peak-day's load: at most 3000 iterations per wall second \(--max-wall-rate\), within 20m of wall time:/,
    );
    expect(r.out).toMatch(/\+19h\d\dm – \+2\dh\d\dm \(19:\d\d–2\d:\d\d sim\): speed \d+/);
  }, 120_000);

  it('a scenario asking more than the generator sustains here is warned about before the load', async () => {
    const r = await runUntil(commands[3]!, /running k6|mock listening/, 90_000);
    const ceiling = measuredMaxWallRate(ROOT).rate;
    const warning = new RegExp(
      `warning: peak-day asks up to 4998 iterations per wall second, over the ${ceiling}/s the load generator sustains here \\(.*\\): expect dropped iterations, which leave passes unjudged; --max-wall-rate ${ceiling}`,
    );
    // The day's own fit asks 4,998/s; where bench:overhead measured more than that, no warning.
    if (ceiling < 4998) expect(r.out).toMatch(warning);
    else expect(r.out).not.toContain('warning: peak-day asks');
    expect(r.out.indexOf('warning: ')).toBeLessThan(
      Math.max(r.out.indexOf('running k6'), r.out.indexOf('mock listening')),
    );
  }, 120_000);

  it('bounds that cannot both hold exit 2 with the wall time the rate needs', () => {
    const [bin, ...args] = commands[2]!.split(' ');
    const r = spawnSync(bin!, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /clock\.fit: at most 500 iterations per wall second the load needs \d+ s of wall time, over the wall budget of 60 s/,
    );
  }, 90_000);
});
