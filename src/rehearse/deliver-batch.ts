/**
 * One POST /berichtenbox/afleveren and what its answer means for the letters in it:
 *  - accepted (202): committed by the target; the verwerkingsbericht of this attempt will follow;
 *  - busy (429, 503, or no connection at all): refused before anything was stored; offer again
 *    after Retry-After (or the back-off);
 *  - unknown (timeout, connection lost, other 5xx, an unreadable 202): may or may not be stored;
 *    offer again with the same IDs (redelivery is idempotent: stored letters answer BerichtBestaatAl);
 *  - refused (400, 413): the batch is refused whole, for good; its letters are rejected;
 *  - fatal (401, 403, 404, 415, …): the target does not accept this client at all; stop.
 */
import { z } from 'zod';
import { VERWERKINGS_CODES, type VerwerkingsCode } from '../berichten/index.ts';
import { ClientConnectError, type HttpClient } from '../engine/client.ts';
import { CodedError } from '../errors/error-codes.ts';
import { parseRetryAfter } from './backoff.ts';

export type SendOutcome =
  | {
      readonly kind: 'accepted';
      readonly attempt: number;
      readonly letters: number;
      readonly parkedAt: number | undefined;
      readonly processedAt: number | undefined;
    }
  | {
      readonly kind: 'busy';
      readonly status: number;
      readonly retryAfterMs: number | undefined;
      readonly reason: string;
    }
  | {
      readonly kind: 'unknown';
      readonly status: number | undefined;
      readonly retryAfterMs: number | undefined;
      readonly reason: string;
      readonly transport: boolean;
    }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly code: VerwerkingsCode;
      readonly detail: string;
      readonly field: string | undefined;
      readonly rule: string | undefined;
    }
  | { readonly kind: 'fatal'; readonly status: number; readonly detail: string };

const receiptSchema = z.object({
  BatchID: z.string(),
  attempt: z.number().int().positive(),
  letters: z.number().int().nonnegative(),
  expectedParkedAt: z.string().optional(),
  expectedProcessedAt: z.string().optional(),
});

const problemSchema = z
  .object({
    detail: z.string().optional(),
    code: z.string().optional(),
    serviceCode: z.string().optional(),
    field: z.string().optional(),
    rule: z.string().optional(),
  })
  .partial();

export const OIN_HEADER = 'x-afnemer-oin';
export const AFLEVEREN_PATH = '/berichtenbox/afleveren';

function problemOf(body: string): z.infer<typeof problemSchema> {
  try {
    const p = problemSchema.safeParse(JSON.parse(body));
    return p.success ? p.data : {};
  } catch {
    return {};
  }
}

function describe(status: number, body: string): string {
  const p = problemOf(body);
  const parts = [`HTTP ${status}`, p.code, p.detail ?? body.slice(0, 200)].filter((x) => x !== undefined && x !== '');
  return parts.join(' ');
}

/** A thrown client error in a few words (undici codes, abort/timeout). */
export function transportReason(err: unknown): string {
  // Our own errors by name (TimeoutError), as their codes are the catalogue's, not the transport's.
  if (err instanceof ClientConnectError) return err.connectCode;
  if (err instanceof CodedError) return err.name;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  return String(e.code ?? e.cause?.code ?? e.name ?? e.message ?? err);
}

export async function deliverBatch(
  client: HttpClient,
  req: { oin: string; body: string | Buffer; contentType: string; timeoutMs: number; batchId: string },
  wallNow: () => number,
): Promise<SendOutcome> {
  let res;
  try {
    res = await client.request({
      method: 'POST',
      path: AFLEVEREN_PATH,
      body: req.body,
      timeoutMs: req.timeoutMs,
      headers: { 'content-type': req.contentType, [OIN_HEADER]: req.oin },
    });
  } catch (err) {
    // Never connected: nothing was sent, so it is a wait-and-retry, not an unknown outcome to redeliver.
    if (err instanceof ClientConnectError)
      return { kind: 'busy', status: 0, retryAfterMs: undefined, reason: `could not connect (${err.connectCode})` };
    return {
      kind: 'unknown',
      status: undefined,
      retryAfterMs: undefined,
      reason: transportReason(err),
      transport: true,
    };
  }
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], wallNow());
  const { status } = res;
  if (status === 202) {
    let receipt;
    try {
      receipt = receiptSchema.safeParse(JSON.parse(res.body));
    } catch {
      receipt = undefined;
    }
    if (!receipt?.success || receipt.data.BatchID.toLowerCase() !== req.batchId.toLowerCase()) {
      return {
        kind: 'unknown',
        status,
        retryAfterMs: undefined,
        reason: `202 without a readable receipt for ${req.batchId}`,
        transport: false,
      };
    }
    const at = (s: string | undefined): number | undefined => (s === undefined ? undefined : Date.parse(s));
    return {
      kind: 'accepted',
      attempt: receipt.data.attempt,
      letters: receipt.data.letters,
      parkedAt: at(receipt.data.expectedParkedAt),
      processedAt: at(receipt.data.expectedProcessedAt),
    };
  }
  if (status === 429 || status === 503)
    return { kind: 'busy', status, retryAfterMs, reason: describe(status, res.body) };
  if (status >= 500)
    return { kind: 'unknown', status, retryAfterMs, reason: describe(status, res.body), transport: false };
  if (status === 400 || status === 413) {
    const p = problemOf(res.body);
    const code = (VERWERKINGS_CODES as readonly string[]).includes(p.serviceCode ?? '')
      ? (p.serviceCode as VerwerkingsCode)
      : 'XmlValidatieTegenXsdValtNegatiefUit';
    const where = [p.field, p.rule ? `rule: ${p.rule}` : undefined].filter(Boolean).join(', ');
    return {
      kind: 'refused',
      status,
      code,
      detail: `batch refused whole (${describe(status, res.body)}${where ? `; ${where}` : ''})`,
      field: p.field,
      rule: p.rule,
    };
  }
  return { kind: 'fatal', status, detail: describe(status, res.body) };
}
