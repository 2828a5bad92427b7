import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * Saves the sim clock's horizon (the `simClock` state row) from a worker thread with its own
 * connection (synchronous FULL, like every bbsim write), so its commit's fsync does not stall the
 * request path: on the main thread that fsync took 1.7 ms at the median and 10–22 ms at the p90
 * and max on this machine's disk, once a wall second, and those stalls were the presentation list's
 * p99.9 at 1,000 requests/s. The promise resolves once the row is on disk (the HorizonClock may only
 * move past a horizon that is durable), or rejects with the driver's error code (a full disk), as
 * the main connection's write would.
 */
export interface ClockWriter {
  save(value: string): Promise<void>;
  stop(): Promise<void>;
}

// Runs in the worker (CommonJS eval). Messages: { id, value } → { id } or { id, error }; 'stop'.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let set;
let openError;
try {
  const db = new Database(workerData.path);
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = FULL');
  set = db.prepare("INSERT INTO state (key, value) VALUES ('simClock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  parentPort.on('message', (m) => {
    if (m === 'stop') { db.close(); parentPort.close(); return; }
    try { set.run(m.value); parentPort.postMessage({ id: m.id }); }
    catch (e) { parentPort.postMessage({ id: m.id, error: { code: e.code, message: e.message } }); }
  });
} catch (e) {
  openError = { code: e.code, message: e.message };
  parentPort.on('message', (m) => {
    if (m === 'stop') { parentPort.close(); return; }
    parentPort.postMessage({ id: m.id, error: openError });
  });
}
`;

interface Reply {
  readonly id: number;
  readonly error?: { readonly code?: string; readonly message?: string };
}

export function startClockWriter(path: string): ClockWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  let next = 0;
  let dead: Error | undefined;
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.error)
      p.reject(Object.assign(new Error(r.error.message ?? 'saving the sim clock failed'), { code: r.error.code }));
    else p.resolve();
  });
  const fail = (err: Error): void => {
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(dead ?? new Error('the clock writer stopped')));
  let stopped: Promise<void> | undefined;
  return {
    save(value) {
      if (dead) return Promise.reject(dead);
      return new Promise<void>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        // A save in flight keeps the process alive until it is on disk (the exact time saved on close).
        worker.ref();
        worker.postMessage({ id, value });
      }).finally(() => {
        if (pending.size === 0 && !stopped) worker.unref();
      });
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (dead) return resolve();
        worker.once('exit', () => resolve());
        worker.ref();
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
