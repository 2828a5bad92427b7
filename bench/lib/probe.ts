/**
 * The bench side of bench/lib/loop-probe.js: start a child with `probeArgs(file)` and its env, then
 * `window()` before and `read()` after a measured window to get the child's event-loop delay, event
 * loop utilisation and GC pauses over that window.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeSnapshot {
  readonly seq: number;
  readonly wallMs: number;
  /** Share of the wall time the event loop was busy (not waiting in epoll). */
  readonly utilization: number;
  /** How late a 2 ms timer fired: the length of the loop's stalls. */
  readonly delay: { count: number; meanMs: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number };
  readonly gc: { count: number; totalMs: number; maxMs: number };
}

export const PROBE_ENV = 'BBSIM_BENCH_PROBE_FILE';
export const PROBE_IMPORT = ['--import', './bench/lib/loop-probe.js'] as const;

export class LoopProbe {
  private seq = 0;

  constructor(
    private readonly pid: number,
    readonly file: string,
  ) {
    rmSync(file, { force: true });
  }

  /** Starts a window (the figures so far are dropped). */
  async start(): Promise<void> {
    await this.read();
  }

  /** The figures since the last start or read; undefined when the child did not answer within 3 s. */
  async read(): Promise<ProbeSnapshot | undefined> {
    try {
      process.kill(this.pid, 'SIGUSR2');
    } catch {
      return undefined;
    }
    for (let waited = 0; waited < 3000; waited += 10) {
      await sleep(10);
      if (!existsSync(this.file)) continue;
      try {
        const s = JSON.parse(readFileSync(this.file, 'utf8')) as ProbeSnapshot;
        if (s.seq > this.seq) {
          this.seq = s.seq;
          return s;
        }
      } catch {
        // partly written; try again
      }
    }
    return undefined;
  }

  dispose(): void {
    rmSync(this.file, { force: true });
  }
}
