/**
 * The rehearse ledger's resume semantics, on a real SQLite file reopened as a crashed process would:
 * what was sent stays known, a verwerkingsbericht counts once, BerichtBestaatAl is ours only when
 * an earlier attempt may have stored the letter, Verwerkt always wins, and the send-side counts
 * (attempts, windows, stray checks) survive a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InputLetter } from '../src/rehearse/input-types.ts';
import { Ledger, type NewBatch, type VbLetter } from '../src/rehearse/ledger.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-ledger-'));
  dirs.push(dir);
  return join(dir, 'test.ledger.db');
}

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const letter = (n: number, berichtId = id(n)): InputLetter => ({
  berichtId,
  bytes: 1000,
  source: { kind: 'generated', index: n },
  key: {},
});
const batch = (batchId: string, letters: InputLetter[]): NewBatch => ({
  batchId,
  source: 'formed',
  fileNo: null,
  aanmaakDatum: null,
  leverancierId: null,
  bytes: 1000 * letters.length,
  letters,
});
const answers = (ids: string[], code: VbLetter['code']): VbLetter[] =>
  ids.map((berichtId) => ({ berichtId, code, toelichting: '' }));

/** A ledger with one batch B of letters 0..n-1, ingested. */
function withBatch(path: string, n: number, ids?: string[]): Ledger {
  const l = new Ledger(path);
  l.addBatches([
    batch(
      'b0000000-0000-4000-8000-000000000001',
      Array.from({ length: n }, (_, k) => letter(k, ids?.[k])),
    ),
  ]);
  l.setMeta('ingested', true);
  return l;
}
const B = 'b0000000-0000-4000-8000-000000000001';

describe('rehearse ledger', () => {
  it('a send recorded before a crash is known after it: its letters are offered again, nothing is forgotten', () => {
    const path = freshPath();
    let l = withBatch(path, 3);
    const s1 = l.startSend(1, '2027-03-02T08:00:00.000Z', 1);
    expect(s1).toMatchObject({ sendNo: 1, whole: true, aanmaakDatum: '2027-03-02T08:00:00.000Z' });
    expect(s1?.letters.map((x) => x.berichtId)).toEqual([id(0), id(1), id(2)]);
    l.close(); // the process dies here, the request's outcome unknown

    l = new Ledger(path);
    expect(l.ingested).toBe(true);
    expect(l.counts().byState).toMatchObject({ sent: 3, new: 0 });
    expect(l.markInterruptedSends()).toBe(1);
    expect(l.batches()[0]).toMatchObject({ sends: 1, unknownSends: 1, aanmaakDatum: '2027-03-02T08:00:00.000Z' });
    // The same letters again, under the same BatchID, with the AanmaakDatum of the first send.
    const s2 = l.startSend(1, '2027-03-02T09:00:00.000Z', 2);
    expect(s2).toMatchObject({ sendNo: 2, whole: true, aanmaakDatum: '2027-03-02T08:00:00.000Z' });
    expect(s2?.letters.map((x) => x.seq)).toEqual(s1?.letters.map((x) => x.seq));
    l.recordReceipt(1, 2, 1, 3, [
      ['hour', '2027-03-02T09'],
      ['day', '2027-03-02'],
    ]);
    expect(l.batches()[0]?.maxAttempt).toBe(1);
    expect(l.window('hour', '2027-03-02T09')).toBe(3);
    l.close();
    l = new Ledger(path);
    expect(l.window('day', '2027-03-02')).toBe(3);
    expect(l.sendSummary()).toMatchObject({ first: 1, interrupted: 1, admittedLetters: 3 });
    l.close();
  });

  it('applies a verwerkingsbericht once: offered again after a crash it changes nothing', () => {
    const path = freshPath();
    let l = withBatch(path, 3);
    l.startSend(1, 'x', 1);
    l.recordReceipt(1, 1, 1, 3, []);
    const vb = [...answers([id(0), id(1)], 'Verwerkt'), ...answers([id(2)], 'NietActiefOfGeabonneerd')];
    expect(l.applyVerwerkingsbericht(B.toUpperCase(), 1, vb)).toMatchObject({
      ours: true,
      duplicate: false,
      finalised: 3,
      processedDelta: 2,
      rejectedDelta: 1,
    });
    l.close(); // crashed before the acknowledgement
    l = new Ledger(path);
    expect(l.applyVerwerkingsbericht(B, 1, vb)).toMatchObject({ ours: true, duplicate: true });
    const c = l.counts();
    expect(c.byState).toMatchObject({ processed: 2, rejected: 1, sent: 0 });
    expect(c.rejected).toEqual({ NietActiefOfGeabonneerd: 1 });
    expect(l.events()).toMatchObject({ Verwerkt: 2, NietActiefOfGeabonneerd: 1, '(letters)': 3 });
    expect(l.applyVerwerkingsbericht('c0000000-0000-4000-8000-000000000009', 1, vb)).toEqual({ ours: false });
    l.close();
  });

  it('TechnischProbleem: only those letters are redelivered, under the same BatchID; Verwerkt then finishes them', () => {
    const l = withBatch(freshPath(), 4);
    l.startSend(1, 'x', 1);
    l.recordReceipt(1, 1, 1, 4, []);
    expect(
      l.applyVerwerkingsbericht(B, 1, [
        ...answers([id(0), id(1)], 'Verwerkt'),
        ...answers([id(2), id(3)], 'TechnischProbleem'),
      ]),
    ).toMatchObject({ retry: 2, finalised: 2 });
    const s2 = l.startSend(1, 'y', 2);
    expect(s2?.whole).toBe(false);
    expect(s2?.letters.map((x) => x.berichtId)).toEqual([id(2), id(3)]);
    l.recordReceipt(1, 2, 2, 2, []);
    expect(l.applyVerwerkingsbericht(B, 2, answers([id(2), id(3)], 'Verwerkt'))).toMatchObject({
      finalised: 2,
      processedDelta: 2,
    });
    expect(l.startSend(1, 'z', 3)).toBeUndefined();
    const c = l.counts();
    expect(c.processedVerwerkt).toBe(4);
    expect(c.letterSends - c.lettersSent).toBe(2);
    l.close();
  });

  it('BerichtBestaatAl after every earlier attempt was applied is a genuine duplicate; with one missing, ours', () => {
    // Genuine: attempt 1 said TechnischProbleem (not stored), attempt 2 says BerichtBestaatAl.
    const l = withBatch(freshPath(), 2);
    l.startSend(1, 'x', 1);
    l.applyVerwerkingsbericht(B, 1, [...answers([id(0)], 'Verwerkt'), ...answers([id(1)], 'TechnischProbleem')]);
    l.startSend(1, 'x', 2);
    expect(l.applyVerwerkingsbericht(B, 2, answers([id(1)], 'BerichtBestaatAl'))).toMatchObject({
      rejectedDelta: 1,
      processedDelta: 0,
    });
    expect(l.counts().rejected).toEqual({ BerichtBestaatAl: 1 });
    l.close();

    // Ours: sent twice (the first outcome lost), attempt 2 answers BerichtBestaatAl before attempt 1's Verwerkt was seen.
    const m = withBatch(freshPath(), 2);
    m.startSend(1, 'x', 1);
    m.recordSendFailure(1, 1, 'onbekend: timeout', true, [], 2);
    m.startSend(1, 'x', 2);
    m.recordReceipt(1, 2, 2, 2, []);
    expect(m.applyVerwerkingsbericht(B, 2, answers([id(0), id(1)], 'BerichtBestaatAl'))).toMatchObject({
      processedDelta: 2,
      rejectedDelta: 0,
    });
    let c = m.counts();
    expect(c).toMatchObject({ processedEigenBestaatAl: 2, processedVerwerkt: 0, rejected: {} });
    // Attempt 1's verwerkingsbericht arrives after all: Verwerkt, counted once, not twice.
    expect(m.applyVerwerkingsbericht(B, 1, answers([id(0), id(1)], 'Verwerkt'))).toMatchObject({
      duplicates: 0,
      processedDelta: 0,
    });
    c = m.counts();
    expect(c).toMatchObject({ processedVerwerkt: 2, processedEigenBestaatAl: 0, duplicates: 0 });
    m.close();
  });

  it('Verwerkt wins over an earlier rejection; Verwerkt twice is counted as stored twice', () => {
    const l = withBatch(freshPath(), 2);
    l.startSend(1, 'x', 1);
    l.applyVerwerkingsbericht(B, 1, answers([id(0), id(1)], 'NietActiefOfGeabonneerd'));
    expect(l.applyVerwerkingsbericht(B, 2, answers([id(0)], 'Verwerkt'))).toMatchObject({
      processedDelta: 1,
      rejectedDelta: -1,
    });
    expect(l.applyVerwerkingsbericht(B, 3, answers([id(0)], 'Verwerkt'))).toMatchObject({ duplicates: 1 });
    const c = l.counts();
    expect(c).toMatchObject({ processedVerwerkt: 1, duplicates: 1, rejected: { NietActiefOfGeabonneerd: 1 } });
    l.close();
  });

  it('maps answers to letters by BerichtID, also repeated and malformed ones, in batch order', () => {
    const ids = [id(0), id(0), 'geen-guid', ''];
    const l = withBatch(freshPath(), 4, ids);
    l.startSend(1, 'x', 1);
    const r = l.applyVerwerkingsbericht(B, 1, [
      { berichtId: id(0).toUpperCase(), code: 'Verwerkt', toelichting: '' },
      { berichtId: id(0), code: 'BerichtBestaatAl', toelichting: 'occurs earlier in this batch' },
      { berichtId: 'geen-guid', code: 'XmlValidatieTegenXsdValtNegatiefUit', toelichting: 'not a GUID' },
      { berichtId: '', code: 'XmlValidatieTegenXsdValtNegatiefUit', toelichting: 'missing' },
    ]);
    expect(r).toMatchObject({ unmatched: 0, finalised: 4 });
    expect(l.counts()).toMatchObject({
      processedVerwerkt: 1,
      rejected: { BerichtBestaatAl: 1, XmlValidatieTegenXsdValtNegatiefUit: 2 },
    });
    expect([...l.rejectedLetters()].map((x) => [x.seq, x.code])).toEqual([
      [2, 'BerichtBestaatAl'],
      [3, 'XmlValidatieTegenXsdValtNegatiefUit'],
      [4, 'XmlValidatieTegenXsdValtNegatiefUit'],
    ]);
    l.close();
  });

  it('a batch refused whole rejects exactly the letters of that send; a dropped stamp is stamped anew', () => {
    const l = withBatch(freshPath(), 2);
    l.startSend(1, '2027-03-02T08:00:00.000Z', 1);
    l.restamp(1, 1);
    expect(l.startSend(1, '2027-03-02T08:05:00.000Z', 2)?.aanmaakDatum).toBe('2027-03-02T08:05:00.000Z');
    expect(l.refuseSend(1, 2, 'XmlValidatieTegenXsdValtNegatiefUit', 'header')).toBe(2);
    expect(l.counts()).toMatchObject({ refused: { XmlValidatieTegenXsdValtNegatiefUit: 2 }, rejected: {} });
    expect(l.sendSummary()).toMatchObject({ busy: 1, refused: 1 });
    l.close();
  });
});
