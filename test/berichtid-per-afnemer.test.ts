/**
 * BerichtID is unique per afnemer: another afnemer's letter with the same BerichtID is processed
 * (Verwerkt), so a duplicate never tells an afnemer that the ID exists for someone else; the
 * afnemer's own repeat is still BerichtBestaatAl. The migration re-keys stored letters and keeps them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../src/store/index.ts';
import {
  BELASTINGDIENST,
  UWV,
  T0,
  deliverXml,
  devToken,
  drainVerwerkingsberichten,
  startTestMock,
  type TestMock,
} from './helpers/mock.ts';
import { POPULATION, batch, xml } from './helpers/batches.ts';

let mock: TestMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const codes = (items: Awaited<ReturnType<typeof drainVerwerkingsberichten>>): string[] =>
  items.flatMap((i) => i.BerichtVerwerkResponse.Berichten.Bericht.map((b) => b.VerwerkingsCode));

describe('BerichtID unique per afnemer', () => {
  it("another afnemer's BerichtID is no duplicate (Verwerkt, stored); the afnemer's own repeat is BerichtBestaatAl", async () => {
    mock = await startTestMock();
    // A letter of the Belastingdienst, with an attachment, to a burger who also wants UWV's letters.
    const a = batch(6, { attachmentShare: 0.95, attachmentBytes: 1000 });
    const idx = a.Bericht.findIndex((l) => POPULATION.wantsLettersFrom(l.BerichtInformatie.GebruikerID, UWV.oin, T0));
    const shared = a.Bericht[idx]!.BerichtInformatie;
    expect((await deliverXml(mock.app, xml(a))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    expect(codes(await drainVerwerkingsberichten(mock.app))).toEqual(Array(6).fill('Verwerkt'));

    // UWV happens to use the same BerichtID, for the same burger.
    const b = batch(1, { afnemerOin: UWV.oin, berichtType: 'WW', attachmentShare: 0.95, attachmentBytes: 500 });
    expect(b.Bericht[0]!.Bijlagen?.length).toBeGreaterThan(0);
    b.Bericht[0]!.BerichtInformatie.BerichtID = shared.BerichtID;
    b.Bericht[0]!.BerichtInformatie.GebruikerID = shared.GebruikerID;
    expect((await deliverXml(mock.app, xml(b), UWV.oin)).statusCode).toBe(202);
    mock.clock.advance(60_000);
    const uwv = await drainVerwerkingsberichten(mock.app, UWV.oin);
    expect(codes(uwv)).toEqual(['Verwerkt']);
    expect(JSON.stringify(uwv)).not.toContain(BELASTINGDIENST.oin);

    // The Belastingdienst's own repeat of it: BerichtBestaatAl, as before.
    const again = batch(1);
    again.Bericht[0]!.BerichtInformatie.BerichtID = shared.BerichtID;
    expect((await deliverXml(mock.app, xml(again))).statusCode).toBe(202);
    mock.clock.advance(60_000);
    expect(codes(await drainVerwerkingsberichten(mock.app))).toEqual(['BerichtBestaatAl']);

    // The burger has both letters, each with its own attachments; by id the inbox addresses the newest.
    const token = await devToken(mock.app, shared.GebruikerID);
    const auth = { authorization: `Bearer ${token}` };
    const list = (await mock.app.inject({ url: '/api/v1/berichten?pageSize=100', headers: auth })).json<{
      berichten: { id: string; afzender: string; bijlagen: { bytes: number }[] }[];
    }>();
    const both = list.berichten.filter((i) => i.id.toLowerCase() === shared.BerichtID.toLowerCase());
    expect(both.map((i) => i.afzender).sort()).toEqual([BELASTINGDIENST.oin, UWV.oin].sort());
    expect(both.find((i) => i.afzender === UWV.oin)!.bijlagen.map((x) => x.bytes)).toEqual(
      b.Bericht[0]!.Bijlagen!.map(() => 500),
    );
    const one = (await mock.app.inject({ url: `/api/v1/berichten/${shared.BerichtID}`, headers: auth })).json<{
      afzender: string;
    }>();
    expect(one.afzender).toBe(UWV.oin);
    const pdf = await mock.app.inject({ url: `/api/v1/berichten/${shared.BerichtID}/bijlagen/1`, headers: auth });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.length).toBe(500);
  });

  it('the migration re-keys letters and attachments stored under the old global key, keeping every row and its rowid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsim-migrate-'));
    const db = new Database(join(dir, 'old.db'));
    try {
      const v2 = MIGRATIONS.findIndex((m) => m.name === 'BerichtID unique per afnemer');
      expect(v2).toBeGreaterThan(0);
      migrate(db, MIGRATIONS.slice(0, v2));
      db.exec(`INSERT INTO deliveries (id, batch_id, afnemer_oin, attempt, format, received_at, letters, counts, park_start, park_end, park_interval, process_at)
               VALUES (1, 'b1', '${BELASTINGDIENST.oin}', 1, 'xml', 0, 2, '{}', 0, 1, 1, 2), (2, 'b2', '${UWV.oin}', 1, 'xml', 0, 1, '{}', 0, 1, 1, 2);
               INSERT INTO letters (rowid, bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, parked_at, processed_at, bijlagen, read_at)
               VALUES (41, 'id-1', 1, 0, '${BELASTINGDIENST.oin}', '111222333', 'VAIB', 'o', 't', 1, 2, 1, 5), (42, 'id-2', 1, 1, '${BELASTINGDIENST.oin}', '111222333', 'VAIB', 'o', 't', 1, 2, 0, NULL);
               INSERT INTO bijlagen (bericht_id, volgorde, omschrijving, bytes, sha256, content) VALUES ('id-1', 1, 'pdf', 3, 'abc', x'010203');`);
      migrate(db);
      expect(db.prepare('SELECT rowid, bericht_id, afnemer_oin, read_at FROM letters ORDER BY rowid').all()).toEqual([
        { rowid: 41, bericht_id: 'id-1', afnemer_oin: BELASTINGDIENST.oin, read_at: 5 },
        { rowid: 42, bericht_id: 'id-2', afnemer_oin: BELASTINGDIENST.oin, read_at: null },
      ]);
      // The content itself moved to the content-addressed table (the next migration), once.
      expect(
        db
          .prepare(
            'SELECT b.afnemer_oin, b.bericht_id, b.volgorde, c.content FROM bijlagen b JOIN attachment_contents c ON c.sha256 = b.sha256 AND b.stored = 1',
          )
          .all(),
      ).toEqual([
        { afnemer_oin: BELASTINGDIENST.oin, bericht_id: 'id-1', volgorde: 1, content: Buffer.from([1, 2, 3]) },
      ]);
      // The same BerichtID for another afnemer now fits; for the same afnemer it does not.
      const insert = db.prepare(
        `INSERT INTO letters (bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, parked_at, processed_at) VALUES ('id-1', 2, 0, ?, '111222333', 'WW', 'o', 't', 1, 2)`,
      );
      expect(() => insert.run(UWV.oin)).not.toThrow();
      expect(() => insert.run(BELASTINGDIENST.oin)).toThrow(/UNIQUE/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
