/**
 * The mock's attachment storage is content-addressed: the same PDF carried by many letters is kept
 * once (visible in the database file's size), each letter still gets its own bytes back, a letter
 * delivered without content (intake.storeAttachmentContent false) does not borrow another letter's
 * copy, and a database of the previous schema keeps its attachments through the migration.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LetterOutcome, ValidLetter } from '../src/berichten/types.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate, openSqliteStore } from '../src/store/index.ts';
import type { DeliveryInput } from '../src/store/index.ts';

const OIN = '00000001003214345000';
const BSN = '111222333';
const T0 = Date.UTC(2027, 2, 2, 9);
const LATER = T0 + 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'bbsim-attach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const guid = (): string => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;

function batch(contents: readonly Buffer[], storeAttachmentContent = true): DeliveryInput {
  const outcomes: LetterOutcome[] = contents.map((content, seq) => {
    const letter: ValidLetter = {
      seq,
      berichtId: guid(),
      berichtType: 'BELASTING',
      publicatieDatum: undefined,
      eindDatumHandelingsTermijn: undefined,
      onderwerp: 'Aanslag',
      berichtTekst: 'Tekst',
      referentie: undefined,
      bsn: BSN,
      bijlagen: [{ volgorde: 1, omschrijving: 'Bijlage', content }],
    };
    return { seq, berichtId: letter.berichtId, berichtType: 'BELASTING', code: 'Verwerkt', toelichting: '', letter };
  });
  return {
    batchId: guid(),
    afnemerOin: OIN,
    format: 'xml',
    receivedAt: T0,
    aanmaakDatum: T0 - 60_000,
    outcomes,
    admission: { hourKey: 'h', hourLimit: 1e9, dayKey: 'd', dayLimit: 1e9 },
    parkIntervalMs: 1,
    processingDelayMs: 1,
    technischProbleem: () => false,
    storeAttachmentContent,
    dayKey: '2027-03-02',
  };
}

function ids(input: DeliveryInput): string[] {
  return input.outcomes.map((o) => o.berichtId);
}

describe('content-addressed attachment storage', () => {
  it('keeps one copy of identical content: the database stays small, every letter gets its bytes', async () => {
    const LETTERS = 200;
    const pdf = randomBytes(100_000);
    const same = openSqliteStore({ path: join(dir, 'same.db') });
    const distinct = openSqliteStore({ path: join(dir, 'distinct.db') });
    const b1 = batch(Array.from({ length: LETTERS }, () => pdf));
    await same.deliver(b1);
    await distinct.deliver(batch(Array.from({ length: LETTERS }, () => randomBytes(100_000))));
    for (const id of ids(b1).slice(0, 5))
      expect((await same.getBijlage(BSN, id, 1, LATER))?.content.equals(pdf)).toBe(true);
    await same.close();
    await distinct.close();
    const size = (f: string): number =>
      statSync(join(dir, f)).size + (statSync(join(dir, `${f}-wal`), { throwIfNoEntry: false })?.size ?? 0);
    // 200 × 100 kB = 20 MB when each copy is kept; once: 100 kB plus metadata.
    expect(size('distinct.db')).toBeGreaterThan(LETTERS * 100_000);
    expect(size('same.db')).toBeLessThan(2_000_000);
    const db = new Database(join(dir, 'same.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM attachment_contents').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM bijlagen').pluck().get()).toBe(LETTERS);
    db.close();
  });

  it('a letter delivered without content does not show the copy another letter stored', async () => {
    const s = openSqliteStore({ path: join(dir, 'mixed.db') });
    const pdf = randomBytes(5_000);
    const without = batch([pdf], false);
    const withContent = batch([pdf], true);
    await s.deliver(without);
    await s.deliver(withContent);
    expect(await s.getBijlage(BSN, ids(without)[0]!, 1, LATER)).toBeUndefined();
    expect((await s.getBijlage(BSN, ids(withContent)[0]!, 1, LATER))?.content.equals(pdf)).toBe(true);
    await s.close();
  });

  it('migrates a database of the previous schema: its attachments move into the content table, once each', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    // The schema just before content-addressed storage (later migrations follow it on open).
    const before = MIGRATIONS.findIndex((m) => m.name === 'content-addressed attachment storage');
    expect(before).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, before));
    const pdf = randomBytes(10_000);
    const sha = createHash('sha256').update(pdf).digest('hex');
    const insLetter =
      db.prepare(`INSERT INTO letters (bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, parked_at, processed_at, bijlagen)
                                  VALUES (?, 1, ?, ?, ?, 'BELASTING', 'Aanslag', 'Tekst', ?, ?, 1)`);
    const insBijlage = db.prepare(
      'INSERT INTO bijlagen (afnemer_oin, bericht_id, volgorde, omschrijving, bytes, sha256, content) VALUES (?, ?, 1, ?, ?, ?, ?)',
    );
    db.prepare(
      `INSERT INTO deliveries (id, batch_id, afnemer_oin, attempt, format, received_at, letters, counts, park_start, park_end, park_interval, process_at)
                VALUES (1, ?, ?, 1, 'xml', ?, 3, '{}', ?, ?, 1, ?)`,
    ).run(guid(), OIN, T0, T0, T0, T0);
    const old = [guid(), guid(), guid()];
    for (const [k, id] of old.entries()) {
      insLetter.run(id, k, OIN, BSN, T0, T0);
      // Two letters with the content, one delivered without it.
      insBijlage.run(OIN, id, 'Bijlage', pdf.length, sha, k < 2 ? pdf : null);
    }
    db.close();
    const s = openSqliteStore({ path });
    expect((await s.getBijlage(BSN, old[0]!, 1, LATER))?.content.equals(pdf)).toBe(true);
    expect((await s.getBijlage(BSN, old[1]!, 1, LATER))?.content.equals(pdf)).toBe(true);
    expect(await s.getBijlage(BSN, old[2]!, 1, LATER)).toBeUndefined();
    await s.close();
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(after.prepare('SELECT count(*) FROM attachment_contents').pluck().get()).toBe(1);
    expect(after.prepare('SELECT count(*) FROM bijlagen WHERE content IS NOT NULL').pluck().get()).toBe(0);
    after.close();
  });
});
