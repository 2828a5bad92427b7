/**
 * The delivery itself: `concurrency` senders offer batches within the pacer's limits, a poller
 * fetches, applies and acknowledges verwerkingsberichten, a clock loop follows the target's clock,
 * and a progress loop reports. Per batch at most one send is out at a time, and a batch is offered
 * again only once every attempt the target confirmed has its verwerkingsbericht applied, so a
 * redelivery carries exactly the letters still open (TechnischProbleem, or an unknown outcome).
 *
 * Everything is bounded: it ends when every letter is final and every attempt accounted for, when
 * nothing moved for `stallTimeoutMs` (time the target asked us to wait, or the pacer planned, does
 * not count), on a fatal answer, or when the signal aborts.
 */
import { berichtenJson, renderBerichtenXml, type BatchInput } from '../berichten/index.ts';
import { HOUR } from '../clock/index.ts';
import type { HttpClient } from '../engine/client.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { deliverBatch, OIN_HEADER, transportReason } from './deliver-batch.ts';
import type { BatchRow, Ledger, StartedSend } from './ledger.ts';
import type { LetterLoader } from './letter-loader.ts';
import { Pacer } from './pacer.ts';
import { formatDuration } from './plan.ts';
import type { Reporter } from './reporter.ts';
import { readStatus, type TargetClock } from './target-clock.ts';
import { acknowledge, fetchVerwerkingsberichten } from './verwerkingsberichten.ts';

export interface DeliveryOptions {
  readonly ledger: Ledger;
  readonly loader: LetterLoader;
  readonly client: HttpClient;
  readonly clock: TargetClock;
  /** This afnemer's share of the norms, letters; burst: the largest batch. */
  readonly pacing: { readonly perHour: number; readonly perDay: number; readonly burst: number };
  readonly reporter: Reporter;
  readonly oin: string;
  readonly format: 'xml' | 'json';
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly stallTimeoutMs: number;
  /** Wait between empty verwerkingsbericht polls, wall ms. */
  readonly pollIntervalMs: number;
  readonly vbPageSize: number;
  readonly backoff: BackoffPolicy;
  /** AanmaakDatum is stamped this far before the target's now (sim ms), to stay clear of "in the future". */
  readonly aanmaakMarginSimMs: number;
  readonly random: () => number;
  readonly wallNow: () => number;
  readonly sleep: (wallMs: number) => Promise<void>;
  readonly signal: AbortSignal | undefined;
  /**
   * The plan for the letters still to send, from the target's now: wall ms until the last is
   * parked, and the plan's pace in letters per wall second. The ETA follows it (the norms), not the
   * recent rate, which swings with every 429 wait and verwerkingsbericht.
   */
  readonly planAhead?: ((toSend: number) => { readonly wallMs: number; readonly lettersPerWallSecond: number }) | undefined;
}

export type DeliveryEnd =
  | { readonly kind: 'done' }
  | { readonly kind: 'stalled'; readonly reason: string }
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'fatal'; readonly message: string };

/** Figures of this process's run (the ledger's counters hold those of every run). */
export interface DeliveryStats {
  sends: number;
  /** Sends of a batch after its first (after a refusal, an unknown outcome or TechnischProbleem). */
  resends: number;
  /** Accepted attempts after the first of their batch: redeliveries with the same IDs. */
  redeliveries: number;
  letterSends: number;
  accepted: number;
  admittedLetters: number;
  http429: number;
  http503: number;
  unknown: number;
  refusedLetters: number;
  verwerkingsberichten: number;
  retryAfterWaits: number;
  retryAfterWaitedMs: number;
  vbPollFailures: number;
  strayAttempts: number;
  unmatchedAnswers: number;
}

interface BatchState {
  readonly row: BatchRow;
  maxAttempt: number;
  unknownSends: number;
  open: number;
  readonly seen: Set<number>;
  inFlight: boolean;
  notBefore: number;
  failures: number;
}

/** A wake-up call for idle loops (a batch became sendable, the run stops). */
class Wake {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> = this.fresh();

  private fresh(): Promise<void> {
    return new Promise<void>((r) => { this.#resolve = r; });
  }

  get next(): Promise<void> {
    return this.#promise;
  }

  notify(): void {
    const r = this.#resolve;
    this.#promise = this.fresh();
    r?.();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Longest wait (wall) that does not count as a stall: a day and an hour, for a daily limit at speed 1. */
const MAX_EXCUSED_WAIT_MS = 25 * HOUR;
/** Wall seconds of sending before a pace below the plan's counts as the target's (not a slow start). */
const SLOWER_AFTER_S = 10;

export async function runDelivery(o: DeliveryOptions): Promise<{ end: DeliveryEnd; stats: DeliveryStats }> {
  const { ledger, reporter, wallNow } = o;
  const stats: DeliveryStats = {
    sends: 0, resends: 0, redeliveries: 0, letterSends: 0, accepted: 0, admittedLetters: 0, http429: 0, http503: 0, unknown: 0, refusedLetters: 0,
    verwerkingsberichten: 0, retryAfterWaits: 0, retryAfterWaitedMs: 0, vbPollFailures: 0, strayAttempts: 0, unmatchedAnswers: 0,
  };
  const unflushed: Record<string, number> = {};
  const count = (name: string, n = 1): void => { unflushed[name] = (unflushed[name] ?? 0) + n; };
  const flushCounters = (): void => {
    ledger.addCounters(unflushed);
    for (const k of Object.keys(unflushed)) delete unflushed[k];
  };

  // A crash left requests out whose outcome is unknown: check those batches for stray attempts at the end.
  ledger.markInterruptedSends();
  const open = ledger.openLetters();
  const seen = ledger.seenAttempts();
  const batches: BatchState[] = ledger.batches().map((row) => ({
    row, maxAttempt: row.maxAttempt, unknownSends: row.unknownSends, open: open.get(row.batchNo) ?? 0,
    seen: seen.get(row.batchNo) ?? new Set<number>(), inFlight: false, notBefore: 0, failures: 0,
  }));
  const byNo = new Map(batches.map((b) => [b.row.batchNo, b]));
  const candidates = new Set(batches.filter((b) => b.open > 0));
  const total = batches.reduce((a, b) => a + b.row.letters, 0);
  const admittedBefore = ledger.admittedLetters();
  const initial = ledger.counts();
  let processed = initial.byState.processed;
  let rejected = initial.byState.rejected;
  /** Accepted attempts whose verwerkingsbericht is still to come: letters, and when they are parked (sim). */
  const outstanding = new Map<string, { n: number; parkedAt: number | undefined }>();

  const awaiting = (b: BatchState): boolean => {
    for (let a = 1; a <= b.maxAttempt; a++) if (!b.seen.has(a)) return true;
    return false;
  };
  const isDone = (b: BatchState): boolean => b.open === 0 && !b.inFlight && !awaiting(b);
  const allDone = (): boolean => candidates.size === 0 && batches.every((b) => !b.inFlight && !awaiting(b));

  let stopping = false;
  let end: DeliveryEnd | undefined;
  let stoppedResolve!: () => void;
  const stopped = new Promise<void>((r) => { stoppedResolve = r; });
  const stop = (e: DeliveryEnd): void => {
    end ??= e;
    stopping = true;
    stoppedResolve();
    wake.notify();
  };
  const wake = new Wake();
  const onAbort = (): void => stop({ kind: 'interrupted' });
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) stop({ kind: 'interrupted' });

  /** Sleeps, but wakes early on notify or stop. */
  const idle = async (ms: number): Promise<void> => {
    if (stopping) return;
    await Promise.race([o.sleep(Math.max(1, ms)), wake.next]);
  };

  let progressAt = wallNow();
  let gateUntil = 0;
  /** Until when the pacer plans to wait (its waits are the plan, not a stall). */
  let plannedUntil = 0;
  const pacer = new Pacer({
    ...o.pacing, clock: o.clock,
    used: (kind, key) => ledger.window(kind, key),
    sleep: async (ms) => {
      plannedUntil = Math.max(plannedUntil, wallNow() + ms);
      await Promise.race([o.sleep(ms), stopped]);
    },
    stopped: () => stopping,
  });
  const progressed = (): void => { progressAt = wallNow(); };
  let clockStale = false;

  // ----- sending -----

  const render = (b: BatchState, s: StartedSend): { body: string | Buffer; contentType: string } => {
    if (b.row.source === 'xml' && s.whole && b.row.fileNo !== null) return { body: o.loader.xmlBytes(b.row.fileNo), contentType: 'application/xml' };
    const batch: BatchInput = {
      BatchInformatie: { BatchID: b.row.batchId, AanmaakDatum: s.aanmaakDatum, BerichtLeverancierID: b.row.leverancierId ?? o.oin },
      Bericht: s.letters.map((l) => o.loader.load(l.source)),
    };
    // The afnemer's own XML batches stay XML; formed ones go in the chosen format.
    if (o.format === 'json' && b.row.source === 'formed') return { body: JSON.stringify(berichtenJson(batch)), contentType: 'application/json' };
    return { body: renderBerichtenXml(batch), contentType: 'application/xml' };
  };

  const send = async (b: BatchState): Promise<void> => {
    const reservation = await pacer.acquire(b.open);
    if (!reservation) return;
    try {
      while (!stopping && wallNow() < gateUntil) await idle(gateUntil - wallNow());
      if (stopping) return;
      const stamp = new Date(o.clock.now() - o.aanmaakMarginSimMs).toISOString();
      const sentAt = Date.now();
      const started = ledger.startSend(b.row.batchNo, stamp, sentAt);
      // The ledger is the truth about what is open; keep the in-memory count in step with it.
      b.open = started?.letters.length ?? 0;
      if (!started) {
        candidates.delete(b);
        return;
      }
      const n = started.letters.length;
      const { body, contentType } = render(b, started);
      stats.sends++;
      stats.letterSends += n;
      if (started.sendNo > 1) stats.resends++;
      count('sends');
      const outcome = await deliverBatch(o.client, { oin: o.oin, body, contentType, timeoutMs: o.requestTimeoutMs, batchId: b.row.batchId }, wallNow);
      const windows: [string, string][] = [['hour', reservation.hourKey], ['day', reservation.dayKey]];
      const now = wallNow();
      // sentAt: when the request went out, answeredAt: when its answer came (wall clock; a wait runs
      // from there, before the ledger's write), so a reader can check the waits were kept.
      const base = { batch: b.row.batchId, send: started.sendNo, letters: n, sentAt: new Date(sentAt).toISOString(), answeredAt: new Date().toISOString() };
      switch (outcome.kind) {
        case 'accepted': {
          ledger.recordReceipt(b.row.batchNo, started.sendNo, outcome.attempt, n, windows);
          b.maxAttempt = Math.max(b.maxAttempt, outcome.attempt);
          b.failures = 0;
          stats.accepted++;
          stats.admittedLetters += n;
          count('accepted');
          if (outcome.attempt > 1) {
            stats.redeliveries++;
            count('redeliveries');
          }
          outstanding.set(`${b.row.batchNo}#${outcome.attempt}`, { n, parkedAt: outcome.parkedAt });
          progressed();
          reporter.event('send', { ...base, status: 202, attempt: outcome.attempt, redelivery: outcome.attempt > 1 });
          break;
        }
        case 'busy': {
          ledger.recordSendFailure(b.row.batchNo, started.sendNo, `bezet ${outcome.status}`, false, windows, n);
          b.failures++;
          const delay = backoffDelay(b.failures, outcome.retryAfterMs, o.random, o.backoff);
          b.notBefore = now + delay;
          if (outcome.status === 429) stats.http429++;
          else if (outcome.status === 503) stats.http503++;
          count(outcome.status === 0 ? 'connectFailures' : `http${outcome.status}`);
          if (outcome.retryAfterMs !== undefined) {
            // The whole intake said "not now": every sender waits, not only this batch's.
            gateUntil = Math.max(gateUntil, now + delay);
            stats.retryAfterWaits++;
            stats.retryAfterWaitedMs += delay;
            count('retryAfterWaits');
          }
          reporter.event('wait', { ...base, status: outcome.status, retryAfterMs: outcome.retryAfterMs ?? null, waitMs: Math.round(delay), reason: outcome.reason },
            `${outcome.status === 0 ? 'no connection' : outcome.status} for batch ${b.row.batchId}${outcome.retryAfterMs !== undefined ? ` (Retry-After ${outcome.retryAfterMs / 1000} s)` : ''}: waiting ${formatDuration(delay)} — ${outcome.reason.slice(0, 120)}`);
          break;
        }
        case 'unknown': {
          ledger.recordSendFailure(b.row.batchNo, started.sendNo, `onbekend: ${outcome.reason}`.slice(0, 300), true, windows, n);
          b.unknownSends++;
          b.failures++;
          const delay = backoffDelay(b.failures, outcome.retryAfterMs, o.random, o.backoff);
          b.notBefore = now + delay;
          stats.unknown++;
          count('unknownOutcomes');
          if (outcome.transport) clockStale = true;
          reporter.event('wait', { ...base, status: outcome.status ?? null, unknown: true, waitMs: Math.round(delay), reason: outcome.reason },
            `batch ${b.row.batchId}: outcome unknown (${outcome.reason.slice(0, 100)}); offering it again with the same IDs in ${formatDuration(delay)}`);
          break;
        }
        case 'refused': {
          if (outcome.field === 'BatchInformatie.AanmaakDatum' && /future/.test(outcome.rule ?? '') && !b.row.aanmaakExplicit) {
            // Our stamp, not the afnemer's date, was ahead of the target's clock: stamp again once the clock is re-read.
            ledger.restamp(b.row.batchNo, started.sendNo);
            b.failures++;
            const delay = backoffDelay(b.failures, undefined, o.random, o.backoff);
            b.notBefore = now + delay;
            clockStale = true;
            count('restamped');
            reporter.event('wait', { ...base, status: outcome.status, restamp: true, waitMs: Math.round(delay), reason: outcome.detail },
              `batch ${b.row.batchId}: our AanmaakDatum lay in the target's future (its clock went back?); stamping it again in ${formatDuration(delay)}`);
            break;
          }
          const k = ledger.refuseSend(b.row.batchNo, started.sendNo, outcome.code, outcome.detail);
          b.open -= k;
          if (b.open <= 0) candidates.delete(b);
          rejected += k;
          stats.refusedLetters += k;
          count('refusedLetters', k);
          progressed();
          reporter.event('refused', { ...base, status: outcome.status, code: outcome.code, detail: outcome.detail }, `batch ${b.row.batchId} refused whole: ${outcome.detail.slice(0, 200)}`);
          break;
        }
        case 'fatal':
          stop({ kind: 'fatal', message: `the target refuses this client: ${outcome.detail} — check --target and --afnemer` });
          break;
      }
    } finally {
      pacer.settle(reservation);
    }
  };

  const pick = (now: number): BatchState | undefined => {
    for (const b of candidates) {
      if (b.open <= 0) {
        candidates.delete(b);
        continue;
      }
      if (!b.inFlight && now >= b.notBefore && !awaiting(b)) return b;
    }
    return undefined;
  };

  const sender = async (): Promise<void> => {
    while (!stopping) {
      const now = wallNow();
      if (now < gateUntil) {
        await idle(gateUntil - now);
        continue;
      }
      const b = pick(now);
      if (!b) {
        if (candidates.size === 0) {
          await idle(1000);
          continue;
        }
        let next = Number.POSITIVE_INFINITY;
        for (const c of candidates) if (!c.inFlight && !awaiting(c)) next = Math.min(next, c.notBefore);
        await idle(Number.isFinite(next) ? Math.min(1000, next - now) : 1000);
        continue;
      }
      b.inFlight = true;
      try {
        await send(b);
      } catch (err) {
        stop({ kind: 'fatal', message: `sending batch ${b.row.batchId} failed: ${(err as Error).message}` });
      } finally {
        b.inFlight = false;
        wake.notify();
      }
    }
  };

  // ----- verwerkingsberichten -----

  const foreign = new Set<number>();
  const poller = async (): Promise<void> => {
    let cursor = 0;
    let failures = 0;
    while (!stopping) {
      const r = await fetchVerwerkingsberichten(o.client, { oin: o.oin, after: cursor, limit: o.vbPageSize, timeoutMs: o.requestTimeoutMs }, wallNow);
      if (!r.ok) {
        failures++;
        stats.vbPollFailures++;
        if (r.status === 401 || r.status === 403 || r.status === 404) {
          stop({ kind: 'fatal', message: `GET /berichtenbox/verwerkingsberichten answered ${r.reason}` });
          return;
        }
        if (r.status === undefined) clockStale = true;
        await idle(backoffDelay(failures, r.retryAfterMs, o.random, o.backoff));
        continue;
      }
      const ours: number[] = [];
      for (const item of r.items) {
        const applied = ledger.applyVerwerkingsbericht(item.batchId, item.attempt, item.letters);
        if (!applied.ours) {
          if (!foreign.has(item.id)) {
            foreign.add(item.id);
            reporter.event('foreign', { id: item.id, batch: item.batchId }, `verwerkingsbericht ${item.id} (batch ${item.batchId}) is not of this rehearsal; left unacknowledged`);
          }
          continue;
        }
        ours.push(item.id);
        if (applied.duplicate) continue;
        const b = byNo.get(applied.batchNo);
        if (b) {
          b.seen.add(item.attempt);
          b.maxAttempt = Math.max(b.maxAttempt, item.attempt);
          b.open -= applied.finalised;
          if (b.open <= 0) candidates.delete(b);
        }
        processed += applied.processedDelta;
        rejected += applied.rejectedDelta;
        outstanding.delete(`${applied.batchNo}#${item.attempt}`);
        stats.verwerkingsberichten++;
        stats.unmatchedAnswers += applied.unmatched;
        progressed();
        const codes: Record<string, number> = {};
        for (const l of item.letters) codes[l.code] = (codes[l.code] ?? 0) + 1;
        reporter.event('verwerkingsbericht', { id: item.id, batch: item.batchId, attempt: item.attempt, letters: item.letters.length, codes, retry: applied.retry });
        if (applied.unmatched > 0 || applied.duplicates > 0) {
          reporter.event('warning', { batch: item.batchId, attempt: item.attempt, unmatched: applied.unmatched, duplicates: applied.duplicates },
            `verwerkingsbericht for ${item.batchId} attempt ${item.attempt}: ${applied.unmatched} answers match no letter, ${applied.duplicates} letters answered Verwerkt twice`);
        }
      }
      if (ours.length > 0) {
        const ack = await acknowledge(o.client, { oin: o.oin, ids: ours, timeoutMs: o.requestTimeoutMs }, wallNow);
        if (!ack.ok) {
          // Not advancing: the same page comes again; applying it again changes nothing, then it is acknowledged.
          failures++;
          stats.vbPollFailures++;
          await idle(backoffDelay(failures, ack.retryAfterMs, o.random, o.backoff));
          continue;
        }
        count('acknowledged', ours.length);
        wake.notify();
      }
      failures = 0;
      const last = r.items.at(-1);
      if (last) cursor = last.id;
      if (r.items.length < o.vbPageSize) await idle(outstanding.size > 0 ? o.pollIntervalMs : o.pollIntervalMs * 5);
    }
  };

  // ----- the target's clock -----

  const clockLoop = async (): Promise<void> => {
    while (!stopping) {
      await Promise.race([o.sleep(clockStale ? 250 : 5_000), stopped]);
      if (stopping) return;
      const s = await readStatus(o.client, o.requestTimeoutMs, wallNow);
      if (!s) {
        clockStale = true;
        continue;
      }
      clockStale = false;
      const moved = o.clock.update(s);
      if (Math.abs(moved) > 60_000) {
        reporter.event('clock', { movedSimMs: Math.round(moved), now: new Date(o.clock.now()).toISOString(), speed: o.clock.speed },
          `the target's clock moved ${formatDuration(Math.abs(moved))} ${moved < 0 ? 'back' : 'ahead'} (sim); now ${new Date(o.clock.now()).toISOString()}`);
      }
    }
  };
  // ----- progress -----

  const startedAt = wallNow();
  /** When the first letter of this run was accepted: the average pace counts from there. */
  let firstAcceptedAt: number | undefined;
  const tick = (): void => {
    const now = wallNow();
    const openNow = batches.reduce((a, b) => a + Math.max(0, b.open), 0);
    const final = total - openNow;
    let withTarget = 0;
    let parked = 0;
    const simNow = o.clock.now();
    for (const w of outstanding.values()) {
      withTarget += w.n;
      if (w.parkedAt !== undefined && w.parkedAt <= simNow) parked += w.n;
    }
    // Letters accepted and awaiting their verwerkingsbericht need no sending; the rest do.
    const toSend = Math.max(0, openNow - withTarget);
    const sent = stats.admittedLetters;
    if (firstAcceptedAt === undefined && sent > 0) firstAcceptedAt = now;
    // This run's average pace (steady, unlike the recent rate, which swings with every wait).
    const sendingS = firstAcceptedAt === undefined ? 0 : (now - firstAcceptedAt) / 1000;
    const rate = sendingS > 0 ? sent / sendingS : 0;
    const ahead = o.planAhead?.(toSend);
    // The plan's pace; once the target has shown for a while that it cannot keep it, the run's average.
    const behind = ahead !== undefined && sendingS >= SLOWER_AFTER_S && rate > 0 && rate < 0.8 * ahead.lettersPerWallSecond;
    const etaMs = behind ? (toSend / rate) * 1000 : ahead?.wallMs ?? Number.NaN;
    const elapsed = now - startedAt;
    const pct = total ? ((final / total) * 100).toFixed(1) : '100';
    const pace = ahead ? ` · sending ${fmt(rate)} letters/s (the plan allows ${fmt(ahead.lettersPerWallSecond)})` : ` · sending ${fmt(rate)} letters/s`;
    const etaText = !Number.isFinite(etaMs) ? 'ETA —' : `ETA ${formatDuration(etaMs)} ${behind ? "at this run's pace (the target is slower than the plan)" : 'by the plan'}`;
    const trouble = [
      stats.redeliveries > 0 ? `${fmt(stats.redeliveries)} redelivered` : '',
      stats.http429 + stats.http503 > 0 ? `${fmt(stats.http429 + stats.http503)}× asked to wait (429/503)` : '',
      stats.unknown > 0 ? `${fmt(stats.unknown)}× no answer (offered again)` : '',
    ].filter(Boolean).join(', ');
    reporter.progress({
      elapsedMs: Math.round(elapsed), letters: total, final, open: openNow, toSend, withTarget, admitted: admittedBefore + stats.admittedLetters, awaiting: withTarget, parked,
      processed, rejected, lettersPerSecond: Math.round(rate * 10) / 10, etaMs: Number.isFinite(etaMs) ? Math.round(etaMs) : null, etaBasis: behind ? 'run-average' : 'plan',
      planLettersPerSecond: ahead ? Math.round(ahead.lettersPerWallSecond * 10) / 10 : null,
      sends: stats.sends, redeliveries: stats.redeliveries, http429: stats.http429, http503: stats.http503, unknown: stats.unknown,
      verwerkingsberichten: stats.verwerkingsberichten, targetNow: new Date(simNow).toISOString(),
    }, `[${formatDuration(elapsed)}] ${pct} % done: ${fmt(processed)} in the Berichtenbox, ${fmt(rejected)} rejected, of ${fmt(total)} · ${fmt(withTarget)} with the target, awaiting its verwerkingsbericht · ${fmt(toSend)} still to send${pace} · ${toSend === 0 && withTarget > 0 ? 'all sent, awaiting the last verwerkingsberichten' : etaText}${trouble ? ` · ${trouble}` : ''}`);
    flushCounters();
  };
  const progressLoop = async (): Promise<void> => {
    while (!stopping) {
      await Promise.race([o.sleep(1000), stopped]);
      tick();
    }
  };

  // ----- stray attempts -----

  /** Batches whose sends ended unknown may hold attempts we never heard of; ask the target (the mock's batch status). */
  const strayCheck = async (): Promise<void> => {
    for (const b of batches) {
      if (b.unknownSends === 0 || stopping) continue;
      for (let tries = 1; tries <= 5 && !stopping; tries++) {
        let res;
        try {
          res = await o.client.request({ method: 'GET', path: `/berichtenbox/batches/${encodeURIComponent(b.row.batchId)}`, headers: { [OIN_HEADER]: o.oin }, timeoutMs: o.requestTimeoutMs });
        } catch (err) {
          reporter.event('warning', { batch: b.row.batchId, reason: transportReason(err) });
          await idle(backoffDelay(tries, undefined, o.random, o.backoff));
          continue;
        }
        if (res.status === 404 || res.status === 405) break;
        if (res.status !== 200) {
          await idle(backoffDelay(tries, undefined, o.random, o.backoff));
          continue;
        }
        let attempt = 0;
        try {
          attempt = Number((JSON.parse(res.body) as { attempt?: unknown }).attempt) || 0;
        } catch {
          attempt = 0;
        }
        if (attempt > b.maxAttempt) {
          stats.strayAttempts += attempt - b.maxAttempt;
          reporter.event('stray', { batch: b.row.batchId, attempt, known: b.maxAttempt },
            `batch ${b.row.batchId}: the target holds attempt ${attempt}, we knew of ${b.maxAttempt}; awaiting its verwerkingsbericht`);
          ledger.confirmAttempt(b.row.batchNo, attempt);
          b.maxAttempt = attempt;
        }
        break;
      }
    }
  };

  // ----- run -----

  const loops = [
    ...Array.from({ length: o.concurrency }, () => sender()),
    poller(),
    ...(o.clock.source === 'status' ? [clockLoop()] : []),
    progressLoop(),
  ];
  let strayChecked = false;
  try {
    while (!stopping) {
      await idle(250);
      if (stopping) break;
      if (allDone()) {
        if (!strayChecked) {
          strayChecked = true;
          await strayCheck();
          continue;
        }
        stop({ kind: 'done' });
        break;
      }
      // Waits the target asked for or the plan foresaw do not count, up to a day (a daily limit's wait).
      const waitsUntil = Math.min(Math.max(gateUntil, plannedUntil), progressAt + MAX_EXCUSED_WAIT_MS);
      const deadline = Math.max(progressAt, waitsUntil) + o.stallTimeoutMs;
      if (wallNow() > deadline) {
        const waitingFor = batches.filter((b) => !isDone(b)).length;
        stop({ kind: 'stalled', reason: `nothing moved for ${formatDuration(o.stallTimeoutMs)}; ${waitingFor} batches not done (letters open or verwerkingsberichten missing)` });
      }
    }
  } finally {
    stopping = true;
    stoppedResolve();
    wake.notify();
    await Promise.allSettled(loops);
    o.signal?.removeEventListener('abort', onAbort);
    tick();
    reporter.clearLine();
    flushCounters();
  }
  return { end: end ?? { kind: 'done' }, stats };
}
