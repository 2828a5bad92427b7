import { backoffDelay } from './backoff.ts';
import type { DeliveryOptions, DeliveryState } from './delivery-state.ts';
import { acknowledge, fetchVerwerkingsberichten } from './verwerkingsberichten.ts';

/**
 * The verwerkingsberichten loop: fetches a page after the cursor, applies each of ours to the
 * ledger and the batch, acknowledges them, and advances. Others' verwerkingsberichten are named once
 * and left unacknowledged. 401/403/404 ends the run; other failures back off.
 */
export async function pollVerwerkingsberichten(o: DeliveryOptions, st: DeliveryState): Promise<void> {
  const { ledger, reporter, wallNow } = o;
  const foreign = new Set<number>();
  let cursor = 0;
  let failures = 0;
  while (!st.stopping) {
    const r = await fetchVerwerkingsberichten(
      o.client,
      { oin: o.oin, after: cursor, limit: o.vbPageSize, timeoutMs: o.requestTimeoutMs },
      wallNow,
    );
    if (!r.ok) {
      failures++;
      st.stats.vbPollFailures++;
      if (r.status === 401 || r.status === 403 || r.status === 404) {
        st.stop({ kind: 'fatal', message: `GET /berichtenbox/verwerkingsberichten answered ${r.reason}` });
        return;
      }
      if (r.status === undefined) st.clockStale = true;
      await st.idle(backoffDelay(failures, r.retryAfterMs, o.random, o.backoff));
      continue;
    }
    const ours: number[] = [];
    for (const item of r.items) {
      const applied = ledger.applyVerwerkingsbericht(item.batchId, item.attempt, item.letters);
      if (!applied.ours) {
        if (!foreign.has(item.id)) {
          foreign.add(item.id);
          reporter.event(
            'foreign',
            { id: item.id, batch: item.batchId },
            `verwerkingsbericht ${item.id} (batch ${item.batchId}) is not of this rehearsal; left unacknowledged`,
          );
        }
        continue;
      }
      ours.push(item.id);
      if (applied.duplicate) continue;
      const b = st.byNo.get(applied.batchNo);
      if (b) {
        b.seen.add(item.attempt);
        b.maxAttempt = Math.max(b.maxAttempt, item.attempt);
        b.open -= applied.finalised;
        if (b.open <= 0) st.candidates.delete(b);
      }
      st.processed += applied.processedDelta;
      st.rejected += applied.rejectedDelta;
      st.outstanding.delete(`${applied.batchNo}#${item.attempt}`);
      st.stats.verwerkingsberichten++;
      st.stats.unmatchedAnswers += applied.unmatched;
      st.progressed();
      const codes: Record<string, number> = {};
      for (const l of item.letters) codes[l.code] = (codes[l.code] ?? 0) + 1;
      reporter.event('verwerkingsbericht', {
        id: item.id,
        batch: item.batchId,
        attempt: item.attempt,
        letters: item.letters.length,
        codes,
        retry: applied.retry,
      });
      if (applied.unmatched > 0 || applied.duplicates > 0) {
        reporter.event(
          'warning',
          { batch: item.batchId, attempt: item.attempt, unmatched: applied.unmatched, duplicates: applied.duplicates },
          `verwerkingsbericht for ${item.batchId} attempt ${item.attempt}: ${applied.unmatched} answers match no letter, ${applied.duplicates} letters answered Verwerkt twice`,
        );
      }
    }
    if (ours.length > 0) {
      const ack = await acknowledge(o.client, { oin: o.oin, ids: ours, timeoutMs: o.requestTimeoutMs }, wallNow);
      if (!ack.ok) {
        // Not advancing: the same page comes again; applying it again changes nothing, then it is acknowledged.
        failures++;
        st.stats.vbPollFailures++;
        await st.idle(backoffDelay(failures, ack.retryAfterMs, o.random, o.backoff));
        continue;
      }
      st.count('acknowledged', ours.length);
      st.notify();
    }
    failures = 0;
    const last = r.items.at(-1);
    if (last) cursor = last.id;
    if (r.items.length < o.vbPageSize) await st.idle(st.outstanding.size > 0 ? o.pollIntervalMs : o.pollIntervalMs * 5);
  }
}
