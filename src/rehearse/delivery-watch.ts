import { backoffDelay } from './backoff.ts';
import { OIN_HEADER, transportReason } from './deliver-batch.ts';
import type { DeliveryOptions, DeliveryState } from './delivery-state.ts';
import { formatDuration } from './plan.ts';
import { readStatus } from './target-clock.ts';

/** Follows the target's clock from its /status: every 5 s, or every 250 ms while it is stale. */
export async function followTargetClock(o: DeliveryOptions, st: DeliveryState): Promise<void> {
  while (!st.stopping) {
    await Promise.race([o.sleep(st.clockStale ? 250 : 5_000), st.stopped]);
    if (st.stopping) return;
    const s = await readStatus(o.client, o.requestTimeoutMs, o.wallNow);
    if (!s) {
      st.clockStale = true;
      continue;
    }
    st.clockStale = false;
    const moved = o.clock.update(s);
    if (Math.abs(moved) > 60_000) {
      o.reporter.event(
        'clock',
        { movedSimMs: Math.round(moved), now: new Date(o.clock.now()).toISOString(), speed: o.clock.speed },
        `the target's clock moved ${formatDuration(Math.abs(moved))} ${moved < 0 ? 'back' : 'ahead'} (sim); now ${new Date(o.clock.now()).toISOString()}`,
      );
    }
  }
}

/** Batches whose sends ended unknown may hold attempts we never heard of; ask the target (the mock's batch status). */
export async function checkStrayAttempts(o: DeliveryOptions, st: DeliveryState): Promise<void> {
  for (const b of st.batches) {
    if (b.unknownSends === 0 || st.stopping) continue;
    for (let tries = 1; tries <= 5 && !st.stopping; tries++) {
      let res;
      try {
        res = await o.client.request({
          method: 'GET',
          path: `/berichtenbox/batches/${encodeURIComponent(b.row.batchId)}`,
          headers: { [OIN_HEADER]: o.oin },
          timeoutMs: o.requestTimeoutMs,
        });
      } catch (err) {
        o.reporter.event('warning', { batch: b.row.batchId, reason: transportReason(err) });
        await st.idle(backoffDelay(tries, undefined, o.random, o.backoff));
        continue;
      }
      if (res.status === 404 || res.status === 405) break;
      if (res.status !== 200) {
        await st.idle(backoffDelay(tries, undefined, o.random, o.backoff));
        continue;
      }
      let attempt = 0;
      try {
        attempt = Number((JSON.parse(res.body) as { attempt?: unknown }).attempt) || 0;
      } catch {
        attempt = 0;
      }
      if (attempt > b.maxAttempt) {
        st.stats.strayAttempts += attempt - b.maxAttempt;
        o.reporter.event(
          'stray',
          { batch: b.row.batchId, attempt, known: b.maxAttempt },
          `batch ${b.row.batchId}: the target holds attempt ${attempt}, we knew of ${b.maxAttempt}; awaiting its verwerkingsbericht`,
        );
        o.ledger.confirmAttempt(b.row.batchNo, attempt);
        b.maxAttempt = attempt;
      }
      break;
    }
  }
}
