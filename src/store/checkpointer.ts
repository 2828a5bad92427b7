import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * Checkpoints the WAL from a worker thread, so copying WAL pages into the database file does not
 * stall the request path. The main connection still checkpoints by itself as a safety net when the
 * WAL grows past its (raised) auto-checkpoint threshold.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in the worker (CommonJS eval): its own connection, PASSIVE checkpoints (never blocks writers).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* ignore */ }
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs, driver } });
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // Unref'd while running (it must not keep a finished process alive), but stopping is awaited:
        // without ref() an otherwise idle process would end before the worker says it is done.
        worker.ref();
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
