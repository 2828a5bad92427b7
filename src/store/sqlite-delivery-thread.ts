import type { Worker } from 'node:worker_threads';
import type { LetterOutcome } from '../berichten/index.ts';
import { bare } from './letter-outcomes.ts';
import { moduleWorker } from './module-worker.ts';
import type { DeliverySettled } from './sqlite-delivery.ts';
import type { DeliveryInput, DeliveryResult } from './store.ts';

/**
 * Writes the SQLite store's deliveries from a worker thread with a connection of its own, so a
 * batch's transaction does not hold up the requests on the event loop: a 1,000-letter commit took
 * 64 ms at the median and 150 ms at most on the main thread once the store held a million letters
 * (two random-key indexes dirty about 2,000 pages per commit), and each presentation read that came
 * in meanwhile waited for it (the whole peak-day's p99.9: 367 ms at 1,200 wall iterations/s).
 * Readers do not wait for a writer in WAL mode; the store's own writes wait for the thread's group
 * on the event loop instead (sqlite-store.ts, `writeTurn`). A result resolves once the thread's
 * commit is on disk, as in-line.
 */
export interface DeliveryThread {
  /** Writes one group in one transaction; rejects (with the driver's code) when the whole group failed. */
  deliver(inputs: readonly DeliveryInput[]): Promise<DeliverySettled[]>;
  /** Why the thread no longer writes (it could not open the database, or it stopped); undefined while it does. */
  readonly dead: Error | undefined;
  stop(): Promise<void>;
}

/** A delivery as it crosses to the thread: data only (the fault draw as its seed and rate). */
export type ThreadDelivery = Omit<DeliveryInput, 'technischProbleem'> & {
  readonly fault: { readonly seed: number; readonly rate: number };
};

/** An error as it crosses back: the driver's code (SQLITE_FULL, …) is what the mock answers by. */
export interface ThreadError {
  readonly code?: string;
  readonly message: string;
}

/** A delivery's result as it crosses back: the letters stay here, the final codes come back. */
export type ThreadSettled =
  | {
      readonly ok: true;
      readonly result:
        | Exclude<DeliveryResult, { admitted: true }>
        | (Omit<Extract<DeliveryResult, { admitted: true }>, 'outcomes'> & {
            readonly finals: readonly (readonly [LetterOutcome['code'], string | undefined])[];
          });
    }
  | { readonly ok: false; readonly error: ThreadError };

export type ThreadRequest = { readonly id: number; readonly deliveries: readonly ThreadDelivery[] } | 'stop';
export type ThreadReply =
  | { readonly id: number; readonly settled: readonly ThreadSettled[] }
  | { readonly id: number; readonly error: ThreadError }
  | { readonly ready: true }
  | { readonly openError: ThreadError };

/** The delivery, or undefined when its fault draw is a plain function (drawn here: written in-line). */
function threadDelivery(input: DeliveryInput): ThreadDelivery | undefined {
  if (!crossesToThread(input)) return undefined;
  const draw = input.technischProbleem as { seed: number; rate: number };
  const { technischProbleem: _drawnThere, ...data } = input;
  return { ...data, fault: { seed: draw.seed, rate: draw.rate } };
}

/** Whether a delivery can be written in the thread: its fault draw carries its seed and rate. */
export function crossesToThread(input: DeliveryInput): boolean {
  const draw = input.technischProbleem as Partial<{ seed: unknown; rate: unknown }>;
  return typeof draw.seed === 'number' && typeof draw.rate === 'number';
}

export function errorOf(e: ThreadError): Error {
  return Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
}

/** The outcome the in-line writer would have returned: the input's own where the code stands, else bare. */
function outcomeOf(
  o: LetterOutcome,
  [code, toelichting]: readonly [LetterOutcome['code'], string | undefined],
): LetterOutcome {
  if (code === o.code && (code === 'Verwerkt' || o.letter === undefined)) return o;
  return bare(o, code, toelichting ?? '');
}

function settledOf(input: DeliveryInput, s: ThreadSettled): DeliverySettled {
  if (!s.ok) return { ok: false, error: errorOf(s.error) };
  const r = s.result;
  if (!r.admitted) return { ok: true, result: r };
  const { finals, ...rest } = r;
  return { ok: true, result: { ...rest, outcomes: input.outcomes.map((o, i) => outcomeOf(o, finals[i]!)) } };
}

/**
 * Starts the thread; what is posted before it has opened the database waits in its queue. A thread
 * that cannot open the database, or stops, fails what it holds and says `dead` (the store then
 * writes in-line again).
 */
export function startDeliveryThread(path: string): DeliveryThread {
  const worker: Worker = moduleWorker(import.meta.url, 'sqlite-delivery-thread-main', { workerData: { path } });
  const pending = new Map<
    number,
    { inputs: readonly DeliveryInput[]; resolve: (s: DeliverySettled[]) => void; reject: (e: unknown) => void }
  >();
  let next = 0;
  let dead: Error | undefined;
  let stopped: Promise<void> | undefined;
  const die = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  worker.on('error', die);
  worker.on('exit', () => die(new Error("the store's delivery thread stopped")));
  worker.on('message', (m: ThreadReply) => {
    if ('openError' in m) {
      die(errorOf(m.openError));
      void worker.terminate();
      return;
    }
    if (!('id' in m)) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if ('error' in m) p.reject(errorOf(m.error));
    else p.resolve(m.settled.map((s, i) => settledOf(p.inputs[i]!, s)));
  });
  // Idle, the thread must not keep a finished process alive; a group in flight does.
  worker.unref();
  return {
    get dead() {
      return dead;
    },
    deliver(inputs) {
      if (dead) return Promise.reject(dead);
      const deliveries: ThreadDelivery[] = [];
      for (const input of inputs) {
        const d = threadDelivery(input);
        if (d === undefined) return Promise.reject(new Error('a fault draw without its seed and rate stays in-line'));
        deliveries.push(d);
      }
      const id = next++;
      worker.ref();
      return new Promise<DeliverySettled[]>((resolve, reject) => {
        pending.set(id, { inputs, resolve, reject });
        worker.postMessage({ id, deliveries } satisfies ThreadRequest);
      });
    },
    stop() {
      stopped ??= dead
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.ref();
            worker.postMessage('stop' satisfies ThreadRequest);
          });
      return stopped;
    },
  };
}
