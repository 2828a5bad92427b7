import { moduleWorker } from '../store/module-worker.ts';
import type { MockConfigInput } from '../mock/config.ts';

/** A mock running in a worker thread of this process (see startMockThread). */
export interface MockThread {
  readonly base: string;
  close(): Promise<void>;
}

/** How long the thread may take to start listening or to close, ms (a start builds the SQLite schema). */
const START_MS = 60_000;
const CLOSE_MS = 30_000;
/** The mock thread's old-generation heap, MB (the main thread's own limit is about 4 GB here). */
const MOCK_HEAP_MB = 8192;

/**
 * Starts the mock in a worker thread, for the native engine: the engine and the mock on one event
 * loop shared one core of this 2-core machine (the peak-day's evening at 5,000 iterations/s: about
 * 2,200 iterations/s reached, 80 % of the loop busy, the rest dropped), in a thread of their own they
 * use both (k6 is a process of its own anyway). The thread loads the same module graph: compiled
 * JavaScript when this file is compiled, else the sources through tsx.
 */
export function startMockThread(config: MockConfigInput, backlog: number): Promise<MockThread> {
  // A thread's heap is bounded apart from the process's: the whole peak-day's mock outgrew the
  // default (ERR_WORKER_OUT_OF_MEMORY after about 10 minutes) where in the main thread it ran on.
  const worker = moduleWorker(import.meta.url, 'mock-thread-main', {
    workerData: { config, backlog },
    resourceLimits: { maxOldGenerationSizeMb: MOCK_HEAP_MB },
  });
  return new Promise<MockThread>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the mock's thread did not start listening within ${START_MS / 1000} s`));
    }, START_MS);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(new Error(`the mock's thread failed: ${err.message}`));
    };
    worker.once('error', fail);
    worker.once('message', (m: { base?: string; error?: string }) => {
      clearTimeout(timer);
      worker.off('error', fail);
      // A mock that dies while the load runs: its requests fail (the verdict and error budget say so), the process lives on.
      worker.on('error', (err) => {
        process.emitWarning(`the mock's thread stopped: ${err.message}`);
      });
      if (m.base === undefined) {
        void worker.terminate();
        reject(new Error(m.error ?? 'the mock did not start'));
        return;
      }
      resolve({
        base: m.base,
        close: () =>
          new Promise<void>((done) => {
            const t = setTimeout(() => void worker.terminate().then(() => done()), CLOSE_MS);
            worker.once('message', () => {
              clearTimeout(t);
              void worker.terminate().then(() => done());
            });
            worker.once('error', () => {
              clearTimeout(t);
              done();
            });
            worker.postMessage('close');
          }),
      });
    });
  });
}
