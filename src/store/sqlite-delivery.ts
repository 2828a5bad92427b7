import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { finalOutcomes } from './letter-outcomes.ts';
import type { Statements } from './sqlite-statements.ts';
import type { DeliveryInput, DeliveryResult } from './store.ts';

/** One delivery's end: its result, or the error that rolled back its savepoint alone. */
export type DeliverySettled =
  | { readonly ok: true; readonly result: DeliveryResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * Writes deliveries on one SQLite connection: the store's own (in-line), or the delivery thread's
 * (sqlite-delivery-thread.ts). A group shares one IMMEDIATE transaction and one fsync; each delivery
 * has its own savepoint, so one failing delivery does not take the others down. An error of the
 * whole transaction (the lock, a full disk at commit) is thrown: no delivery of the group is written.
 */
export class SqliteDelivery {
  private readonly groupTx: Database.Transaction<(inputs: readonly DeliveryInput[]) => DeliverySettled[]>;
  private readonly oneTx: Database.Transaction<(input: DeliveryInput) => DeliveryResult>;

  constructor(
    db: Database.Database,
    private readonly s: Statements,
  ) {
    this.oneTx = db.transaction((input: DeliveryInput) => this.one(input));
    this.groupTx = db.transaction((inputs: readonly DeliveryInput[]) =>
      inputs.map((input): DeliverySettled => {
        try {
          return { ok: true, result: this.oneTx(input) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  group(inputs: readonly DeliveryInput[]): DeliverySettled[] {
    return this.groupTx.immediate(inputs);
  }

  private one(input: DeliveryInput): DeliveryResult {
    const s = this.s;
    const n = input.outcomes.length;
    const a = input.admission;

    // Admission first: a refused batch writes nothing at all.
    const hourUsed = this.counter('intake-hour', a.hourKey, '', 'admitted');
    if (hourUsed + n > a.hourLimit) return { admitted: false, window: 'hour', used: hourUsed, limit: a.hourLimit };
    const dayUsed = this.counter('intake-day', a.dayKey, '', 'admitted');
    if (dayUsed + n > a.dayLimit) return { admitted: false, window: 'day', used: dayUsed, limit: a.dayLimit };

    const attempt = 1 + (s.countAttempts.get(input.afnemerOin, input.batchId) as number);

    // Final codes, in batch order: duplicates (stored before, or earlier in this batch), then the fault draw.
    const { outcomes, counts } = finalOutcomes(
      input,
      attempt,
      (id) => s.letterExists.get(input.afnemerOin, id) !== undefined,
    );

    // Parking: letters are parked one interval apart, after whatever is still waiting.
    const interval = input.parkIntervalMs;
    const parkStart = Math.max(input.receivedAt, this.parkedUntil());
    const parkEnd = parkStart + n * interval;
    const processAt = parkEnd + input.processingDelayMs;

    const deliveryId = Number(
      s.insertDelivery.run(
        input.batchId,
        input.afnemerOin,
        attempt,
        input.format,
        input.receivedAt,
        input.aanmaakDatum ?? null,
        n,
        JSON.stringify(counts),
        parkStart,
        parkEnd,
        interval,
        processAt,
      ).lastInsertRowid,
    );

    for (let i = 0; i < n; i++) {
      const o = outcomes[i]!;
      // The verwerkingsbericht echoes the BerichtID as the afnemer sent it, whatever its code.
      s.insertResult.run(deliveryId, o.seq, o.berichtId, o.berichtType, o.code, o.toelichting);
      const l = o.letter;
      if (o.code !== 'Verwerkt' || l === undefined) continue;
      const parkedAt = parkStart + (i + 1) * interval;
      s.insertLetter.run(
        l.berichtId,
        deliveryId,
        o.seq,
        input.afnemerOin,
        l.bsn,
        l.berichtType,
        l.onderwerp,
        l.berichtTekst,
        l.referentie ?? null,
        l.publicatieDatum ?? null,
        l.eindDatumHandelingsTermijn ?? null,
        parkedAt,
        parkedAt + input.processingDelayMs,
        l.bijlagen.length,
      );
      for (const b of l.bijlagen) {
        const sha256 = createHash('sha256').update(b.content).digest('hex');
        s.insertBijlage.run(
          input.afnemerOin,
          l.berichtId,
          b.volgorde,
          b.omschrijving,
          b.content.length,
          sha256,
          input.storeAttachmentContent ? 1 : 0,
        );
        // Content-addressed: the same bytes are kept once, however many letters carry them.
        if (input.storeAttachmentContent) s.insertContent.run(sha256, b.content.length, b.content);
      }
    }

    s.addCounter.run('intake-hour', a.hourKey, '', 'admitted', n);
    s.addCounter.run('intake-day', a.dayKey, '', 'admitted', n);
    s.addCounter.run('portal', input.dayKey, input.afnemerOin, 'offered', n);
    s.totalsDelivered.run(n, parkEnd - input.receivedAt);
    s.setState.run('parkedUntil', JSON.stringify(parkEnd));

    return { admitted: true, deliveryId, attempt, outcomes, parkStart, parkEnd, processAt };
  }

  private counter(kind: string, bucket: string, afnemerOin: string, name: string): number {
    return (this.s.getCounter.get(kind, bucket, afnemerOin, name) as number | undefined) ?? 0;
  }

  private parkedUntil(): number {
    const v = this.s.getState.get('parkedUntil') as string | undefined;
    return v === undefined ? 0 : (JSON.parse(v) as number);
  }
}
