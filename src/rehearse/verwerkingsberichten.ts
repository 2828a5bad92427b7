/**
 * Fetching and acknowledging verwerkingsberichten (GET /berichtenbox/verwerkingsberichten, POST
 * …/ack), as JSON. An answer that is not a page (an error, a fault) is returned as such, with its
 * Retry-After, for the caller to back off.
 */
import { z } from 'zod';
import { VERWERKINGS_CODES } from '../berichten/index.ts';
import type { ClientResponse, HttpClient } from '../engine/client.ts';
import { parseRetryAfter } from './backoff.ts';
import { OIN_HEADER, transportReason } from './deliver-batch.ts';
import type { VbLetter } from './ledger.ts';

const letterSchema = z.object({
  BerichtID: z.string(),
  VerwerkingsCode: z.enum(VERWERKINGS_CODES),
  Toelichting: z.string().optional(),
});
const itemSchema = z.object({
  id: z.number().int(),
  attempt: z.number().int().positive(),
  BerichtVerwerkResponse: z.object({
    BatchInformatie: z.object({ BatchID: z.string() }),
    Berichten: z.object({ Bericht: z.union([z.array(letterSchema), letterSchema.transform((l) => [l])]) }),
  }),
});
const pageSchema = z.object({ items: z.array(itemSchema), nextCursor: z.number().nullable().optional() });

export interface Verwerkingsbericht {
  readonly id: number;
  readonly batchId: string;
  readonly attempt: number;
  readonly letters: readonly VbLetter[];
}

export type Failed = {
  readonly ok: false;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly reason: string;
};

/** A non-200 answer as a Failed: its status, the Retry-After it asks for and the start of its body. */
function refusedBy(res: ClientResponse, wallNow: () => number): Failed {
  return {
    ok: false,
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers['retry-after'], wallNow()),
    reason: `HTTP ${res.status} ${res.body.slice(0, 200)}`,
  };
}

export async function fetchVerwerkingsberichten(
  client: HttpClient,
  q: { oin: string; after: number; limit: number; timeoutMs: number },
  wallNow: () => number,
): Promise<{ readonly ok: true; readonly items: Verwerkingsbericht[] } | Failed> {
  let res;
  try {
    res = await client.request({
      method: 'GET',
      path: `/berichtenbox/verwerkingsberichten?after=${q.after}&limit=${q.limit}`,
      headers: { [OIN_HEADER]: q.oin, accept: 'application/json' },
      timeoutMs: q.timeoutMs,
    });
  } catch (err) {
    return { ok: false, status: undefined, retryAfterMs: undefined, reason: transportReason(err) };
  }
  if (res.status !== 200) return refusedBy(res, wallNow);
  let page;
  try {
    page = pageSchema.safeParse(JSON.parse(res.body));
  } catch (err) {
    return {
      ok: false,
      status: res.status,
      retryAfterMs: undefined,
      reason: `unreadable page: ${(err as Error).message}`,
    };
  }
  if (!page.success)
    return {
      ok: false,
      status: res.status,
      retryAfterMs: undefined,
      reason: `unexpected page: ${page.error.issues[0]?.message ?? ''}`,
    };
  return {
    ok: true,
    items: page.data.items.map((i) => ({
      id: i.id,
      attempt: i.attempt,
      batchId: i.BerichtVerwerkResponse.BatchInformatie.BatchID,
      letters: i.BerichtVerwerkResponse.Berichten.Bericht.map((l) => ({
        berichtId: l.BerichtID,
        code: l.VerwerkingsCode,
        toelichting: l.Toelichting ?? '',
      })),
    })),
  };
}

export async function acknowledge(
  client: HttpClient,
  q: { oin: string; ids: readonly number[]; timeoutMs: number },
  wallNow: () => number,
): Promise<{ readonly ok: true } | Failed> {
  let res;
  try {
    res = await client.request({
      method: 'POST',
      path: '/berichtenbox/verwerkingsberichten/ack',
      body: JSON.stringify({ ids: q.ids }),
      timeoutMs: q.timeoutMs,
      headers: { [OIN_HEADER]: q.oin, 'content-type': 'application/json' },
    });
  } catch (err) {
    return { ok: false, status: undefined, retryAfterMs: undefined, reason: transportReason(err) };
  }
  if (res.status !== 200) return refusedBy(res, wallNow);
  return { ok: true };
}
