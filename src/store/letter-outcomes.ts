import type { LetterOutcome, VerwerkingsCode } from '../berichten/index.ts';
import type { DeliveryInput } from './store.ts';

/** Letters per VerwerkingsCode in one delivery (the deliveries.counts column). */
export type OutcomeCounts = Partial<Record<VerwerkingsCode, number>>;

/**
 * What is known about the notifications with notifyAt ≤ upTo (those "sent" by then). Kept in the
 * state table and extended incrementally, so notificationStats never rescans the whole history.
 * Late inserts with notifyAt ≤ upTo are folded in by processDue, in the same transaction.
 */
export interface SentSummary {
  upTo: number | null;
  sent: number;
  maxDelayMs: number;
  carried: Record<string, number>;
}

/** A non-Verwerkt outcome without its letter (the letter is not stored, so it must not travel on). */
export function bare(o: LetterOutcome, code: VerwerkingsCode, toelichting: string): LetterOutcome {
  return { seq: o.seq, berichtId: o.berichtId, berichtType: o.berichtType, code, toelichting };
}

/**
 * The final code of every letter of a delivery, in batch order, the same in every store: a
 * duplicate (earlier in this batch, or already stored for this afnemer: `isStored`, which never
 * looks at another afnemer's letters, since that would tell they exist), then the fault draw.
 */
export function finalOutcomes(
  input: Pick<DeliveryInput, 'outcomes' | 'technischProbleem'>,
  attempt: number,
  isStored: (berichtId: string) => boolean,
): { outcomes: LetterOutcome[]; counts: OutcomeCounts } {
  const n = input.outcomes.length;
  const outcomes: LetterOutcome[] = new Array<LetterOutcome>(n);
  const storedHere = new Set<string>();
  const counts: OutcomeCounts = {};
  for (let i = 0; i < n; i++) {
    const o = input.outcomes[i]!;
    let final: LetterOutcome = o;
    if (o.code === 'Verwerkt') {
      if (o.letter === undefined)
        throw new Error(`outcome seq ${o.seq} (${o.berichtId}) is Verwerkt but carries no letter`);
      const id = o.letter.berichtId;
      if (storedHere.has(id)) final = bare(o, 'BerichtBestaatAl', `BerichtID ${id} occurs earlier in this batch`);
      else if (isStored(id)) final = bare(o, 'BerichtBestaatAl', `BerichtID ${id} is already stored for this afnemer`);
      else if (input.technischProbleem(id, attempt))
        final = bare(o, 'TechnischProbleem', 'simulated technical fault; offer again with the same IDs');
      else storedHere.add(id);
    } else if (o.letter !== undefined) {
      final = bare(o, o.code, o.toelichting);
    }
    outcomes[i] = final;
    counts[final.code] = (counts[final.code] ?? 0) + 1;
  }
  return { outcomes, counts };
}

/** One notification counted as sent into the summary. */
export function foldSent(
  sent: SentSummary,
  enqueuedAt: number,
  notifyAt: number,
  enqueuedDay: string,
  notifyDay: string,
): void {
  sent.sent++;
  sent.maxDelayMs = Math.max(sent.maxDelayMs, notifyAt - enqueuedAt);
  if (enqueuedDay < notifyDay) sent.carried[notifyDay] = (sent.carried[notifyDay] ?? 0) + 1;
}
