/**
 * The delivery thread's side (sqlite-delivery-thread.ts): opens the store's database on a
 * connection of its own (the main connection has migrated it already) and writes each group it is
 * sent with the same SqliteDelivery as the in-line store.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { technischProbleemDraw } from '../berichten/index.ts';
import { openStoreConnection, prepareStatements } from './sqlite-statements.ts';
import { SqliteDelivery, type DeliverySettled } from './sqlite-delivery.ts';
import type {
  ThreadDelivery,
  ThreadError,
  ThreadReply,
  ThreadRequest,
  ThreadSettled,
} from './sqlite-delivery-thread.ts';
import type { DeliveryInput } from './store.ts';

const errorOf = (e: unknown): ThreadError => {
  const { code, message } = e as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), message: typeof message === 'string' ? message : String(e) };
};

/** The bytes arrive as a Uint8Array; the driver binds a Buffer as a BLOB. */
function inputOf(d: ThreadDelivery): DeliveryInput {
  const { fault, ...input } = d;
  return {
    ...input,
    technischProbleem: technischProbleemDraw(fault.seed, fault.rate),
    outcomes: input.outcomes.map((o) =>
      o.letter === undefined || o.letter.bijlagen.length === 0
        ? o
        : {
            ...o,
            letter: {
              ...o.letter,
              bijlagen: o.letter.bijlagen.map((b) => ({
                ...b,
                content: Buffer.from(b.content.buffer, b.content.byteOffset, b.content.byteLength),
              })),
            },
          },
    ),
  };
}

function settledOf(s: DeliverySettled): ThreadSettled {
  if (!s.ok) return { ok: false, error: errorOf(s.error) };
  const r = s.result;
  if (!r.admitted) return { ok: true, result: r };
  const { outcomes, ...rest } = r;
  return { ok: true, result: { ...rest, finals: outcomes.map((o) => [o.code, o.toelichting] as const) } };
}

const port = parentPort;
if (port) {
  const { path } = workerData as { path: string };
  try {
    const db = openStoreConnection(path);
    const writer = new SqliteDelivery(db, prepareStatements(db));
    port.on('message', (m: ThreadRequest) => {
      if (m === 'stop') {
        db.close();
        port.close();
        return;
      }
      let reply: ThreadReply;
      try {
        reply = { id: m.id, settled: writer.group(m.deliveries.map(inputOf)).map(settledOf) };
      } catch (e) {
        reply = { id: m.id, error: errorOf(e) };
      }
      port.postMessage(reply);
    });
    port.postMessage({ ready: true } satisfies ThreadReply);
  } catch (e) {
    port.postMessage({ openError: errorOf(e) } satisfies ThreadReply);
  }
}
