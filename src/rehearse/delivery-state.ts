import { HOUR } from '../clock/index.ts';
import type { HttpClient } from '../engine/client.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { BatchRow, Ledger } from './ledger.ts';
import type { LetterLoader } from './letter-loader.ts';
import type { Reporter } from './reporter.ts';
import type { TargetClock } from './target-clock.ts';

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
  readonly planAhead?:
    | ((toSend: number) => { readonly wallMs: number; readonly lettersPerWallSecond: number })
    | undefined;
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

/** One batch as the delivery sees it; the ledger holds the truth, this keeps it in step in memory. */
export interface BatchState {
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
    return new Promise<void>((r) => {
      this.#resolve = r;
    });
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

/** Longest wait (wall) that does not count as a stall: a day and an hour, for a daily limit at speed 1. */
const MAX_EXCUSED_WAIT_MS = 25 * HOUR;

/**
 * What the loops of a delivery share: the batches and their counts, this run's figures, the waits
 * that excuse a stall, and stopping. Read from the ledger once at the start; each loop keeps it in step.
 */
export class DeliveryState {
  readonly stats: DeliveryStats = {
    sends: 0,
    resends: 0,
    redeliveries: 0,
    letterSends: 0,
    accepted: 0,
    admittedLetters: 0,
    http429: 0,
    http503: 0,
    unknown: 0,
    refusedLetters: 0,
    verwerkingsberichten: 0,
    retryAfterWaits: 0,
    retryAfterWaitedMs: 0,
    vbPollFailures: 0,
    strayAttempts: 0,
    unmatchedAnswers: 0,
  };
  readonly batches: readonly BatchState[];
  readonly byNo: ReadonlyMap<number, BatchState>;
  /** Batches with letters open (sendable once their attempts are answered and their wait is over). */
  readonly candidates: Set<BatchState>;
  /** Letters of the whole rehearsal, and those admitted by earlier runs. */
  readonly total: number;
  readonly admittedBefore: number;
  processed: number;
  rejected: number;
  /** Accepted attempts whose verwerkingsbericht is still to come: letters, and when they are parked (sim). */
  readonly outstanding = new Map<string, { n: number; parkedAt: number | undefined }>();
  /** When something last moved (wall): the stall timeout counts from here. */
  progressAt: number;
  /** Until when the whole intake said "not now" (Retry-After): every sender waits. */
  gateUntil = 0;
  /** Until when the pacer plans to wait (its waits are the plan, not a stall). */
  plannedUntil = 0;
  /** The target's clock needs reading again soon (a transport failure, a stamp in its future). */
  clockStale = false;
  stopping = false;
  end: DeliveryEnd | undefined;
  /** Resolves once the run stops. */
  readonly stopped: Promise<void>;
  readonly #unflushed: Record<string, number> = {};
  readonly #wake = new Wake();
  #stoppedResolve!: () => void;

  constructor(private readonly o: DeliveryOptions) {
    const { ledger } = o;
    // A crash left requests out whose outcome is unknown: check those batches for stray attempts at the end.
    ledger.markInterruptedSends();
    const open = ledger.openLetters();
    const seen = ledger.seenAttempts();
    this.batches = ledger.batches().map((row) => ({
      row,
      maxAttempt: row.maxAttempt,
      unknownSends: row.unknownSends,
      open: open.get(row.batchNo) ?? 0,
      seen: seen.get(row.batchNo) ?? new Set<number>(),
      inFlight: false,
      notBefore: 0,
      failures: 0,
    }));
    this.byNo = new Map(this.batches.map((b) => [b.row.batchNo, b]));
    this.candidates = new Set(this.batches.filter((b) => b.open > 0));
    this.total = this.batches.reduce((a, b) => a + b.row.letters, 0);
    this.admittedBefore = ledger.admittedLetters();
    const initial = ledger.counts();
    this.processed = initial.byState.processed;
    this.rejected = initial.byState.rejected;
    this.stopped = new Promise<void>((r) => {
      this.#stoppedResolve = r;
    });
    this.progressAt = o.wallNow();
  }

  /** A counter for the ledger, written with the next flush (once a second). */
  count(name: string, n = 1): void {
    this.#unflushed[name] = (this.#unflushed[name] ?? 0) + n;
  }

  flushCounters(): void {
    this.o.ledger.addCounters(this.#unflushed);
    for (const k of Object.keys(this.#unflushed)) delete this.#unflushed[k];
  }

  /** An attempt the target confirmed still lacks its verwerkingsbericht. */
  awaiting(b: BatchState): boolean {
    for (let a = 1; a <= b.maxAttempt; a++) if (!b.seen.has(a)) return true;
    return false;
  }

  isDone(b: BatchState): boolean {
    return b.open === 0 && !b.inFlight && !this.awaiting(b);
  }

  allDone(): boolean {
    return this.candidates.size === 0 && this.batches.every((b) => !b.inFlight && !this.awaiting(b));
  }

  /** A batch that may be sent now: letters open, none of it in flight, its wait over, every attempt answered. */
  pick(now: number): BatchState | undefined {
    for (const b of this.candidates) {
      if (b.open <= 0) {
        this.candidates.delete(b);
        continue;
      }
      if (!b.inFlight && now >= b.notBefore && !this.awaiting(b)) return b;
    }
    return undefined;
  }

  /** Letters were finalised or accepted: the stall timeout starts again. */
  progressed(): void {
    this.progressAt = this.o.wallNow();
  }

  /** When the run counts as stalled: waits the target asked for or the plan foresaw do not count, up to a day. */
  stallDeadline(): number {
    const waitsUntil = Math.min(Math.max(this.gateUntil, this.plannedUntil), this.progressAt + MAX_EXCUSED_WAIT_MS);
    return Math.max(this.progressAt, waitsUntil) + this.o.stallTimeoutMs;
  }

  /** Ends the run with `e` (the first end given wins) and wakes every loop. */
  stop(e: DeliveryEnd): void {
    this.end ??= e;
    this.halt();
  }

  /** Stops every loop without naming an end. */
  halt(): void {
    this.stopping = true;
    this.#stoppedResolve();
    this.#wake.notify();
  }

  /** A batch became sendable: wake the idle senders. */
  notify(): void {
    this.#wake.notify();
  }

  /** Sleeps, but wakes early on notify or stop. */
  async idle(ms: number): Promise<void> {
    if (this.stopping) return;
    await Promise.race([this.o.sleep(Math.max(1, ms)), this.#wake.next]);
  }
}
