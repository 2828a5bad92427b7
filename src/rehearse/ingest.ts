/**
 * Reads the input once into the ledger: files (with size, time and hash), batches (the afnemer's
 * own XML batches as they are; loose letters formed into batches) and one row per letter with a
 * reference to its source. Nothing is sent before this is complete; an interrupted or failed ingest
 * is thrown away and done again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BATCH_BYTES } from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { BatchFormer, type FormedBatch } from './form-batches.ts';
import { generateLetters, type GenerateSpec } from './generate-letters.ts';
import { InputErrors } from './input-errors.ts';
import type { FixedBatch, InputError, InputFile, InputLetter } from './input-types.ts';
import type { Ledger, NewBatch } from './ledger.ts';
import { readNdjson } from './read-ndjson.ts';
import { formatDuration } from './plan.ts';
import { readXmlFiles, xmlFilesOf } from './read-xml-folder.ts';

export type InputSpec =
  | { readonly kind: 'ndjson'; readonly path: string }
  | { readonly kind: 'xml'; readonly path: string }
  | { readonly kind: 'generate'; readonly spec: GenerateSpec };

/**
 * Bytes a formed batch may hold (our estimate). The service takes up to 100 MB, but each batch in
 * flight is held as a string and a buffer by rehearse and parsed whole by the target: with 30 % of
 * letters carrying PDFs, 1000-letter batches of ~30 MB at concurrency 4 made rehearse peak at
 * 589 MB RSS (bench/rehearse, 20,000 letters). 16 MB keeps a batch in flight small; plain letters
 * (~1.4 kB) still fill 1000 a batch.
 */
const BYTES_PER_BATCH = Math.min(16_000_000, Math.floor(BATCH_BYTES.max * 0.9));
/** Batches written per ledger transaction. */
const BATCHES_PER_TX = 50;

export interface IngestOptions {
  readonly batchSize: number;
  readonly population: Population;
  /** The target's now (sim epoch ms) and how far ahead of it AanmaakDatum may lie: batches refused whole are caught here. */
  readonly now: number;
  readonly futureSkewMs: number;
  /**
   * Set aside what cannot be sent (unreadable files and lines, batches the service would refuse
   * whole): recorded in the ledger, reported, the rest sent. Without it a problem stops the run
   * before anything is sent.
   */
  readonly quarantine: boolean;
  /** Called now and then while reading: letters read so far, and the share of the input read (when known). */
  readonly onProgress?: ((letters: number, share: number | undefined) => void) | undefined;
}

export interface IngestResult {
  readonly errors: InputErrors;
  readonly letters: number;
  readonly batches: number;
  /** Files set aside whole (XML batches that cannot be sent). */
  readonly quarantinedFiles: readonly string[];
}

/** What was set aside, kept in the ledger's meta so that every later run reports it too. */
export interface QuarantineRecord {
  readonly problems: number;
  readonly files: readonly string[];
  readonly items: readonly InputError[];
}

const QUARANTINE_KEEP = 50;

/** Adds problems set aside to the ledger's record of them. */
function recordQuarantine(ledger: Ledger, errors: InputErrors, files: readonly string[]): void {
  if (!errors.any) return;
  const was = ledger.getMeta<QuarantineRecord>('quarantine') ?? { problems: 0, files: [], items: [] };
  ledger.setMeta('quarantine', {
    problems: was.problems + errors.total,
    files: [...was.files, ...files],
    items: [...was.items, ...errors.items].slice(0, QUARANTINE_KEEP),
  } satisfies QuarantineRecord);
}

/** An explicit AanmaakDatum the target would refuse the batch for (ahead of its clock). */
function futureProblem(aanmaakDatum: string | null | undefined, o: IngestOptions): string | undefined {
  if (aanmaakDatum === undefined || aanmaakDatum === null) return undefined;
  const t = Date.parse(aanmaakDatum);
  if (!Number.isFinite(t) || t - o.now <= o.futureSkewMs) return undefined;
  return `AanmaakDatum ${aanmaakDatum} lies ${formatDuration(t - o.now)} ahead of the target's clock (${new Date(o.now).toISOString()}); the service would refuse the whole batch`;
}

export function ingest(ledger: Ledger, input: InputSpec, o: IngestOptions): IngestResult {
  const errors = new InputErrors();
  ledger.clear();
  let letters = 0;
  let batches = 0;
  let pending: NewBatch[] = [];
  const writing = (): boolean => o.quarantine || !errors.any;
  const flush = (): void => {
    if (pending.length > 0 && writing()) ledger.addBatches(pending);
    pending = [];
  };
  const push = (b: NewBatch, share: number | undefined): void => {
    letters += b.letters.length;
    batches++;
    pending.push(b);
    if (pending.length >= BATCHES_PER_TX) flush();
    o.onProgress?.(letters, share);
  };
  const quarantinedFiles: string[] = [];

  if (input.kind === 'xml') {
    const files: InputFile[] = [];
    const paths = xmlFilesOf(input.path);
    if (paths.length === 0)
      errors.push({
        file: input.path,
        line: undefined,
        rule: 'a folder of *.xml Berichten batches',
        message: 'the folder holds no .xml files',
      });
    for (const r of readXmlFiles(paths, o.population, errors, { now: o.now, futureSkewMs: o.futureSkewMs })) {
      files.push(r.file);
      const b = r.batch;
      if (b) push(xmlBatch(b), files.length / paths.length);
      else quarantinedFiles.push(r.file.path);
    }
    flush();
    if (writing()) ledger.addFiles(files, 0);
  } else {
    const filePath = input.kind === 'ndjson' ? input.path : '(generated)';
    const where = (l: InputLetter): { file: string; line: number | undefined } => ({
      file: filePath,
      line: l.source.kind === 'generated' ? l.source.index + 1 : l.source.line,
    });
    const former = new BatchFormer(o.batchSize, BYTES_PER_BATCH, errors, where);
    const size = input.kind === 'ndjson' ? statSync(input.path).size : input.spec.count;
    const take = (formed: readonly FormedBatch[]): void => {
      for (const f of formed) {
        const first = f.letters[0];
        const future = futureProblem(f.aanmaakDatum, o);
        if (future !== undefined && first) {
          errors.push({
            ...where(first),
            field: 'BerichtInformatie.AanmaakDatum',
            rule: `at most ${formatDuration(o.futureSkewMs)} ahead of the target's clock`,
            message: `${future} (${f.letters.length} letters)`,
          });
          continue;
        }
        const s = f.letters.at(-1)?.source;
        const share =
          s === undefined
            ? undefined
            : s.kind === 'ndjson'
              ? (s.offset + s.length) / Math.max(1, size)
              : s.kind === 'generated'
                ? (s.index + 1) / Math.max(1, size)
                : undefined;
        push(
          {
            batchId: f.batchId ?? randomUUID(),
            source: 'formed',
            fileNo: null,
            aanmaakDatum: f.aanmaakDatum ?? null,
            leverancierId: f.leverancierId ?? null,
            bytes: f.bytes,
            letters: f.letters,
          },
          share,
        );
      }
    };
    if (input.kind === 'ndjson') {
      const reader = readNdjson(input.path, 0, errors);
      let r = reader.next();
      for (; !r.done; r = reader.next()) take(former.add(r.value));
      take(former.finish());
      flush();
      if (writing()) ledger.addFiles([r.value.file], 0);
    } else {
      for (const l of generateLetters(input.spec)) take(former.add(l));
      take(former.finish());
      flush();
    }
  }
  // Nothing to send at all: that is not a rehearsal, whatever the quarantine.
  const refuse = errors.any && (!o.quarantine || batches === 0);
  if (refuse) ledger.clear();
  else {
    recordQuarantine(ledger, errors, quarantinedFiles);
    ledger.setMeta('ingested', true);
  }
  return { errors, letters, batches, quarantinedFiles };
}

/** XML files in the input folder that the ledger has not read yet (added since the last run). */
export function newXmlFiles(folder: string, known: readonly InputFile[]): string[] {
  const seen = new Set(known.map((f) => resolve(f.path)));
  return xmlFilesOf(folder).filter((p) => !seen.has(resolve(p)));
}

/**
 * A resumed run of a folder: files added since the ledger read it are read and recorded as new
 * batches (with the same checks as the first run, their BatchIDs against those already recorded).
 * All or nothing: with a problem and no quarantine, nothing is recorded.
 */
export function appendXmlFiles(ledger: Ledger, paths: readonly string[], o: IngestOptions): IngestResult {
  const errors = new InputErrors();
  const known = ledger.files();
  const names = new Map(known.map((f) => [f.fileNo, f.path]));
  const knownBatchIds = new Map(
    ledger
      .batches()
      .map((b) => [b.batchId, b.fileNo === null ? '(formed)' : (names.get(b.fileNo) ?? '(file)')] as const),
  );
  const firstNo = known.reduce((a, f) => Math.max(a, f.fileNo + 1), 0);
  let letters = 0;
  let batches = 0;
  const quarantinedFiles: string[] = [];
  const files: InputFile[] = [];
  const add: NewBatch[] = [];
  for (const r of readXmlFiles(
    paths,
    o.population,
    errors,
    { now: o.now, futureSkewMs: o.futureSkewMs, knownBatchIds },
    firstNo,
  )) {
    files.push(r.file);
    const b = r.batch;
    if (!b) {
      quarantinedFiles.push(r.file.path);
      continue;
    }
    letters += b.letters.length;
    batches++;
    add.push(xmlBatch(b));
  }
  if (!errors.any || o.quarantine) {
    ledger.transaction(() => {
      ledger.addBatches(add);
      ledger.addFiles(files, firstNo);
      recordQuarantine(ledger, errors, quarantinedFiles);
    });
  }
  return { errors, letters, batches, quarantinedFiles };
}

/** Files that changed since they were read (a resumed run must read the same letters). */
export function changedFiles(files: readonly (InputFile & { fileNo: number })[]): string[] {
  const changed: string[] = [];
  for (const f of files) {
    let size: number;
    let mtimeMs: number;
    try {
      ({ size, mtimeMs } = statSync(f.path));
    } catch {
      changed.push(`${f.path}: no longer there`);
      continue;
    }
    if (size !== f.size) changed.push(`${f.path}: size ${size}, was ${f.size}`);
    else if (mtimeMs !== f.mtimeMs && sha256File(f.path) !== f.sha256) changed.push(`${f.path}: content changed`);
  }
  return changed;
}

function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A batch read from an XML file as the ledger keeps it (sent byte for byte from its file). */
function xmlBatch(b: FixedBatch): NewBatch {
  return {
    batchId: b.batchId,
    source: 'xml',
    fileNo: b.file,
    aanmaakDatum: b.aanmaakDatum,
    leverancierId: b.leverancierId,
    bytes: b.bytes,
    letters: b.letters,
  };
}
