/**
 * The worker thread's side of MockThread (mock-thread.ts): builds the mock from the config it was
 * given, listens on a free loopback port, says where, and closes when told to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildMock } from '../mock/app.ts';
import type { MockConfigInput } from '../mock/config.ts';

interface Data {
  readonly config: MockConfigInput;
  readonly backlog: number;
}

const port = parentPort;
if (port) {
  const { config, backlog } = workerData as Data;
  try {
    const app = await buildMock(config);
    const base = await app.listen({ port: 0, host: '127.0.0.1', backlog });
    port.on('message', (m: unknown) => {
      if (m !== 'close') return;
      void app.close().then(
        () => port.postMessage({ closed: true }),
        (err: unknown) => port.postMessage({ closed: true, error: (err as Error).message }),
      );
    });
    port.postMessage({ base });
  } catch (err) {
    port.postMessage({ error: (err as Error).message });
  }
}
