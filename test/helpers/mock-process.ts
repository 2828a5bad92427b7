import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /bbsim mock listening on (https?:\/\/127\.0\.0\.1:\d+)/;

export interface MockProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Resolves when the process has exited (code, or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr so far (the last 64 kB of each), for failure messages. */
  output(): string;
}

/**
 * Starts `node bin/bbsim.js mock --port 0 …` as a child process and resolves once it prints its
 * listening line (rejects if it exits first or does not listen within `timeoutMs`). The caller owns
 * the process: stop it with `stopMock` (or kill it) — also on failure.
 */
export function startMockProcess(args: readonly string[], timeoutMs = 30_000): Promise<MockProcess> {
  const child = spawn(process.execPath, ['bin/bbsim.js', 'mock', '--port', '0', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  let stdout = '';
  let stderr = '';
  const keep = (s: string): string => (s.length > 65_536 ? s.slice(-65_536) : s);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const output = (): string => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  return new Promise<MockProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mock did not print its listening line within ${timeoutMs} ms\n${output()}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keep(stdout + chunk);
      const m = LISTENING.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1], exited, output });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keep(stderr + chunk);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mock exited (code ${code}, signal ${signal}) before listening\n${output()}`));
    });
  });
}

/** SIGTERM (graceful close), then SIGKILL if it has not exited within `graceMs`. */
export async function stopMock(
  p: MockProcess,
  graceMs = 10_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills the process outright if it is still running (for afterAll). */
export function killMock(p: MockProcess | undefined): void {
  if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
