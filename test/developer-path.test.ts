import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * Issue 19 from the outside: bbsim as a developer at an afnemer uses it, with scenarios in a folder
 * outside the checkout, bad targets, a target at another speed, a --repeat against one service and
 * a service without /status. Every call is the real CLI in a child process.
 */
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'bbsim.js');
const children: ChildProcess[] = [];
let dir: string;

function bbsim(
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** A mock in a child process (bbsim mock), on a loopback address of our choice. */
async function startMock(args: readonly string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [BIN, 'mock', '--port', '0', '--db', join(dir, `mock-${children.length}.db`), ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mock did not start: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
}

// A scenario in a folder without a package.json (not "type": "module"): this once failed with
// "Cannot require() ES Module … in a cycle". It imports the DSL by absolute path, as a checkout user would.
const SCENARIO = (
  name: string,
  flow: string,
  rate: string,
  extra = '',
): string => `import { defineScenario, seconds } from '${join(ROOT, 'src', 'scenario', 'index.ts')}';
import { perSecond, perMinute } from '${join(ROOT, 'src', 'norms', 'index.ts')}';
void perMinute; void perSecond;
export default defineScenario({
  name: '${name}', description: 'a short check from outside the checkout',
  clock: { speed: 6, start: '2026-11-17T23:30:00+01:00' },
  flows: [{ flow: '${flow}' }],
  load: { kind: 'constant', rate: ${rate}, duration: seconds(36) },${extra}
});
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bbsim-dev-path-'));
  writeFileSync(
    join(dir, 'letters.ts'),
    SCENARIO('letters', 'deliver-batch', 'perMinute(600)', '\n  data: { batchSize: 10 },'),
  );
  writeFileSync(join(dir, 'logins.ts'), SCENARIO('logins', 'digid-authenticate', 'perMinute(120)'));
  writeFileSync(join(dir, 'slip.ts'), SCENARIO('slip', 'digid-authenticate', 'perSecond(1200)'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('bad targets: one URL and loopback rule, usage errors exit 2 with a stable code', () => {
  it.each([
    ['127.0.0.1:19092', 'has no scheme; write http://127.0.0.1:19092'],
    ['ftp://127.0.0.1:19092', 'http or https only, got ftp'],
    ['http://10.0.0.1:8080', 'load goes only to this machine (127.0.0.0/8, ::1 or localhost)'],
    ['http://example.org', 'got host "example.org"'],
  ])('--target %s', async (target, message) => {
    for (const engine of ['k6', 'native']) {
      const r = await bbsim(['run', 'smoke', '--target', target, '--engine', engine]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).toContain('[BBSIM_BAD_TARGET]');
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('a target that does not answer: exit 2, said so, nothing run', async () => {
    const r = await bbsim(['run', 'smoke', '--target', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not answer .*\[BBSIM_COULD_NOT_RUN\]/);
  });
});

describe('unknown names suggest the nearest, bbsim baseline alone is a usage error', () => {
  it('run smok → did you mean smoke?, with the known ones', async () => {
    const r = await bbsim(['run', 'smok']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown scenario "smok": did you mean smoke?');
    expect(r.err).toContain('presentation-p999');
  });

  it('--engine nativ, list norm', async () => {
    const e = await bbsim(['run', 'smoke', '--engine', 'nativ']);
    expect(e.code).toBe(2);
    expect(e.err).toContain('did you mean native?');
    const l = await bbsim(['list', 'norm']);
    expect(l.code).toBe(2);
    expect(l.err).toContain('did you mean norms?');
  });

  it('bbsim baseline (and bbsim alone) print the help and exit 2; --help exits 0', async () => {
    const r = await bbsim(['baseline']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('save [options] <run>');
    const none = await bbsim([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('list [options] [what]');
    expect((await bbsim(['baseline', '--help'])).code).toBe(0);
  });

  it('bbsim list names flows, norm ids, fault services and shipped scenarios; --json too', async () => {
    const r = await bbsim(['list', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, { name: string }[]>;
    expect(j['flows']?.map((f) => f.name)).toContain('burger-reads');
    expect(j['norms']?.map((f) => f.name)).toContain('presentatie.p99.9');
    expect(j['services']?.map((f) => f.name)).toEqual(expect.arrayContaining(['presentatie', 'berichtenbox-intake']));
    expect(j['scenarios']?.map((f) => f.name)).toContain('smoke');
  });
});

describe('scenarios outside the checkout', () => {
  it('generate --scenarios <folder elsewhere> and run <path> work; a unit slip is warned about', async () => {
    const g = await bbsim(['generate', '--scenarios', dir, '--out', join(dir, 'k6')], { cwd: ROOT });
    expect(g.code, g.err).toBe(0);
    expect(existsSync(join(dir, 'k6', 'letters.js'))).toBe(true);
    // perSecond(1200) for perMinute(1200): 72,000/min against a 10,000/min norm.
    expect(g.err).toMatch(
      /warning: slip: digid-authenticate is offered 72,000\/min \(sim\), 7\.20× digid\.authentications-per-minute/,
    );
    const bad = await bbsim(['run', join(dir, 'nope.ts')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no scenario file');
  });
});

describe('--target: the clock is checked, --repeat is honest about one service', () => {
  it('a target at another clock speed is refused; --accept-target-clock runs with a warning', async () => {
    const base = await startMock(['--speed', '1']);
    const r = await bbsim(['run', join(dir, 'logins.ts'), '--target', base, '--engine', 'native']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('runs its sim clock at speed 1, logins is built for speed 6');
    expect(r.err).toContain('[BBSIM_TARGET_MISMATCH]');
    const ok = await bbsim([
      'run',
      join(dir, 'logins.ts'),
      '--target',
      base,
      '--engine',
      'native',
      '--accept-target-clock',
      '--quiet',
    ]);
    expect(ok.code, ok.err + ok.out).toBe(0);
    expect(ok.err).toContain('warning: --target');
    expect(ok.err).toContain('sim time'); // started at the wall clock, not at the scenario's 2026-11-17 23:30
  }, 90_000);

  it('k6 and the native engine both load 127.0.0.2; --repeat 2 against one target judges its cumulative figures on repeat 1 only', async () => {
    const base = await startMock(['--host', '127.0.0.2', '--speed', '6', '--start', '2026-11-17T23:30:00+01:00']);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.2:/);
    const k6 = await bbsim(
      ['run', join(dir, 'logins.ts'), '--target', base, '--quiet', '--out', join(dir, 'results')],
      { timeoutMs: 90_000 },
    );
    expect(k6.code, k6.err + k6.out).toBe(0);
    expect(k6.out).toMatch(/^k6: \d+ requests/m);
    expect(k6.out).not.toContain('k6 | running ('); // --quiet: no progress bars

    const r = await bbsim(
      [
        'run',
        join(dir, 'letters.ts'),
        '--target',
        base,
        '--engine',
        'native',
        '--repeat',
        '2',
        '--quiet',
        '--out',
        join(dir, 'results'),
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toContain('--repeat 2 with --target loads the same service 2 times');
    expect(r.out).toMatch(/^native: \d+ requests/m);
    const set = /^2 of 2 runs in (\S+) \(runs\.json\)$/m.exec(r.out)?.[1];
    expect(set).toBeDefined();
    const rows = (rep: string): { normId: string; status: string; measured?: number; source: string }[] =>
      (
        JSON.parse(readFileSync(join(set!, rep, 'verdict.json'), 'utf8')) as {
          rows: { normId: string; status: string; measured?: number; source: string }[];
        }
      ).rows;
    const hour = (rep: string) => rows(rep).find((x) => x.normId === 'berichtenbox.messages-per-hour')!;
    expect(hour('rep-1').status).toBe('pass');
    expect(hour('rep-1').measured).toBeGreaterThan(0);
    expect(hour('rep-2').status).toBe('not-measured');
    expect(hour('rep-2').source).toContain('the target kept the load of the earlier repeats');
    // The repeat folder: a table per norm and repeat, one junit.xml with a suite per repeat.
    expect(readFileSync(join(set!, 'verdicts.md'), 'utf8')).toMatch(
      /\| berichtenbox\.messages-per-hour \| PASS \d+ \| n\/a \|/,
    );
    const junit = readFileSync(join(set!, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="bbsim.letters.rep-1"');
    expect(junit).toContain('<testsuite name="bbsim.letters.rep-2"');
    // "to first request" of repeat 2 counts from its own start, not from the command's (which is past repeat 1's 6 s).
    const firsts = [...r.out.matchAll(/overhead: (command|run start) to first request ([\d.]+) s/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(firsts).toHaveLength(2);
    expect(firsts[1]![0]).toBe('run start');
    expect(firsts[1]![1]).toBeLessThan(5);
  }, 200_000);
});

describe('a service of your own without /status', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/status') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'Success', token: 't' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(['native', 'k6'])(
    '%s does not count its own /status probe as a failed request, and bbsim says there is no clock to check',
    async (engine) => {
      const r = await bbsim(
        ['run', join(dir, 'logins.ts'), '--target', base, '--engine', engine, '--quiet', '--out', join(dir, 'results')],
        { timeoutMs: 90_000 },
      );
      expect(r.err).toContain('has no GET /status with its sim clock');
      expect(r.out).toMatch(new RegExp(`^${engine}: \\d+ requests`, 'm'));
      expect(r.out).not.toMatch(/ops requests failed/);
      const runDir = /Verdict for logins \(([^)]+)\)/.exec(r.out)?.[1];
      const summary = JSON.parse(readFileSync(join(runDir!, 'summary.json'), 'utf8')) as {
        timeline: { service: string; failed: number }[];
        k6: { metrics: Record<string, { values: Record<string, number> }> };
      };
      expect(summary.timeline.filter((p) => p.service === 'ops').reduce((a, p) => a + p.failed, 0)).toBe(0);
      // The load generator's own http_req_failed (a Rate: passes are failed requests): the 404 of /status is an answer.
      expect(summary.k6.metrics['http_req_failed']?.values['passes']).toBe(0);
    },
    90_000,
  );
});
