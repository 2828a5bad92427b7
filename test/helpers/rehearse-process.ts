import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** One NDJSON event of `bbsim rehearse --json`. */
export interface RehearseEvent {
  readonly type: string;
  readonly at: string;
  readonly [key: string]: unknown;
}

export interface RehearseProcess {
  readonly child: ChildProcess;
  readonly events: RehearseEvent[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stderr and unparsed stdout so far (the last 64 kB), for failure messages. */
  output(): string;
}

/**
 * Starts `node bin/bbsim.js rehearse … --json` as a child process (so it can be SIGKILLed) and
 * parses its events as they come; `onEvent` sees each one. The caller owns the process.
 */
export function startRehearseProcess(
  args: readonly string[],
  onEvent: (e: RehearseEvent, p: RehearseProcess) => void = () => undefined,
  cwd = REPO,
): RehearseProcess {
  const child = spawn(process.execPath, [`${REPO}bin/bbsim.js`, 'rehearse', '--json', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  const events: RehearseEvent[] = [];
  let pending = '';
  let other = '';
  const keep = (s: string): string => (s.length > 65_536 ? s.slice(-65_536) : s);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const p: RehearseProcess = { child, events, exited, output: () => other };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let e: RehearseEvent | undefined;
      try {
        e = JSON.parse(line) as RehearseEvent;
      } catch {
        other = keep(`${other}${line}\n`);
      }
      if (e) {
        events.push(e);
        onEvent(e, p);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    other = keep(other + chunk);
  });
  return p;
}

/** Kills the process outright if it is still running (for afterAll). */
export function killRehearse(p: RehearseProcess | undefined): void {
  if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
