import type { LetterOutcome, TechnischProbleemDraw, VerwerkingsCode, VerwerkResponse } from '../berichten/index.ts';

/**
 * The mock's durable state behind one interface. SQLite (better-sqlite3, WAL, synchronous FULL)
 * is the embedded default; PostgreSQL (postgres-store.ts, node-postgres) keeps the same contract for several instances on one database.
 *
 * Rules every implementation keeps:
 * - `deliver` is one transaction: admission check, duplicate check, letters, results, counters
 *   and the parking state commit together or not at all. It resolves only after the commit, so
 *   an acknowledged letter survives a crash (RPO 0).
 * - All instants are simulated epoch milliseconds from the mock's clock; the store never reads a clock.
 * - Parking (45 letters/s, in order of arrival) is planned inside `deliver`'s transaction from the
 *   persisted parking state; notifications by the pure planner passed to `processDue`, inside its
 *   transaction. Both read and write their state in the same transaction as the letters, so several
 *   mock instances sharing one database stay consistent.
 * - A store several instances share (PostgreSQL) also has `windows` (capacity windows counted in the
 *   database) and `joinClock` (one sim clock for the service); a store of one process (SQLite) has
 *   neither, and the mock keeps those in memory.
 */
export interface Store {
  /** Admit (or refuse) a batch delivery and commit it. */
  deliver(input: DeliveryInput): Promise<DeliveryResult>;
  /** Latest delivery of a BatchID (undefined: never delivered). */
  getDelivery(batchId: string, afnemerOin: string): Promise<DeliveryView | undefined>;

  /**
   * Process every delivery whose letters are parked and whose processing time has come (≤ now),
   * oldest first: mark it processed, publish its verwerkingsbericht, enqueue a notification per
   * Verwerkt letter (FIFO, times from `planNotification`), count processed/rejected per afnemer per day
   * and the notifications per hour (the clock's hourKey) and day, enqueued and sent.
   * Returns how many deliveries were processed.
   */
  processDue(now: number, planNotification: NotificationPlanner, dayKeyOf: (t: number) => string): Promise<number>;

  /** The BerichtVerwerkResponse of a processed delivery (acknowledged or not); undefined until it is processed. */
  verwerkResponseOf(delivery: DeliveryView): Promise<VerwerkResponse | undefined>;
  /** Verwerkingsberichten of an afnemer not yet acknowledged and still within the re-offer window. */
  listVerwerkingsberichten(q: VerwerkingsberichtQuery): Promise<VerwerkingsberichtPage>;
  /** Acknowledge; returns the ids that were pending and are now acknowledged. */
  acknowledgeVerwerkingsberichten(afnemerOin: string, ids: readonly number[], now: number): Promise<number[]>;

  // Presentation (the burger's inbox). A burger only ever sees letters with their own BSN that
  // are processed (processedAt ≤ now), published (publicatieDatum ≤ now) and not deleted.
  listLetters(q: LetterQuery): Promise<LetterPage>;
  getLetter(bsn: string, berichtId: string, now: number): Promise<LetterView | undefined>;
  /** true when the letter exists for this burger (and is now marked read). */
  markRead(bsn: string, berichtId: string, now: number): Promise<boolean>;
  /** true when the letter existed for this burger and is now deleted. */
  deleteLetter(bsn: string, berichtId: string, now: number): Promise<boolean>;
  /** The attachment's bytes (undefined: no such letter/attachment for this burger, or content not stored). */
  getBijlage(bsn: string, berichtId: string, volgorde: number, now: number): Promise<BijlageContent | undefined>;

  /** Leveranciersportaal: per afnemer per day offered, processed, rejected by code. */
  portal(q: PortalQuery): Promise<PortalRow[]>;

  /** Server-side figures the load generator cannot see. */
  intakeStats(now: number): Promise<IntakeStats>;
  notificationStats(now: number): Promise<NotificationStats>;

  /** Letters admitted in the given global hour and day windows (the limiter's state). */
  windowCounts(hourKey: string, dayKey: string): Promise<{ hour: number; day: number }>;

  /**
   * The busiest sim hour and calendar day of the notification queue: demand (enqueued) against what
   * went out (notify_at), for the 125,000/h and 3,000,000/day norms. Kept as counters while
   * notifications are planned, so reading it costs one indexed lookup per window kind.
   */
  notificationPeaks(): Promise<NotificationPeaks>;
  /**
   * The latest sim instant this database has seen: the saved clock, or a later delivery. A mock
   * restarted on the same database continues from here, so its clock never runs backwards.
   */
  lastSimTime(): Promise<number | undefined>;
  saveSimTime(simNow: number): Promise<void>;
  /**
   * A value kept once per database (e.g. the DigiD signing key): the stored one when `key` has one,
   * else `value`, stored. Atomic, so instances sharing a database agree on the first value written.
   */
  keepOnce(key: string, value: () => string): Promise<string>;
  /**
   * The Abonnementservice's admission, exclusive across instances: in one transaction, under the
   * lock of its planning state, requests ready before `forgetBefore` are deleted, then `decide` gets
   * the stored planning state (undefined at first) and the stored request with `key` (undefined:
   * none; '' asks for none), and what it returns is committed before the promise resolves.
   */
  updateSubscriptions<R>(
    key: string,
    forgetBefore: number,
    decide: (state: string | undefined, existing: StoredSubscription | undefined) => SubscriptionDecision<R>,
  ): Promise<R>;
  /** A stored subscription request, whichever instance accepted it (undefined: unknown or deleted). */
  getSubscription(key: string): Promise<StoredSubscription | undefined>;
  /** Counts for tests and reconciliation. */
  countLetters(): Promise<number>;
  /** Capacity windows shared by every instance on this database (absent: one process, counted in memory). */
  readonly windows?: SharedWindows;
  /** Short-lived values every instance on this database can take (absent: one process keeps them in memory). */
  readonly transients?: SharedTransients;
  /**
   * The service's running sim clock: the stored anchor when an instance keeps its horizon fresh
   * (saved within `staleAfterWallMs`), else `proposal` started no earlier than the saved horizon
   * (stored as the new anchor). Absent: the store belongs to one process.
   */
  joinClock?(proposal: ClockAnchor, staleAfterWallMs: number): Promise<ClockAnchor>;
  /** Closes the database; pending work is committed or rolled back first. */
  close(): Promise<void>;
}

export interface DeliveryInput {
  readonly batchId: string;
  readonly afnemerOin: string;
  readonly format: 'xml' | 'json';
  readonly receivedAt: number;
  readonly aanmaakDatum: number | undefined;
  /** Validation outcomes, one per letter in batch order; Verwerkt ones carry `letter`. */
  readonly outcomes: readonly LetterOutcome[];
  /** Global intake capacity; the whole batch is refused when it would not fit. */
  readonly admission: Admission;
  /** Sim ms between two parked letters (1000 / parkedPerSecond). */
  readonly parkIntervalMs: number;
  /** Sim ms from a letter's parking to its processing. */
  readonly processingDelayMs: number;
  /**
   * Seeded fault draw: should this letter (in this attempt) fail with TechnischProbleem? A draw that
   * carries its seed and rate (`technischProbleemDraw`) can be drawn in the SQLite store's delivery
   * thread; any other function is drawn where it was made, so that delivery is written in-line.
   */
  readonly technischProbleem: ((berichtId: string, attempt: number) => boolean) | TechnischProbleemDraw;
  readonly storeAttachmentContent: boolean;
  /** Portal day of this delivery ('YYYY-MM-DD', Amsterdam). */
  readonly dayKey: string;
}

export interface Admission {
  /** The clock's hourKey (src/clock/calendar.ts): the one hour-key format of the counters table. */
  readonly hourKey: string;
  readonly hourLimit: number;
  readonly dayKey: string;
  readonly dayLimit: number;
}

export type DeliveryResult =
  | {
      readonly admitted: true;
      readonly deliveryId: number;
      /** 1 for the first delivery of this BatchID, 2 for the first redelivery, … */
      readonly attempt: number;
      /** Final outcomes (duplicates and technical faults applied), batch order. */
      readonly outcomes: readonly LetterOutcome[];
      readonly parkStart: number;
      readonly parkEnd: number;
      /** When the verwerkingsbericht will be ready. */
      readonly processAt: number;
    }
  | {
      readonly admitted: false;
      readonly window: 'hour' | 'day';
      /** Letters already admitted in that window. */
      readonly used: number;
      readonly limit: number;
    };

export interface DeliveryView {
  readonly deliveryId: number;
  readonly batchId: string;
  readonly afnemerOin: string;
  readonly attempt: number;
  readonly receivedAt: number;
  readonly letters: number;
  readonly counts: Readonly<Partial<Record<VerwerkingsCode, number>>>;
  readonly parkStart: number;
  readonly parkEnd: number;
  readonly processAt: number;
  /** undefined until processed. */
  readonly processedAt: number | undefined;
  readonly verwerkingsberichtId: number | undefined;
}

/** FIFO notification scheduling: given the persisted state and an enqueue time, when is it sent. */
export type NotificationPlanner = (
  state: NotificationState,
  enqueuedAt: number,
) => { notifyAt: number; state: NotificationState };

export interface NotificationState {
  /** Earliest time the next notification can go out (spacing within the hourly rate). */
  readonly nextFreeAt: number;
  readonly hourStart: number;
  readonly hourCount: number;
  readonly dayStart: number;
  readonly dayCount: number;
}

export interface VerwerkingsberichtQuery {
  readonly afnemerOin: string;
  readonly now: number;
  /** Only ids greater than this (a cursor from the previous page). */
  readonly after?: number;
  readonly limit: number;
  /** Re-offer window in sim ms after the first offering (6 days per the norm). */
  readonly reofferMs: number;
}

export interface VerwerkingsberichtPage {
  readonly items: readonly VerwerkingsberichtItem[];
  /** Pass as `after` for the next page; undefined when this page is the last. */
  readonly nextCursor: number | undefined;
}

export interface VerwerkingsberichtItem {
  readonly id: number;
  readonly deliveryId: number;
  readonly attempt: number;
  readonly firstOfferedAt: number;
  readonly response: VerwerkResponse;
}

export interface LetterQuery {
  readonly bsn: string;
  readonly now: number;
  readonly offset: number;
  readonly limit: number;
  readonly gelezen?: boolean;
  readonly afnemerOin?: string;
}

export interface LetterPage {
  readonly total: number;
  /** Without the text: an inbox list shows subjects, and the text is most of a letter's bytes. */
  readonly items: readonly LetterSummary[];
}

export type LetterSummary = Omit<LetterView, 'berichtTekst'>;

export interface LetterView {
  readonly berichtId: string;
  readonly afnemerOin: string;
  readonly berichtType: string;
  readonly onderwerp: string;
  readonly berichtTekst: string;
  readonly referentie: string | undefined;
  readonly publicatieDatum: number | undefined;
  readonly eindDatumHandelingsTermijn: number | undefined;
  readonly processedAt: number;
  readonly readAt: number | undefined;
  readonly bijlagen: readonly { volgorde: number; omschrijving: string; bytes: number; sha256: string }[];
}

export interface BijlageContent {
  readonly omschrijving: string;
  readonly content: Buffer;
}

export interface PortalQuery {
  readonly afnemerOin?: string;
  /** Inclusive 'YYYY-MM-DD' bounds. */
  readonly fromDay?: string;
  readonly toDay?: string;
}

export interface PortalRow {
  readonly afnemerOin: string;
  readonly day: string;
  readonly offered: number;
  readonly processed: number;
  readonly rejected: Readonly<Partial<Record<VerwerkingsCode, number>>>;
}

export interface IntakeStats {
  /** Letters admitted and not yet parked at `now`. */
  readonly backlog: number;
  /** When the last admitted letter will be parked (the delay a new letter faces is parkedUntil − now). */
  readonly parkedUntil: number;
  readonly deliveries: number;
  readonly deliveriesPending: number;
  readonly lettersAdmitted: number;
  /** Largest received→processed delay among processed deliveries, sim ms (the 24 h norm). */
  readonly maxProcessingDelayMs: number;
  /** Largest received→parked delay of the last letter of a delivery, sim ms. */
  readonly maxParkingDelayMs: number;
}

export interface NotificationPeaks {
  readonly enqueuedPerHour: number;
  readonly enqueuedPerDay: number;
  readonly sentPerHour: number;
  readonly sentPerDay: number;
}

export interface NotificationStats {
  readonly enqueued: number;
  /** Enqueued with notifyAt > now. */
  readonly backlog: number;
  readonly sent: number;
  /** Largest enqueued→notifyAt delay among those sent by now, sim ms. */
  readonly maxDelayMs: number;
  /** Per notification day ('YYYY-MM-DD' of notifyAt), how many were carried over from an earlier day. */
  readonly carriedOverByDay: Readonly<Record<string, number>>;
}

/**
 * A sim clock as a point: sim instant `sim` at wall instant `wall` (both epoch ms), running at
 * `speed`, or along `schedule` (sim instants, epoch ms) when the speed changes over sim time.
 */
export interface ClockAnchor {
  readonly sim: number;
  readonly wall: number;
  readonly speed: number;
  /** Absent: one constant `speed`. */
  readonly schedule?: readonly { readonly from: number; readonly speed: number }[];
}

/** One window instance a request counts in, and its limit (Infinity: counted only). */
export interface WindowCount {
  /** Identifies the window and its instance, e.g. '1:1767222000000' (window index, bucket key). */
  readonly key: string;
  readonly limit: number;
}

export type WindowAdmission =
  | { readonly admitted: true; readonly used: readonly number[] }
  /** `index`: the first window (in the order asked) without room; `used`: its count before this request. */
  | { readonly admitted: false; readonly index: number; readonly used: number };

/** Capacity window counters in the store, exact across instances (all windows of a request or none). */
export interface SharedWindows {
  admit(scope: string, buckets: readonly WindowCount[], n: number): Promise<WindowAdmission>;
  refund(scope: string, buckets: readonly string[], n: number): Promise<void>;
  /** Used counts of these window instances, and per window the most offered in any of its instances. */
  read(scope: string, buckets: readonly string[]): Promise<{ used: number[]; peakOffered: number[] }>;
}

/**
 * Short-lived values of one `kind` (DigiD's pending AuthnRequests and SAML artifacts), for any
 * instance: kept until `expiresAt` (sim ms), taken once.
 */
export interface SharedTransients {
  /** Keeps `value` until `expiresAt` (replacing one with this key); `now` lets it sweep expired values now and then. */
  put(
    kind: string,
    key: string,
    value: string,
    now: number,
    expiresAt: number,
    owner: string | undefined,
  ): Promise<void>;
  /**
   * Removes and returns the value when it is live (expiresAt > now) and has no owner or is `owner`'s;
   * of concurrent takes exactly one gets it. Otherwise undefined, and the value stays.
   */
  take(kind: string, key: string, now: number, owner: string | undefined): Promise<string | undefined>;
  /** Live values of `kind` at `now`. */
  count(kind: string, now: number): Promise<number>;
}

/** One subscription request of the Abonnementservice as the store keeps it. */
export interface StoredSubscription {
  /** '<afnemer OIN>/<VerzoekId>'. */
  readonly key: string;
  readonly kind: string;
  /** The receipt and what its answer needs, JSON in the service's own shape. */
  readonly info: string;
  /** bsn-lijst: the BSNs asked for, as codes. */
  readonly bsns: Uint32Array | undefined;
  /** When its answer is ready (sim ms). */
  readonly readyAt: number;
}

/** What `updateSubscriptions`' decide returns: the new planning state, a request to store, and the caller's answer. */
export interface SubscriptionDecision<R> {
  readonly state: string;
  readonly store?: StoredSubscription;
  readonly result: R;
}
