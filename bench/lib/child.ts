/**
 * Servers under test run as child processes, so that the server and the load generator each get a
 * core. A child counts as started when its stdout prints `listening on http://…`; it is killed
 * when the bench exits, whatever the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** The last few kB of the child's stderr (and stdout after the banner), for error messages. */
  output(): string;
  /** True once the child has exited. */
  exited(): boolean;
  /** True when the child exited without being asked to (stop). */
  crashed(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  /** Arguments to node (flags first, then the script and its arguments). */
  readonly nodeArgs: readonly string[];
  readonly cwd: string;
  /** Wall ms to wait for the banner. */
  readonly timeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every live child on exit and on SIGINT/SIGTERM/SIGHUP (the bench itself then exits). */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping ${live.size} child process(es)`);
      for (const c of live) c.kill('SIGKILL');
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

const TAIL_BYTES = 8192;
const BANNER = /listening on (https?:\/\/127\.0\.0\.1:\d+)/;

export async function startChild(opts: StartOptions): Promise<ChildServer> {
  hookExit();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...opts.nodeArgs], {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  live.add(child);
  let tail = '';
  const keep = (s: string): void => {
    tail = (tail + s).slice(-TAIL_BYTES);
  };
  let exitInfo: string | undefined;
  let stopping = false;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal !== null ? `signal ${signal}` : `code ${String(code)}`;
      live.delete(child);
      resolve();
    });
  });
  child.stderr?.setEncoding('utf8').on('data', keep);

  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    let done = false;
    const finish = (err: Error | undefined, value?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else {
        resolve(value ?? '');
      }
    };
    const timer = setTimeout(() => {
      finish(
        new Error(
          `${opts.name}: no 'listening on http://127.0.0.1:<port>' within ${timeoutMs} ms (pid ${String(child.pid)});\n--- stdout ---\n${stdout.slice(-2000)}\n--- stderr ---\n${tail}`,
        ),
      );
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      if (done) {
        keep(s);
        return;
      }
      stdout += s;
      const m = BANNER.exec(stdout);
      if (m?.[1]) finish(undefined, m[1]);
    });
    child.once('error', (err) => finish(new Error(`${opts.name}: cannot start: ${err.message}`)));
    void exitedP.then(() =>
      finish(
        new Error(
          `${opts.name}: exited (${exitInfo ?? '?'}) before listening;\n--- stdout ---\n${stdout.slice(-2000)}\n--- stderr ---\n${tail}`,
        ),
      ),
    );
  });

  return {
    name: opts.name,
    url,
    pid: child.pid ?? -1,
    output: () => tail,
    exited: () => exitInfo !== undefined,
    crashed: () => exitInfo !== undefined && !stopping,
    async stop(graceMs = 15_000): Promise<void> {
      stopping = true;
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedP;
      clearTimeout(timer);
    },
  };
}
