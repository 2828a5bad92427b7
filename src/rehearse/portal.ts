/**
 * The mock's leveranciersportaal as a cross-check: per afnemer, totals over all days of offered,
 * processed and rejected per code. Rehearse reads it before its first send and at the end; the
 * difference is what the target counted for this rehearsal.
 */
import { z } from 'zod';
import { VERWERKINGS_CODES, type VerwerkingsCode } from '../berichten/index.ts';
import type { HttpClient } from '../engine/client.ts';

const rowSchema = z.object({ offered: z.number(), processed: z.number(), rejected: z.record(z.string(), z.number()) });
const portalSchema = z.object({ rows: z.array(rowSchema) });

export interface PortalTotals {
  readonly offered: number;
  readonly processed: number;
  readonly rejected: Partial<Record<VerwerkingsCode, number>>;
}

export type PortalReading =
  | { readonly ok: true; readonly totals: PortalTotals }
  | { readonly ok: false; readonly status: number | undefined; readonly reason: string };

export async function readPortal(client: HttpClient, oin: string, timeoutMs: number): Promise<PortalReading> {
  let res;
  try {
    res = await client.request({
      method: 'GET',
      path: `/berichtenbox/portaal.json?afnemer=${oin}`,
      headers: { 'x-afnemer-oin': oin },
      timeoutMs,
    });
  } catch (err) {
    return { ok: false, status: undefined, reason: (err as Error).message };
  }
  if (res.status !== 200) return { ok: false, status: res.status, reason: `HTTP ${res.status}` };
  let parsed;
  try {
    parsed = portalSchema.safeParse(JSON.parse(res.body));
  } catch {
    return { ok: false, status: res.status, reason: 'not JSON' };
  }
  if (!parsed.success) return { ok: false, status: res.status, reason: 'not a leveranciersportaal page' };
  const rejected: Partial<Record<VerwerkingsCode, number>> = {};
  let offered = 0;
  let processed = 0;
  for (const r of parsed.data.rows) {
    offered += r.offered;
    processed += r.processed;
    for (const [code, n] of Object.entries(r.rejected)) {
      if ((VERWERKINGS_CODES as readonly string[]).includes(code))
        rejected[code as VerwerkingsCode] = (rejected[code as VerwerkingsCode] ?? 0) + n;
    }
  }
  return { ok: true, totals: { offered, processed, rejected } };
}
