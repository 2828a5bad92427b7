/**
 * The durable ledger of a rehearsal (SQLite, WAL, synchronous FULL): every letter's state, every
 * batch's sends and the verwerkingsberichten applied. Each step is one transaction, written before
 * the step's effect can be lost, so a SIGKILL at any point resumes correctly:
 *  - a send is recorded (letters 'sent') before the request goes out; after a crash its outcome is
 *    unknown and the same letters are offered again with the same BatchID and BerichtIDs;
 *  - a verwerkingsbericht is applied (and marked seen) before it is acknowledged, so one offered
 *    again after a crash is recognised and only acknowledged.
 *
 * Letter states: new → sent → (retry → sent …) → processed | rejected. Final states never go back,
 * except that a Verwerkt answer always wins (the letter is in the Berichtenbox, whatever an earlier
 * attempt said).
 */
import type Database from 'better-sqlite3';
import { openDurableDatabase } from '../store/open-database.ts';
import type { VerwerkingsCode } from '../berichten/index.ts';
import type { InputFile, InputLetter, LetterSource } from './input-types.ts';

export type LetterState = 'new' | 'sent' | 'retry' | 'processed' | 'rejected';
/** How a final letter got there. */
export type Via = 'verwerkingsbericht' | 'eigen-bestaat-al' | 'geweigerd';

const SCHEMA_VERSION = 1;
const OPEN_STATES = "('new', 'sent', 'retry')";
const SRC_KINDS = ['ndjson', 'xml', 'generated'] as const;
/** The outcome of a send refused for our own AanmaakDatum stamp (nothing stored). */
const RESTAMPED = 'bezet: AanmaakDatum in de toekomst';

export interface BatchRow {
  readonly batchNo: number;
  /** Lower-case, as the service echoes it. */
  readonly batchId: string;
  /** 'xml': the afnemer's own file, sent as it is; 'formed': formed by rehearse. */
  readonly source: 'xml' | 'formed';
  readonly fileNo: number | null;
  /** Explicit, or stamped at the first send; null before that. */
  readonly aanmaakDatum: string | null;
  /** AanmaakDatum came with the input (else rehearse stamps it). */
  readonly aanmaakExplicit: boolean;
  readonly leverancierId: string | null;
  readonly letters: number;
  readonly bytes: number;
  readonly sends: number;
  /** Highest attempt the target confirmed (receipt or verwerkingsbericht). */
  readonly maxAttempt: number;
  /** Sends whose outcome stayed unknown (timeouts, crashes): the target may hold attempts we never heard of. */
  readonly unknownSends: number;
}

export interface NewBatch {
  readonly batchId: string;
  readonly source: 'xml' | 'formed';
  readonly fileNo: number | null;
  readonly aanmaakDatum: string | null;
  readonly leverancierId: string | null;
  readonly bytes: number;
  readonly letters: readonly InputLetter[];
}

/** A letter of a send's composition. */
export interface CompositionLetter {
  readonly seq: number;
  readonly pos: number;
  readonly berichtId: string;
  readonly source: LetterSource;
}

export interface StartedSend {
  readonly sendNo: number;
  readonly aanmaakDatum: string;
  readonly letters: readonly CompositionLetter[];
  /** Every letter of the batch (an XML batch is then sent byte for byte). */
  readonly whole: boolean;
}

export interface VbLetter {
  readonly berichtId: string;
  readonly code: VerwerkingsCode;
  readonly toelichting: string;
}

export type ApplyResult =
  | { readonly ours: false }
  | { readonly ours: true; readonly batchNo: number; readonly duplicate: true }
  | {
      readonly ours: true;
      readonly batchNo: number;
      readonly duplicate: false;
      /** Letters that became final with this verwerkingsbericht. */
      readonly finalised: number;
      /** Answers for which no letter of the batch could be found (should be 0). */
      readonly unmatched: number;
      /** Verwerkt for a letter already Verwerkt: stored twice (should never happen). */
      readonly duplicates: number;
      readonly retry: number;
      /** Change in processed and rejected letters (a Verwerkt after a rejection moves one across). */
      readonly processedDelta: number;
      readonly rejectedDelta: number;
    };

export interface LedgerCounts {
  readonly letters: number;
  readonly byState: Readonly<Record<LetterState, number>>;
  /** Final letters per code; processed ones by how (Verwerkt, or BerichtBestaatAl of our own earlier attempt). */
  readonly processedVerwerkt: number;
  readonly processedEigenBestaatAl: number;
  readonly rejected: Readonly<Partial<Record<VerwerkingsCode, number>>>;
  /** Letters of batches the target refused whole (400), by the code the refusal carried. */
  readonly refused: Readonly<Partial<Record<VerwerkingsCode, number>>>;
  /** Letters answered Verwerkt more than once. */
  readonly duplicates: number;
  /** Letters first sent / letter sends in all. */
  readonly lettersSent: number;
  readonly letterSends: number;
}

/** See Ledger.deliveryFigures. requests = accepted + busy + restamped + unknown + refused + other. */
export interface DeliveryFigures {
  readonly requests: number;
  /** 202: the target stored the attempt. acceptedFirst: as attempt 1; acceptedAgain: a redelivery (same BatchID and BerichtIDs). */
  readonly accepted: number;
  readonly acceptedFirst: number;
  readonly acceptedAgain: number;
  /** 429/503 or no connection: nothing stored, offered again after the wait. */
  readonly busy: number;
  /** Refused for our own AanmaakDatum stamp lying ahead of the target's clock: nothing stored, stamped again. */
  readonly restamped: number;
  /** Timeout, lost connection, 5xx, or a crash while the request was out: may or may not be stored. */
  readonly unknown: number;
  /** Of those, stored by the target after all (its attempt numbers show it). */
  readonly unknownStored: number;
  /** 400/413: the batch refused whole. */
  readonly refused: number;
  readonly other: number;
  /** batches = batchesStored + batchesRefused + batchesNotStored. */
  readonly batches: number;
  readonly batchesStored: number;
  readonly batchesRefused: number;
  readonly batchesNotStored: number;
  /** Letters in all requests together. */
  readonly letterSends: number;
}

type Row = Record<string, unknown>;

export class Ledger {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly st: ReturnType<typeof prepare>;

  constructor(path: string) {
    this.path = path;
    const db = openDurableDatabase(path, migrate);
    this.db = db;
    this.st = prepare(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ----- meta -----

  getMeta<T>(key: string): T | undefined {
    const v = this.st.getMeta.get(key) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  setMeta(key: string, value: unknown): void {
    this.st.setMeta.run(key, JSON.stringify(value));
  }

  /** Runs `fn` in one transaction (rolled back when it throws). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ----- ingest -----

  /** True once the input is fully recorded (an interrupted ingest is thrown away and done again). */
  get ingested(): boolean {
    return this.getMeta<boolean>('ingested') === true;
  }

  /** Empties the ledger (an ingest that was interrupted or found input problems; nothing was sent). */
  clear(): void {
    this.db.exec(
      'DELETE FROM letters; DELETE FROM batches; DELETE FROM files; DELETE FROM sends; DELETE FROM vb_seen; DELETE FROM events; DELETE FROM counters; DELETE FROM windows; DELETE FROM meta;',
    );
  }

  addFiles(files: readonly InputFile[], firstNo: number): void {
    this.db.transaction(() => {
      for (const [k, f] of files.entries()) this.st.insertFile.run(firstNo + k, f.path, f.size, f.mtimeMs, f.sha256);
    })();
  }

  files(): (InputFile & { fileNo: number })[] {
    return (this.st.files.all() as Row[]).map((r) => ({
      fileNo: r['file_no'] as number,
      path: r['path'] as string,
      size: r['size'] as number,
      mtimeMs: r['mtime_ms'] as number,
      sha256: r['sha256'] as string,
    }));
  }

  /** Records batches with their letters (one transaction for the lot). */
  addBatches(batches: readonly NewBatch[]): void {
    this.db.transaction(() => {
      for (const b of batches) {
        const batchNo = Number(
          this.st.insertBatch.run(
            b.batchId.toLowerCase(),
            b.source,
            b.fileNo,
            b.aanmaakDatum,
            b.aanmaakDatum === null ? 0 : 1,
            b.leverancierId,
            b.letters.length,
            b.bytes,
          ).lastInsertRowid,
        );
        for (const [pos, l] of b.letters.entries()) {
          const s = l.source;
          this.st.insertLetter.run(
            batchNo,
            pos,
            l.berichtId,
            SRC_KINDS.indexOf(s.kind),
            s.kind === 'generated' ? null : s.file,
            s.kind === 'ndjson' ? s.offset : s.index,
            s.kind === 'ndjson' ? s.length : null,
            s.kind === 'generated' ? null : s.line,
          );
        }
      }
    })();
  }

  // ----- scheduling -----

  batches(): BatchRow[] {
    return (this.st.batches.all() as Row[]).map(batchRow);
  }

  /** Per batch: letters not yet final. */
  openLetters(): Map<number, number> {
    return new Map(this.st.openPerBatch.raw().all() as [number, number][]);
  }

  /** Per batch: the attempts whose verwerkingsbericht has been applied. */
  seenAttempts(): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    for (const [batchNo, attempt] of this.st.allSeen.raw().all() as [number, number][]) {
      let s = out.get(batchNo);
      if (!s) out.set(batchNo, (s = new Set()));
      s.add(attempt);
    }
    return out;
  }

  /**
   * Records the start of a send: the letters not yet final become 'sent' (counted), the batch gets
   * its AanmaakDatum if it had none. Returns what to send. Committed before the request goes out.
   */
  startSend(batchNo: number, stampAanmaakDatum: string, startedAt: number): StartedSend | undefined {
    return this.db.transaction((): StartedSend | undefined => {
      const b = this.st.batch.get(batchNo) as Row | undefined;
      if (!b) throw new Error(`no batch ${batchNo} in the ledger`);
      const rows = this.st.composition.all(batchNo) as Row[];
      if (rows.length === 0) return undefined;
      const sendNo = (b['sends'] as number) + 1;
      this.st.batchSendStarted.run(stampAanmaakDatum, batchNo);
      this.st.insertSend.run(batchNo, sendNo, startedAt, rows.length);
      this.st.lettersSent.run(batchNo);
      return {
        sendNo,
        aanmaakDatum: (b['aanmaak_datum'] as string | null) ?? stampAanmaakDatum,
        whole: rows.length === (b['letters'] as number),
        letters: rows.map((r) => ({
          seq: r['seq'] as number,
          pos: r['pos'] as number,
          berichtId: r['bericht_id'] as string,
          source: sourceOf(r),
        })),
      };
    })();
  }

  /** The target took the send (202): its attempt number, and the letters count in our windows. */
  recordReceipt(
    batchNo: number,
    sendNo: number,
    attempt: number,
    letters: number,
    windows: readonly [kind: string, key: string][],
  ): void {
    this.db.transaction(() => {
      this.st.sendOutcome.run('geaccepteerd', attempt, batchNo, sendNo);
      this.st.batchAttempt.run(attempt, batchNo);
      for (const [kind, key] of windows) this.st.addWindow.run(kind, key, letters);
    })();
  }

  /** Refused (429/503: nothing stored) or unknown (timeout, connection lost, 5xx): the letters stay 'sent' and are offered again. */
  recordSendFailure(
    batchNo: number,
    sendNo: number,
    outcome: string,
    unknown: boolean,
    windows: readonly [kind: string, key: string][],
    letters: number,
  ): void {
    this.db.transaction(() => {
      this.st.sendOutcome.run(outcome, null, batchNo, sendNo);
      if (unknown) {
        this.st.batchUnknown.run(batchNo);
        // It may have been admitted: count it in our windows, to stay within the share.
        for (const [kind, key] of windows) this.st.addWindow.run(kind, key, letters);
      }
    })();
  }

  /**
   * Our own AanmaakDatum stamp lay in the target's future (its clock went back, or our estimate of it
   * was off): the send is recorded as not admitted and the stamp dropped, so the next send stamps anew.
   */
  restamp(batchNo: number, sendNo: number): void {
    this.db.transaction(() => {
      this.st.sendOutcome.run(RESTAMPED, null, batchNo, sendNo);
      this.st.dropStamp.run(batchNo);
    })();
  }

  /** The target refused the batch whole (400): its letters are rejected with the refusal's code. */
  refuseSend(batchNo: number, sendNo: number, code: VerwerkingsCode, toelichting: string): number {
    return this.db.transaction(() => {
      this.st.sendOutcome.run(`geweigerd: ${code}`, null, batchNo, sendNo);
      return this.st.refuseLetters.run(code, toelichting, batchNo).changes;
    })();
  }

  /** The target holds an attempt we had not heard of (found at the end): its verwerkingsbericht is awaited too. */
  confirmAttempt(batchNo: number, attempt: number): void {
    this.st.batchAttempt.run(attempt, batchNo);
  }

  /**
   * After a crash: batches with letters still 'sent' had a request out whose outcome is unknown
   * (it may land on the target later); they get a stray-attempt check at the end.
   */
  markInterruptedSends(): number {
    return this.st.markInterrupted.run().changes;
  }

  // ----- verwerkingsberichten -----

  /**
   * Applies one verwerkingsbericht (BatchID, attempt, the per-letter answers in batch order).
   * Idempotent: a verwerkingsbericht seen before changes nothing.
   */
  applyVerwerkingsbericht(batchId: string, attempt: number, answers: readonly VbLetter[]): ApplyResult {
    return this.db.transaction((): ApplyResult => {
      const b = this.st.batchById.get(batchId.toLowerCase()) as Row | undefined;
      if (!b) return { ours: false };
      const batchNo = b['batch_no'] as number;
      if (this.st.seen.get(batchNo, attempt) !== undefined) return { ours: true, batchNo, duplicate: true };
      const earlierSeen = this.st.seenBefore.get(batchNo, attempt) as number;
      // All earlier attempts applied: then a letter not yet final was stored by none of them.
      const earlierAllSeen = earlierSeen === attempt - 1;
      this.st.insertSeen.run(batchNo, attempt);
      this.st.batchAttempt.run(attempt, batchNo);

      const rows = (this.st.lettersOfBatch.all(batchNo) as Row[]).map((r) => ({
        seq: r['seq'] as number,
        berichtId: r['bericht_id'] as string,
        state: r['state'] as LetterState,
        sends: r['sends'] as number,
        verwerkt: r['verwerkt'] as number,
      }));
      const byId = new Map<string, typeof rows>();
      for (const r of rows) {
        for (const k of [r.berichtId, `\u0000${r.berichtId.toLowerCase()}`]) {
          let list = byId.get(k);
          if (!list) byId.set(k, (list = []));
          list.push(r);
        }
      }
      const answerCount = new Map<string, number>();
      for (const a of answers) answerCount.set(a.berichtId, (answerCount.get(a.berichtId) ?? 0) + 1);
      const occurrence = new Map<string, number>();

      let finalised = 0;
      let unmatched = 0;
      let duplicates = 0;
      let retry = 0;
      let processedDelta = 0;
      let rejectedDelta = 0;
      for (const a of answers) {
        this.st.addEvent.run(a.code, 1);
        this.st.addEvent.run('(letters)', 1);
        const candidates = byId.get(a.berichtId) ?? byId.get(`\u0000${a.berichtId.toLowerCase()}`) ?? [];
        const occ = occurrence.get(a.berichtId) ?? 0;
        occurrence.set(a.berichtId, occ + 1);
        // The k-th answer for an id is the k-th letter with it when the attempt held them all (a whole
        // batch); in a partial redelivery only letters not yet final were sent.
        const row =
          answerCount.get(a.berichtId) === candidates.length
            ? candidates[occ]
            : (candidates.find((c) => c.state !== 'processed' && c.state !== 'rejected') ?? candidates[0]);
        if (!row) {
          unmatched++;
          continue;
        }
        const wasFinal = row.state === 'processed' || row.state === 'rejected';
        switch (a.code) {
          case 'Verwerkt':
            row.verwerkt++;
            if (row.verwerkt > 1) duplicates++;
            this.st.letterVerwerkt.run(a.toelichting, row.seq);
            if (!wasFinal) finalised++;
            if (row.state === 'rejected') rejectedDelta--;
            if (row.state !== 'processed') processedDelta++;
            row.state = 'processed';
            break;
          case 'TechnischProbleem':
            if (!wasFinal) {
              this.st.letterRetry.run(row.seq);
              row.state = 'retry';
              retry++;
            }
            break;
          case 'BerichtBestaatAl':
            if (!wasFinal) {
              // Ours if an earlier attempt of this batch may have stored it: only when earlier
              // verwerkingsberichten are missing and this letter was sent before (else a genuine duplicate).
              const own = !earlierAllSeen && row.sends > 1;
              if (own) this.st.letterFinal.run('processed', 'Verwerkt', 'eigen-bestaat-al', a.toelichting, row.seq);
              else this.st.letterFinal.run('rejected', a.code, 'verwerkingsbericht', a.toelichting, row.seq);
              row.state = own ? 'processed' : 'rejected';
              if (own) processedDelta++;
              else rejectedDelta++;
              finalised++;
            }
            break;
          default:
            if (!wasFinal) {
              this.st.letterFinal.run('rejected', a.code, 'verwerkingsbericht', a.toelichting, row.seq);
              row.state = 'rejected';
              rejectedDelta++;
              finalised++;
            }
        }
      }
      return {
        ours: true,
        batchNo,
        duplicate: false,
        finalised,
        unmatched,
        duplicates,
        retry,
        processedDelta,
        rejectedDelta,
      };
    })();
  }

  /** Outcomes per code over every verwerkingsbericht applied, and '(letters)': the letters they held. */
  events(): Record<string, number> {
    return Object.fromEntries(this.st.events.raw().all() as [string, number][]);
  }

  // ----- counters and windows -----

  /** Adds to the named counters (informational figures for the report), in one transaction. */
  addCounters(deltas: Readonly<Record<string, number>>): void {
    this.db.transaction(() => {
      for (const [name, n] of Object.entries(deltas)) if (n !== 0) this.st.addCounter.run(name, n);
    })();
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.st.counters.raw().all() as [string, number][]);
  }

  window(kind: string, key: string): number {
    return (this.st.getWindow.get(kind, key) as number | undefined) ?? 0;
  }

  // ----- reading -----

  counts(): LedgerCounts {
    const byState: Record<LetterState, number> = { new: 0, sent: 0, retry: 0, processed: 0, rejected: 0 };
    let processedVerwerkt = 0;
    let processedEigenBestaatAl = 0;
    const rejected: Partial<Record<VerwerkingsCode, number>> = {};
    const refused: Partial<Record<VerwerkingsCode, number>> = {};
    for (const [state, code, via, n] of this.st.tally.raw().all() as [
      LetterState,
      VerwerkingsCode | null,
      Via | null,
      number,
    ][]) {
      byState[state] += n;
      if (state === 'processed') {
        if (via === 'eigen-bestaat-al') processedEigenBestaatAl += n;
        else processedVerwerkt += n;
      } else if (state === 'rejected' && code !== null) {
        const into = via === 'geweigerd' ? refused : rejected;
        into[code] = (into[code] ?? 0) + n;
      }
    }
    const t = this.st.letterTotals.get() as Row;
    return {
      letters: t['letters'] as number,
      byState,
      processedVerwerkt,
      processedEigenBestaatAl,
      rejected,
      refused,
      duplicates: t['duplicates'] as number,
      lettersSent: t['sent'] as number,
      letterSends: t['sends'] as number,
    };
  }

  /** Rejected letters (also those of refused batches), in input order. */
  *rejectedLetters(): Generator<{
    seq: number;
    berichtId: string;
    code: VerwerkingsCode;
    toelichting: string;
    via: Via;
    source: LetterSource;
    batchNo: number;
  }> {
    for (const r of this.st.rejectedLetters.iterate() as IterableIterator<Row>) {
      yield {
        seq: r['seq'] as number,
        berichtId: r['bericht_id'] as string,
        code: r['code'] as VerwerkingsCode,
        toelichting: (r['toelichting'] as string | null) ?? '',
        via: r['via'] as Via,
        source: sourceOf(r),
        batchNo: r['batch_no'] as number,
      };
    }
  }

  /** Sends by what became of them, over every run. */
  sendSummary(): {
    first: number;
    redeliveries: number;
    busy: number;
    unknown: number;
    refused: number;
    interrupted: number;
    admittedLetters: number;
  } {
    const r = this.st.sendSummary.get() as Row;
    const n = (k: string): number => (r[k] as number | null) ?? 0;
    return {
      first: n('first'),
      redeliveries: n('redeliveries'),
      busy: n('busy'),
      unknown: n('unknown'),
      refused: n('refused'),
      interrupted: n('interrupted'),
      admittedLetters: n('admitted'),
    };
  }

  /**
   * Every request and every batch counted once, in exactly one category (so the figures add up):
   * requests by what became of them; batches by whether the target holds an attempt of them.
   * `unknownStored`: sends whose outcome we never heard that the target stored after all (it
   * numbered more attempts of the batch than we saw accepted).
   */
  deliveryFigures(): DeliveryFigures {
    const r = this.st.requestFigures.get() as Row;
    const b = this.st.batchFigures.get() as Row;
    const n = (row: Row, k: string): number => (row[k] as number | null) ?? 0;
    const requests = n(r, 'requests');
    const accepted = n(r, 'accepted');
    const busy = n(r, 'busy');
    const restamped = n(r, 'restamped');
    const unknown = n(r, 'unknown');
    const refused = n(r, 'refused');
    return {
      requests,
      accepted,
      acceptedFirst: n(r, 'accepted_first'),
      acceptedAgain: accepted - n(r, 'accepted_first'),
      busy,
      restamped,
      unknown,
      unknownStored: n(b, 'unknown_stored'),
      refused,
      other: requests - accepted - busy - restamped - unknown - refused,
      batches: n(b, 'batches'),
      batchesStored: n(b, 'stored'),
      batchesRefused: n(b, 'refused'),
      batchesNotStored: n(b, 'batches') - n(b, 'stored') - n(b, 'refused'),
      letterSends: n(r, 'letter_sends'),
    };
  }

  /** Letters in sends the target accepted (redeliveries included). */
  admittedLetters(): number {
    return this.st.admitted.get() as number;
  }

  /** Letters not final (for the report when a run stops early). */
  openCount(): number {
    return this.st.openCount.get() as number;
  }
}

function batchRow(r: Row): BatchRow {
  return {
    batchNo: r['batch_no'] as number,
    batchId: r['batch_id'] as string,
    source: r['source'] as 'xml' | 'formed',
    fileNo: r['file_no'] as number | null,
    aanmaakDatum: r['aanmaak_datum'] as string | null,
    aanmaakExplicit: r['aanmaak_explicit'] === 1,
    leverancierId: r['leverancier_id'] as string | null,
    letters: r['letters'] as number,
    bytes: r['bytes'] as number,
    sends: r['sends'] as number,
    maxAttempt: r['max_attempt'] as number,
    unknownSends: r['unknown_sends'] as number,
  };
}

function sourceOf(r: Row): LetterSource {
  const kind = SRC_KINDS[r['src_kind'] as number];
  const pos = r['src_pos'] as number;
  if (kind === 'generated') return { kind, index: pos };
  if (kind === 'ndjson')
    return {
      kind,
      file: r['src_file'] as number,
      offset: pos,
      length: r['src_len'] as number,
      line: r['src_line'] as number,
    };
  return { kind: 'xml', file: r['src_file'] as number, index: pos, line: r['src_line'] as number };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version !== 0)
    throw new Error(`ledger ${db.name} has schema version ${version}; this bbsim understands ${SCHEMA_VERSION}`);
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files (file_no INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, sha256 TEXT NOT NULL);
    CREATE TABLE batches (
      batch_no INTEGER PRIMARY KEY,
      batch_id TEXT NOT NULL UNIQUE,
      source TEXT NOT NULL,
      file_no INTEGER,
      aanmaak_datum TEXT,
      aanmaak_explicit INTEGER NOT NULL,
      leverancier_id TEXT,
      letters INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      sends INTEGER NOT NULL DEFAULT 0,
      max_attempt INTEGER NOT NULL DEFAULT 0,
      unknown_sends INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE letters (
      seq INTEGER PRIMARY KEY,
      batch_no INTEGER NOT NULL,
      pos INTEGER NOT NULL,
      bericht_id TEXT NOT NULL,
      src_kind INTEGER NOT NULL,
      src_file INTEGER,
      src_pos INTEGER NOT NULL,
      src_len INTEGER,
      src_line INTEGER,
      state TEXT NOT NULL DEFAULT 'new',
      code TEXT,
      via TEXT,
      toelichting TEXT,
      sends INTEGER NOT NULL DEFAULT 0,
      verwerkt INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX letters_batch_pos ON letters (batch_no, pos);
    CREATE INDEX letters_state ON letters (state, batch_no);
    CREATE TABLE sends (batch_no INTEGER NOT NULL, send_no INTEGER NOT NULL, started_at REAL NOT NULL, letters INTEGER NOT NULL,
                        outcome TEXT, attempt INTEGER, PRIMARY KEY (batch_no, send_no));
    CREATE TABLE vb_seen (batch_no INTEGER NOT NULL, attempt INTEGER NOT NULL, PRIMARY KEY (batch_no, attempt));
    CREATE TABLE events (code TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE windows (kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key));
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    insertFile: p('INSERT INTO files (file_no, path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)'),
    files: p('SELECT * FROM files ORDER BY file_no'),
    insertBatch: p(
      'INSERT INTO batches (batch_id, source, file_no, aanmaak_datum, aanmaak_explicit, leverancier_id, letters, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertLetter: p(
      'INSERT INTO letters (batch_no, pos, bericht_id, src_kind, src_file, src_pos, src_len, src_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    batches: p('SELECT * FROM batches ORDER BY batch_no'),
    batch: p('SELECT * FROM batches WHERE batch_no = ?'),
    batchById: p('SELECT batch_no FROM batches WHERE batch_id = ?'),
    openPerBatch: p(`SELECT batch_no, count(*) FROM letters WHERE state IN ${OPEN_STATES} GROUP BY batch_no`),
    allSeen: p('SELECT batch_no, attempt FROM vb_seen'),
    composition: p(
      `SELECT seq, pos, bericht_id, src_kind, src_file, src_pos, src_len, src_line FROM letters WHERE batch_no = ? AND state IN ${OPEN_STATES} ORDER BY pos`,
    ),
    batchSendStarted: p(
      'UPDATE batches SET sends = sends + 1, aanmaak_datum = coalesce(aanmaak_datum, ?) WHERE batch_no = ?',
    ),
    insertSend: p('INSERT INTO sends (batch_no, send_no, started_at, letters) VALUES (?, ?, ?, ?)'),
    lettersSent: p(
      `UPDATE letters SET state = 'sent', sends = sends + 1 WHERE batch_no = ? AND state IN ${OPEN_STATES}`,
    ),
    sendOutcome: p('UPDATE sends SET outcome = ?, attempt = ? WHERE batch_no = ? AND send_no = ?'),
    dropStamp: p('UPDATE batches SET aanmaak_datum = NULL WHERE batch_no = ? AND aanmaak_explicit = 0'),
    batchAttempt: p('UPDATE batches SET max_attempt = max(max_attempt, ?) WHERE batch_no = ?'),
    batchUnknown: p('UPDATE batches SET unknown_sends = unknown_sends + 1 WHERE batch_no = ?'),
    markInterrupted: p(
      `UPDATE batches SET unknown_sends = unknown_sends + 1 WHERE batch_no IN (SELECT DISTINCT batch_no FROM letters WHERE state = 'sent')`,
    ),
    refuseLetters: p(
      `UPDATE letters SET state = 'rejected', code = ?, via = 'geweigerd', toelichting = ? WHERE batch_no = ? AND state = 'sent'`,
    ),
    seen: p('SELECT 1 FROM vb_seen WHERE batch_no = ? AND attempt = ?').pluck(),
    seenBefore: p('SELECT count(*) FROM vb_seen WHERE batch_no = ? AND attempt < ?').pluck(),
    insertSeen: p('INSERT INTO vb_seen (batch_no, attempt) VALUES (?, ?)'),
    lettersOfBatch: p('SELECT seq, bericht_id, state, sends, verwerkt FROM letters WHERE batch_no = ? ORDER BY pos'),
    letterVerwerkt: p(
      `UPDATE letters SET state = 'processed', code = 'Verwerkt', via = 'verwerkingsbericht', toelichting = ?, verwerkt = verwerkt + 1 WHERE seq = ?`,
    ),
    letterRetry: p(`UPDATE letters SET state = 'retry' WHERE seq = ?`),
    letterFinal: p('UPDATE letters SET state = ?, code = ?, via = ?, toelichting = ? WHERE seq = ?'),
    addEvent: p('INSERT INTO events (code, n) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET n = n + excluded.n'),
    events: p('SELECT code, n FROM events'),
    addCounter: p('INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n'),
    counters: p('SELECT name, n FROM counters'),
    addWindow: p(
      'INSERT INTO windows (kind, key, n) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET n = n + excluded.n',
    ),
    getWindow: p('SELECT n FROM windows WHERE kind = ? AND key = ?').pluck(),
    tally: p('SELECT state, code, via, count(*) FROM letters GROUP BY state, code, via'),
    letterTotals: p(
      `SELECT count(*) AS letters, coalesce(sum(verwerkt > 1), 0) AS duplicates, coalesce(sum(sends > 0), 0) AS sent, coalesce(sum(sends), 0) AS sends FROM letters`,
    ),
    rejectedLetters: p(
      `SELECT seq, batch_no, bericht_id, code, toelichting, via, src_kind, src_file, src_pos, src_len, src_line FROM letters WHERE state = 'rejected' ORDER BY seq`,
    ),
    sendSummary:
      p(`SELECT sum(outcome = 'geaccepteerd' AND attempt = 1) AS first, sum(outcome = 'geaccepteerd' AND attempt > 1) AS redeliveries,
                       sum(outcome LIKE 'bezet%') AS busy, sum(outcome LIKE 'onbekend%') AS unknown, sum(outcome LIKE 'geweigerd%') AS refused,
                       sum(outcome IS NULL) AS interrupted, sum(CASE WHEN outcome = 'geaccepteerd' THEN letters ELSE 0 END) AS admitted FROM sends`),
    requestFigures:
      p(`SELECT count(*) AS requests, sum(outcome = 'geaccepteerd') AS accepted, sum(outcome = 'geaccepteerd' AND attempt = 1) AS accepted_first,
                          sum(outcome LIKE 'bezet%' AND outcome <> '${RESTAMPED}') AS busy, sum(outcome = '${RESTAMPED}') AS restamped,
                          sum(outcome LIKE 'onbekend%' OR outcome IS NULL) AS unknown, sum(outcome LIKE 'geweigerd%') AS refused,
                          sum(letters) AS letter_sends FROM sends`),
    batchFigures: p(`SELECT count(*) AS batches, sum(b.max_attempt >= 1) AS stored,
                        sum(b.max_attempt = 0 AND EXISTS (SELECT 1 FROM sends s WHERE s.batch_no = b.batch_no AND s.outcome LIKE 'geweigerd%')) AS refused,
                        sum(max(0, b.max_attempt - (SELECT count(*) FROM sends s WHERE s.batch_no = b.batch_no AND s.outcome = 'geaccepteerd'))) AS unknown_stored
                      FROM batches b`),
    admitted: p(`SELECT coalesce(sum(letters), 0) FROM sends WHERE outcome = 'geaccepteerd'`).pluck(),
    openCount: p(`SELECT count(*) FROM letters WHERE state IN ${OPEN_STATES}`).pluck(),
  };
}
