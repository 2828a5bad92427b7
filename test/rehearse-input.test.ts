/**
 * Reading the rehearsal's input: an NDJSON file of letters and a folder of Berichten XML batches.
 * Every problem that stops the run is reported with the file, the line and the rule; letters read
 * back from the ledger's references are the letters of the input; a bad input leaves no ledger.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBatch, renderBerichtenXml, type BatchInput } from '../src/berichten/index.ts';
import { loadMockConfig } from '../src/mock/config.ts';
import { createPopulation } from '../src/population/index.ts';
import { BatchFormer } from '../src/rehearse/form-batches.ts';
import { ingest } from '../src/rehearse/ingest.ts';
import { InputErrors } from '../src/rehearse/input-errors.ts';
import type { InputLetter } from '../src/rehearse/input-types.ts';
import { Ledger } from '../src/rehearse/ledger.ts';
import { LetterLoader } from '../src/rehearse/letter-loader.ts';
import { letterFromJson } from '../src/rehearse/letter-json.ts';
import { readNdjson } from '../src/rehearse/read-ndjson.ts';
import { readXmlFolder } from '../src/rehearse/read-xml-folder.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const config = loadMockConfig({});
const population = createPopulation({ seed: config.seed, ...config.population });
const OIN = config.afnemers[0]!.oin;
const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const info = (n: number): Record<string, string> => ({
  BerichtID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  BerichtType: 'VAIB',
  Onderwerp: 'Uw aanslag',
  BerichtTekst: 'Tekst\\r\\nregel 2',
  GebruikerID: '111222333',
  SoortGebruiker: 'Burger',
});

function readAll(path: string): { letters: InputLetter[]; errors: InputErrors } {
  const errors = new InputErrors();
  const letters: InputLetter[] = [];
  const it = readNdjson(path, 0, errors);
  for (let r = it.next(); !r.done; r = it.next()) letters.push(r.value);
  return { letters, errors };
}

/** The target's clock well after the batches' AanmaakDatum (only the age then differs, a per-letter matter). */
const FAR = { now: Date.UTC(2027, 2, 3), futureSkewMs: 300_000 };
const batch = (seed: number, letters = 3): BatchInput =>
  generateBatch({ seed, afnemerOin: OIN, berichtType: 'VAIB', letters, now: Date.UTC(2027, 2, 2), population });

describe('NDJSON input', () => {
  it('reports each unusable line with its line number and rule, and reads the rest', () => {
    const path = join(dir, 'brieven.ndjson');
    const lines = [
      JSON.stringify({ BerichtInformatie: info(1) }),
      '',
      '{"BerichtInformatie": {"BerichtID": "x",',
      '[1, 2]',
      JSON.stringify({ Bijlagen: [] }),
      JSON.stringify({ BerichtInformatie: { ...info(6), GebruikerID: 111222333 } }),
      JSON.stringify({ BerichtInformatie: info(7), Extra: true }),
      JSON.stringify({ BerichtInformatie: { ...info(8), Kleur: 'blauw' } }),
      // Annotated like a reject file (ignored), attachments as { Bijlage: [...] }: fine.
      JSON.stringify({
        BerichtInformatie: info(9),
        Bijlagen: { Bijlage: [{ Inhoud: 'JVBERi0=', BijlageType: 'Pdf', Omschrijving: 'b', Volgorde: '1' }] },
        Verwerking: { VerwerkingsCode: 'BijlageTeGroot' },
      }),
      // Values the service must judge (not a GUID, no Onderwerp) are sent as they are.
      JSON.stringify({ BerichtInformatie: { ...info(10), BerichtID: 'geen-guid', Onderwerp: null } }),
    ];
    writeFileSync(path, `${lines.join('\r\n')}\r\n`);
    const { letters, errors } = readAll(path);
    expect(errors.items.map((e) => [e.line, e.field ?? null, e.rule])).toEqual([
      [3, null, 'one JSON object per line (NDJSON)'],
      [4, '(letter)', 'JSON object per line'],
      [5, 'BerichtInformatie', 'required object'],
      [6, 'BerichtInformatie.GebruikerID', 'JSON string'],
      [7, 'Extra', 'one of BerichtInformatie, Bijlagen, Verwerking'],
      [8, 'BerichtInformatie.Kleur', expect.stringContaining('one of BatchID')],
    ]);
    expect(errors.lines()[0]).toMatch(
      /brieven\.ndjson:3: not valid JSON: .* \(rule: one JSON object per line \(NDJSON\)\)/,
    );
    expect(letters.map((l) => [l.berichtId, l.source.kind === 'ndjson' ? l.source.line : -1])).toEqual([
      [info(1)['BerichtID'], 1],
      [info(9)['BerichtID'], 9],
      ['geen-guid', 10],
    ]);
    // Read back by reference, as the sender does.
    const loader = new LetterLoader(() => path, undefined);
    try {
      expect(loader.load(letters[0]!.source)).toEqual({ BerichtInformatie: info(1) });
      expect(loader.load(letters[1]!.source).Bijlagen).toEqual([
        { Inhoud: 'JVBERi0=', BijlageType: 'Pdf', Omschrijving: 'b', Volgorde: '1' },
      ]);
      expect(loader.load(letters[2]!.source).BerichtInformatie).not.toHaveProperty('Onderwerp');
    } finally {
      loader.close();
    }
  });

  it('flags invalid UTF-8 and an empty file', () => {
    const bad = join(dir, 'latin1.ndjson');
    writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ BerichtInformatie: info(1) })}\n{"BerichtInformatie":{"Onderwerp":"`),
        Buffer.from([0xe9]),
        Buffer.from('"}}\n'),
      ]),
    );
    expect(readAll(bad).errors.items.map((e) => [e.line, e.rule])).toEqual([[2, 'UTF-8']]);
    const empty = join(dir, 'leeg.ndjson');
    writeFileSync(empty, '\n\n');
    expect(readAll(empty).errors.items.map((e) => e.rule)).toEqual(['at least one letter']);
  });

  it('letterFromJson accepts what the reject file writes', () => {
    expect(
      letterFromJson({
        BerichtInformatie: info(1),
        Verwerking: { VerwerkingsCode: 'NietActiefOfGeabonneerd', Toelichting: 'x', Bron: 'a:1' },
      }).ok,
    ).toBe(true);
  });
});

describe('forming batches', () => {
  const l = (n: number, key = {}, bytes = 100): InputLetter => ({
    berichtId: `id${n}`,
    bytes,
    source: { kind: 'generated', index: n },
    key,
  });

  it('cuts batches by letters and bytes, keeps letters of one header together, in input order', () => {
    const errors = new InputErrors();
    const f = new BatchFormer(3, 1000, errors, () => ({ file: 'x', line: 1 }));
    const closed = [
      ...f.add(l(0)),
      ...f.add(l(1, { leverancierId: 'other' })),
      ...f.add(l(2)),
      ...f.add(l(3)),
      ...f.add(l(4)),
      ...f.add(l(5, {}, 900)),
      ...f.add(l(6)),
      ...f.finish(),
    ];
    // Closed as they fill; what is left at the end in order of its first letter.
    expect(closed.map((b) => b.letters.map((x) => x.berichtId))).toEqual([
      ['id0', 'id2', 'id3'],
      ['id4', 'id5'],
      ['id1'],
      ['id6'],
    ]);
    expect(closed.find((b) => b.leverancierId === 'other')?.letters).toHaveLength(1);
    expect(errors.any).toBe(false);
  });

  it('refuses an explicit BatchID with more letters than a batch holds', () => {
    const errors = new InputErrors();
    const f = new BatchFormer(2, 1e9, errors, (x) => ({
      file: 'brieven.ndjson',
      line: x.source.kind === 'generated' ? x.source.index + 1 : 0,
    }));
    for (let k = 0; k < 4; k++) f.add(l(k, { batchId: 'B1' }));
    expect(f.finish()).toEqual([]);
    expect(errors.items.map((e) => [e.line, e.field, e.rule])).toEqual([
      [3, 'BerichtInformatie.BatchID', 'a batch holds at most 2 letters and 1000000000 bytes'],
    ]);
  });
});

describe('a folder of XML batches', () => {
  it('reports malformed, unsafe and unusable batches with the file, line and rule; reads the good ones as they are', () => {
    const folder = join(dir, 'batches');
    mkdirSync(folder);
    const good = batch(1);
    writeFileSync(join(folder, '01-goed.xml'), renderBerichtenXml(good).replaceAll('<ber:Bericht>', '\n<ber:Bericht>'));
    writeFileSync(
      join(folder, '02-kapot.xml'),
      renderBerichtenXml(batch(2)).replace('</BatchInformatie>', '</BatchInfo>'),
    );
    writeFileSync(
      join(folder, '03-doctype.xml'),
      `<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n${renderBerichtenXml(batch(3)).replace(/^<\?xml[^>]*>\n/, '')}`,
    );
    writeFileSync(join(folder, '04-wortel.xml'), '<?xml version="1.0"?>\n<Brieven/>');
    writeFileSync(
      join(folder, '05-header.xml'),
      renderBerichtenXml({ ...batch(5), BatchInformatie: { ...batch(5).BatchInformatie, BatchID: 'geen-guid' } }),
    );
    writeFileSync(join(folder, '06-te-groot.xml'), renderBerichtenXml(batch(6, 1001)));
    writeFileSync(
      join(folder, '07-dubbel.xml'),
      renderBerichtenXml({
        ...batch(7),
        BatchInformatie: { ...batch(7).BatchInformatie, BatchID: good.BatchInformatie.BatchID.toUpperCase() },
      }),
    );
    writeFileSync(join(folder, 'lees-mij.txt'), 'not a batch');
    const errors = new InputErrors();
    const read = [...readXmlFolder(folder, population, errors, FAR)];
    expect(read.map((r) => r.file.path.slice(folder.length + 1))).toEqual([
      '01-goed.xml',
      '02-kapot.xml',
      '03-doctype.xml',
      '04-wortel.xml',
      '05-header.xml',
      '06-te-groot.xml',
      '07-dubbel.xml',
    ]);
    expect(read.filter((r) => r.batch).map((r) => r.batch?.batchId)).toEqual([good.BatchInformatie.BatchID]);
    expect(read[0]?.batch?.letters.map((x) => x.berichtId)).toEqual(
      good.Bericht.map((b) => b.BerichtInformatie.BerichtID),
    );
    expect(read[0]?.batch?.letters.map((x) => (x.source.kind === 'xml' ? x.source.line : 0))).toEqual([3, 4, 5]);
    expect(errors.items.map((e) => [e.file.slice(folder.length + 1), e.line ?? null, e.rule])).toEqual([
      ['02-kapot.xml', 2, 'well-formed Berichten XML'],
      ['03-doctype.xml', null, 'no DOCTYPE or ENTITY'],
      ['04-wortel.xml', null, 'well-formed Berichten XML'],
      ['05-header.xml', 2, 'GUID'],
      ['06-te-groot.xml', null, '1..1000 letters'],
      ['07-dubbel.xml', 2, 'one BatchID per batch'],
    ]);
    expect(errors.items[0]?.column).toBeGreaterThan(1);
  });

  it('a failed ingest leaves the ledger empty; a good one records every letter with its source', () => {
    const folder = join(dir, 'twee');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.xml'), renderBerichtenXml(batch(11, 5)));
    writeFileSync(join(folder, 'b.xml'), renderBerichtenXml(batch(12, 7)));
    const ledger = new Ledger(':memory:');
    try {
      const r = ingest(
        ledger,
        { kind: 'xml', path: folder },
        { batchSize: 1000, population, ...FAR, quarantine: false },
      );
      expect(r).toMatchObject({ letters: 12, batches: 2 });
      expect(ledger.ingested).toBe(true);
      expect(ledger.files().map((f) => f.sha256)).toHaveLength(2);
      writeFileSync(join(folder, 'c.xml'), '<Berichten');
      const bad = ingest(
        ledger,
        { kind: 'xml', path: folder },
        { batchSize: 1000, population, ...FAR, quarantine: false },
      );
      expect(bad.errors.total).toBe(1);
      expect(ledger.ingested).toBe(false);
      expect(ledger.batches()).toEqual([]);
    } finally {
      ledger.close();
    }
  });
});

describe('quarantine', () => {
  it("sets aside unreadable lines and a batch dated ahead of the target's clock, records the rest and keeps the problems in the ledger", () => {
    const path = join(dir, 'quarantaine.ndjson');
    const ahead = new Date(FAR.now + 2 * 86_400_000).toISOString();
    writeFileSync(
      path,
      [
        JSON.stringify({ BerichtInformatie: info(61) }),
        '{kapot',
        JSON.stringify({ BerichtInformatie: { ...info(62), AanmaakDatum: ahead } }),
        JSON.stringify({ BerichtInformatie: info(63) }),
      ].join('\n'),
    );
    const ledger = new Ledger(':memory:');
    try {
      const without = ingest(
        ledger,
        { kind: 'ndjson', path },
        { batchSize: 1000, population, ...FAR, quarantine: false },
      );
      expect(without.errors.total).toBe(2);
      expect(ledger.ingested).toBe(false);
      const r = ingest(ledger, { kind: 'ndjson', path }, { batchSize: 1000, population, ...FAR, quarantine: true });
      expect(r.errors.items.map((e) => [e.line, e.rule])).toEqual([
        [2, 'one JSON object per line (NDJSON)'],
        [3, "at most 5 min 0 s ahead of the target's clock"],
      ]);
      expect(r.errors.items[1]?.message).toMatch(/lies 2 d 0 h 0 min ahead of the target's clock/);
      expect(ledger.ingested).toBe(true);
      expect(ledger.counts().letters).toBe(2);
      expect(ledger.getMeta('quarantine')).toMatchObject({ problems: 2 });
    } finally {
      ledger.close();
    }
  });
});

describe('the CLI on bad input', () => {
  it('exits 2, names file, line and rule, sends nothing and leaves no ledger', () => {
    const path = join(dir, 'fout.ndjson');
    writeFileSync(path, `${JSON.stringify({ BerichtInformatie: info(1) })}\n{oops}\n`);
    const r = spawnSync(
      process.execPath,
      [join(REPO, 'bin/bbsim.js'), 'rehearse', path, '--target', 'http://127.0.0.1:9'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${path}:2: not valid JSON`);
    expect(r.stderr).toContain('rule: one JSON object per line');
    expect(r.stderr).toContain('nothing was sent');
    expect(existsSync(join(dir, 'fout.ledger.db'))).toBe(false);
  }, 60_000);
});
