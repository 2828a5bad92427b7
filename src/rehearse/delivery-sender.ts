import { berichtenJson, renderBerichtenXml, type BatchInput } from '../berichten/index.ts';
import { backoffDelay } from './backoff.ts';
import { deliverBatch, type SendOutcome } from './deliver-batch.ts';
import type { BatchState, DeliveryOptions, DeliveryState } from './delivery-state.ts';
import type { StartedSend } from './ledger.ts';
import type { Pacer } from './pacer.ts';
import { formatDuration } from './plan.ts';

/** The body of a send: the afnemer's own XML file when it goes whole, else the open letters rendered. */
function render(o: DeliveryOptions, b: BatchState, s: StartedSend): { body: string | Buffer; contentType: string } {
  if (b.row.source === 'xml' && s.whole && b.row.fileNo !== null)
    return { body: o.loader.xmlBytes(b.row.fileNo), contentType: 'application/xml' };
  const batch: BatchInput = {
    BatchInformatie: {
      BatchID: b.row.batchId,
      AanmaakDatum: s.aanmaakDatum,
      BerichtLeverancierID: b.row.leverancierId ?? o.oin,
    },
    Bericht: s.letters.map((l) => o.loader.load(l.source)),
  };
  // The afnemer's own XML batches stay XML; formed ones go in the chosen format.
  if (o.format === 'json' && b.row.source === 'formed')
    return { body: JSON.stringify(berichtenJson(batch)), contentType: 'application/json' };
  return { body: renderBerichtenXml(batch), contentType: 'application/xml' };
}

/** What one send's answer is written with: the batch, the send, its letters and window keys, and when. */
interface Answered {
  readonly b: BatchState;
  readonly started: StartedSend;
  readonly n: number;
  readonly windows: [string, string][];
  readonly now: number;
  readonly base: { batch: string; send: number; letters: number; sentAt: string; answeredAt: string };
}

/** Sends of batches, `concurrency` at a time: each takes a batch that may go, offers it within the pacer's limits, and records the answer. */
export class DeliverySender {
  constructor(
    private readonly o: DeliveryOptions,
    private readonly st: DeliveryState,
    private readonly pacer: Pacer,
  ) {}

  /** One sender: until the run stops, the next sendable batch, or an idle wait until one may be. */
  async loop(): Promise<void> {
    const { st } = this;
    while (!st.stopping) {
      const now = this.o.wallNow();
      if (now < st.gateUntil) {
        await st.idle(st.gateUntil - now);
        continue;
      }
      const b = st.pick(now);
      if (!b) {
        if (st.candidates.size === 0) {
          await st.idle(1000);
          continue;
        }
        let next = Number.POSITIVE_INFINITY;
        for (const c of st.candidates) if (!c.inFlight && !st.awaiting(c)) next = Math.min(next, c.notBefore);
        await st.idle(Number.isFinite(next) ? Math.min(1000, next - now) : 1000);
        continue;
      }
      b.inFlight = true;
      try {
        await this.send(b);
      } catch (err) {
        st.stop({ kind: 'fatal', message: `sending batch ${b.row.batchId} failed: ${(err as Error).message}` });
      } finally {
        b.inFlight = false;
        st.notify();
      }
    }
  }

  private async send(b: BatchState): Promise<void> {
    const { o, st } = this;
    const reservation = await this.pacer.acquire(b.open);
    if (!reservation) return;
    try {
      while (!st.stopping && o.wallNow() < st.gateUntil) await st.idle(st.gateUntil - o.wallNow());
      if (st.stopping) return;
      const stamp = new Date(o.clock.now() - o.aanmaakMarginSimMs).toISOString();
      const sentAt = Date.now();
      const started = o.ledger.startSend(b.row.batchNo, stamp, sentAt);
      // The ledger is the truth about what is open; keep the in-memory count in step with it.
      b.open = started?.letters.length ?? 0;
      if (!started) {
        st.candidates.delete(b);
        return;
      }
      const n = started.letters.length;
      const { body, contentType } = render(o, b, started);
      st.stats.sends++;
      st.stats.letterSends += n;
      if (started.sendNo > 1) st.stats.resends++;
      st.count('sends');
      const outcome = await deliverBatch(
        o.client,
        { oin: o.oin, body, contentType, timeoutMs: o.requestTimeoutMs, batchId: b.row.batchId },
        o.wallNow,
      );
      const windows: [string, string][] = [
        ['hour', reservation.hourKey],
        ['day', reservation.dayKey],
      ];
      const now = o.wallNow();
      // sentAt: when the request went out, answeredAt: when its answer came (wall clock; a wait runs
      // from there, before the ledger's write), so a reader can check the waits were kept.
      const base = {
        batch: b.row.batchId,
        send: started.sendNo,
        letters: n,
        sentAt: new Date(sentAt).toISOString(),
        answeredAt: new Date().toISOString(),
      };
      this.record(outcome, { b, started, n, windows, now, base });
    } finally {
      this.pacer.settle(reservation);
    }
  }

  /** The answer to a send, into the ledger, the batch, the figures and the report. */
  private record(outcome: SendOutcome, a: Answered): void {
    const { o, st } = this;
    const { b, started, n, windows, now, base } = a;
    switch (outcome.kind) {
      case 'accepted': {
        o.ledger.recordReceipt(b.row.batchNo, started.sendNo, outcome.attempt, n, windows);
        b.maxAttempt = Math.max(b.maxAttempt, outcome.attempt);
        b.failures = 0;
        st.stats.accepted++;
        st.stats.admittedLetters += n;
        st.count('accepted');
        if (outcome.attempt > 1) {
          st.stats.redeliveries++;
          st.count('redeliveries');
        }
        st.outstanding.set(`${b.row.batchNo}#${outcome.attempt}`, { n, parkedAt: outcome.parkedAt });
        st.progressed();
        o.reporter.event('send', { ...base, status: 202, attempt: outcome.attempt, redelivery: outcome.attempt > 1 });
        break;
      }
      case 'busy': {
        o.ledger.recordSendFailure(b.row.batchNo, started.sendNo, `bezet ${outcome.status}`, false, windows, n);
        b.failures++;
        const delay = backoffDelay(b.failures, outcome.retryAfterMs, o.random, o.backoff);
        b.notBefore = now + delay;
        if (outcome.status === 429) st.stats.http429++;
        else if (outcome.status === 503) st.stats.http503++;
        st.count(outcome.status === 0 ? 'connectFailures' : `http${outcome.status}`);
        if (outcome.retryAfterMs !== undefined) {
          // The whole intake said "not now": every sender waits, not only this batch's.
          st.gateUntil = Math.max(st.gateUntil, now + delay);
          st.stats.retryAfterWaits++;
          st.stats.retryAfterWaitedMs += delay;
          st.count('retryAfterWaits');
        }
        o.reporter.event(
          'wait',
          {
            ...base,
            status: outcome.status,
            retryAfterMs: outcome.retryAfterMs ?? null,
            waitMs: Math.round(delay),
            reason: outcome.reason,
          },
          `${outcome.status === 0 ? 'no connection' : outcome.status} for batch ${b.row.batchId}${outcome.retryAfterMs !== undefined ? ` (Retry-After ${outcome.retryAfterMs / 1000} s)` : ''}: waiting ${formatDuration(delay)} — ${outcome.reason.slice(0, 120)}`,
        );
        break;
      }
      case 'unknown': {
        o.ledger.recordSendFailure(
          b.row.batchNo,
          started.sendNo,
          `onbekend: ${outcome.reason}`.slice(0, 300),
          true,
          windows,
          n,
        );
        b.unknownSends++;
        b.failures++;
        const delay = backoffDelay(b.failures, outcome.retryAfterMs, o.random, o.backoff);
        b.notBefore = now + delay;
        st.stats.unknown++;
        st.count('unknownOutcomes');
        if (outcome.transport) st.clockStale = true;
        o.reporter.event(
          'wait',
          { ...base, status: outcome.status ?? null, unknown: true, waitMs: Math.round(delay), reason: outcome.reason },
          `batch ${b.row.batchId}: outcome unknown (${outcome.reason.slice(0, 100)}); offering it again with the same IDs in ${formatDuration(delay)}`,
        );
        break;
      }
      case 'refused': {
        if (
          outcome.field === 'BatchInformatie.AanmaakDatum' &&
          /future/.test(outcome.rule ?? '') &&
          !b.row.aanmaakExplicit
        ) {
          // Our stamp, not the afnemer's date, was ahead of the target's clock: stamp again once the clock is re-read.
          o.ledger.restamp(b.row.batchNo, started.sendNo);
          b.failures++;
          const delay = backoffDelay(b.failures, undefined, o.random, o.backoff);
          b.notBefore = now + delay;
          st.clockStale = true;
          st.count('restamped');
          o.reporter.event(
            'wait',
            { ...base, status: outcome.status, restamp: true, waitMs: Math.round(delay), reason: outcome.detail },
            `batch ${b.row.batchId}: our AanmaakDatum lay in the target's future (its clock went back?); stamping it again in ${formatDuration(delay)}`,
          );
          break;
        }
        const k = o.ledger.refuseSend(b.row.batchNo, started.sendNo, outcome.code, outcome.detail);
        b.open -= k;
        if (b.open <= 0) st.candidates.delete(b);
        st.rejected += k;
        st.stats.refusedLetters += k;
        st.count('refusedLetters', k);
        st.progressed();
        o.reporter.event(
          'refused',
          { ...base, status: outcome.status, code: outcome.code, detail: outcome.detail },
          `batch ${b.row.batchId} refused whole: ${outcome.detail.slice(0, 200)}`,
        );
        break;
      }
      case 'fatal':
        st.stop({
          kind: 'fatal',
          message: `the target refuses this client: ${outcome.detail} — check --target and --afnemer`,
        });
        break;
    }
  }
}
