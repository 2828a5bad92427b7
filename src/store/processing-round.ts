/**
 * One processing round, the same in every store: which due deliveries it takes, the notification
 * each of their stored letters gets from the planner, and the counters it adds. The stores only read
 * the rows and write what the plan says, each in its own dialect and in one transaction.
 */
import { hourKey } from '../clock/index.ts';
import { foldSent, type OutcomeCounts, type SentSummary } from './letter-outcomes.ts';
import type { NotificationPlanner, NotificationState } from './store.ts';

export const INITIAL_NOTIFICATION_STATE: NotificationState = {
  nextFreeAt: 0,
  hourStart: 0,
  hourCount: 0,
  dayStart: 0,
  dayCount: 0,
};

/** Deliveries fetched per processing round. */
export const DUE_FETCH = 500;
// Small rounds with a yield between them: a catch-up must not stall the event loop for long.
const LETTERS_PER_PROCESSING_TX = 1_000;

/** A delivery whose parking has ended (deliveries: id, afnemer_oin, received_at, process_at, letters, counts). */
export interface DueRow {
  id: number;
  afnemer_oin: string;
  received_at: number;
  process_at: number;
  letters: number;
  counts: string;
}

/** A stored letter of a due delivery, in batch order (letters: bericht_id, bsn, afnemer_oin, processed_at). */
export type DueLetter = readonly [berichtId: string, bsn: string, afnemerOin: string, processedAt: number];

/**
 * The deliveries one round processes: in id order (one FIFO), until the round holds
 * LETTERS_PER_PROCESSING_TX letters. `more`: others may be due after them.
 */
export function takeDue(due: readonly DueRow[]): { take: readonly DueRow[]; more: boolean } {
  let letters = 0;
  let n = 0;
  while (n < due.length && letters < LETTERS_PER_PROCESSING_TX) letters += due[n++]!.letters;
  return { take: due.slice(0, n), more: n < due.length || due.length === DUE_FETCH };
}

/** What a round writes. */
export interface RoundPlan {
  /** One notification per stored letter, in order (column arrays, as PostgreSQL's unnest takes them). */
  readonly notifications: {
    readonly berichtId: string[];
    readonly bsn: string[];
    readonly afnemerOin: string[];
    readonly enqueuedAt: number[];
    readonly notifyAt: number[];
    readonly enqueuedDay: string[];
    readonly notifyDay: string[];
  };
  /** Counter increments: kind, bucket, afnemer, name → count (portal figures and notification windows). */
  readonly counters: readonly (readonly [kind: string, bucket: string, afnemerOin: string, name: string, n: number])[];
  readonly state: NotificationState;
  /** The sent summary, extended when a notification falls before its upTo (then `sentChanged`). */
  readonly sent: SentSummary;
  readonly sentChanged: boolean;
  readonly processed: number;
  readonly enqueued: number;
  /** The longest received → processed time of the round's deliveries (ms). */
  readonly maxDelay: number;
}

/**
 * Plans the round for `take` (from takeDue): the planner is asked letter by letter in order, so the
 * notification queue is the same whichever store or instance processes.
 */
export function planRound(
  take: readonly DueRow[],
  lettersOf: (deliveryId: number) => readonly DueLetter[],
  state0: NotificationState,
  sent: SentSummary,
  plan: NotificationPlanner,
  dayKeyOf: (t: number) => string,
): RoundPlan {
  let state = state0;
  let sentChanged = false;
  let enqueued = 0;
  let maxDelay = 0;
  const notifications: RoundPlan['notifications'] = {
    berichtId: [],
    bsn: [],
    afnemerOin: [],
    enqueuedAt: [],
    notifyAt: [],
    enqueuedDay: [],
    notifyDay: [],
  };
  // Summed in memory and written once per round.
  const counters = new Map<string, [string, string, string, string, number]>();
  const count = (kind: string, bucket: string, afnemerOin: string, name: string, n: number): void => {
    const key = `${kind}\u0000${bucket}\u0000${afnemerOin}\u0000${name}`;
    const c = counters.get(key);
    if (c === undefined) counters.set(key, [kind, bucket, afnemerOin, name, n]);
    else c[4] += n;
  };
  for (const d of take) {
    for (const [berichtId, bsn, afnemerOin, enqueuedAt] of lettersOf(d.id)) {
      const planned = plan(state, enqueuedAt);
      state = planned.state;
      const notifyAt = planned.notifyAt;
      const enqueuedDay = dayKeyOf(enqueuedAt);
      const notifyDay = dayKeyOf(notifyAt);
      notifications.berichtId.push(berichtId);
      notifications.bsn.push(bsn);
      notifications.afnemerOin.push(afnemerOin);
      notifications.enqueuedAt.push(enqueuedAt);
      notifications.notifyAt.push(notifyAt);
      notifications.enqueuedDay.push(enqueuedDay);
      notifications.notifyDay.push(notifyDay);
      count('notif-enqueued-hour', hourKey(enqueuedAt), '', 'notifications', 1);
      count('notif-enqueued-day', enqueuedDay, '', 'notifications', 1);
      count('notif-sent-hour', hourKey(notifyAt), '', 'notifications', 1);
      count('notif-sent-day', notifyDay, '', 'notifications', 1);
      if (sent.upTo !== null && notifyAt <= sent.upTo) {
        foldSent(sent, enqueuedAt, notifyAt, enqueuedDay, notifyDay);
        sentChanged = true;
      }
      enqueued++;
    }
    const day = dayKeyOf(d.process_at);
    for (const [code, n] of Object.entries(JSON.parse(d.counts) as OutcomeCounts)) {
      count('portal', day, d.afnemer_oin, code === 'Verwerkt' ? 'processed' : code, n ?? 0);
    }
    maxDelay = Math.max(maxDelay, d.process_at - d.received_at);
  }
  return {
    notifications,
    counters: [...counters.values()],
    state,
    sent,
    sentChanged,
    processed: take.length,
    enqueued,
    maxDelay,
  };
}
