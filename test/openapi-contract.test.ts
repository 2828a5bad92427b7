/**
 * The contract test: Schemathesis (PyPI, pinned, installed by scripts/setup) generates requests from
 * the mock's own /openapi.json and runs them against a real mock process, with every check on
 * (test/contract/schemathesis.toml): no 5xx, every status, content type, header and body as declared,
 * schema-violating requests refused, schema-valid ones accepted, undeclared methods 405 with Allow.
 * Bounded: at most 3 examples per operation and phase, one worker, a fixed seed (about 60 s on a
 * loaded 2-core machine). A second run against the mock with one route answering an undeclared
 * status shows the test can fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMock, startMockProcess, stopMock, type MockProcess } from './helpers/mock-process.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCHEMATHESIS_VERSION = '4.32.5';
const CACHE = process.env['BBSIM_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'bbsim');
const ST = join(CACHE, `schemathesis-${SCHEMATHESIS_VERSION}`, 'bin', 'st');
const CONFIG = join(REPO, 'test', 'contract', 'schemathesis.toml');
const HOOKS = join(REPO, 'test', 'contract', 'hooks.py');
/** Outside every maintenance window (a Thursday afternoon), far below every capacity. */
const START = '2027-03-04T14:00:00+01:00';
const OIN = '00000001003214345000';

interface Run {
  code: number | null;
  output: string;
}

function schemathesis(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(ST, ['--config-file', CONFIG, 'run', ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SCHEMATHESIS_HOOKS: HOOKS, NO_COLOR: '1', COLUMNS: '200' },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The failures part of Schemathesis' report, for the assertion message. */
const failures = (output: string): string =>
  output.slice(Math.max(0, output.indexOf('FAILURES') - 40)).slice(0, 12_000);

/** The fixture mock (the real app, one route changed), listening on a free port. */
function startFixture(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/contract/undeclared-status-mock.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture did not listen: ${out}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited ${code}: ${out}`));
    });
  });
}

describe('/openapi.json is the contract (Schemathesis against a real mock process)', () => {
  let mock: MockProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    expect(
      existsSync(ST),
      `schemathesis ${SCHEMATHESIS_VERSION} is not installed at ${ST}: run bash scripts/setup`,
    ).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'bbsim-contract-'));
    mock = await startMockProcess(['--start', START, '--seed', '1', '--db', join(dir, 'mock.db')]);
  });

  afterAll(async () => {
    if (mock) await stopMock(mock).catch(() => killMock(mock));
    rmSync(dir, { recursive: true, force: true });
  });

  it('every generated request is answered as the document declares, with every check on', async () => {
    const token = (
      (await (
        await fetch(`${mock!.url}/dev/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ bsn: '111222333', ttlSeconds: 86_400 }),
        })
      ).json()) as { token: string }
    ).token;
    const run = await schemathesis(
      [
        `${mock!.url}/openapi.json`,
        // A connected afnemer and a burger's session, so that generated requests reach the handlers
        // (ignored_auth still sends them without).
        '-H',
        `X-Afnemer-OIN: ${OIN}`,
        '-H',
        `Authorization: Bearer ${token}`,
        '--max-examples',
        '3',
        '--workers',
        '1',
        '--seed',
        '1',
        '--no-shrink',
        '--request-timeout',
        '20',
      ],
      150_000,
    );
    expect(run.output).toMatch(/32 selected \/ 32 total/);
    expect(run.code, failures(run.output)).toBe(0);
  }, 180_000);

  it('fails when a route answers a status the document does not declare', async () => {
    const fixture = await startFixture();
    try {
      const run = await schemathesis(
        [
          `${fixture.url}/openapi.json`,
          '--include-path',
          '/health',
          '--max-examples',
          '2',
          '--workers',
          '1',
          '--seed',
          '1',
          '--phases',
          'examples,fuzzing',
        ],
        60_000,
      );
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toMatch(/Undocumented status code/);
      expect(run.output).toMatch(/Received: 418/);
    } finally {
      fixture.child.kill('SIGTERM');
    }
  }, 90_000);
});
