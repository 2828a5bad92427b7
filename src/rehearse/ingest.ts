/**
 * Reads the input once into the ledger: files (with size, time and hash), batches (the afnemer's
 * own XML batches as they are; loose letters formed into batches) and one row per letter with a
 * reference to its source. Nothing is sent before this is complete; an interrupted or failed ingest
 * is thrown away and done again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { BATCH_BYTES } from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { BatchFormer, type FormedBatch } from './form-batches.ts';
import { generateLetters, type GenerateSpec } from './generate-letters.ts';
import { InputErrors } from './input-errors.ts';
import type { InputFile, InputLetter } from './input-types.ts';
import type { Ledger, NewBatch } from './ledger.ts';
import { readNdjson } from './read-ndjson.ts';
import { readXmlFolder } from './read-xml-folder.ts';

export type InputSpec =
  | { readonly kind: 'ndjson'; readonly path: string }
  | { readonly kind: 'xml'; readonly path: string }
  | { readonly kind: 'generate'; readonly spec: GenerateSpec };

/** What the formed batches may hold: letters, and bytes (a margin under the 100 MB batch limit for our estimate). */
const BYTES_PER_BATCH = Math.floor(BATCH_BYTES.max * 0.9);
/** Batches written per ledger transaction. */
const BATCHES_PER_TX = 50;

export interface IngestResult {
  readonly errors: InputErrors;
  readonly letters: number;
  readonly batches: number;
}

export function ingest(ledger: Ledger, input: InputSpec, batchSize: number, population: Population): IngestResult {
  const errors = new InputErrors();
  ledger.clear();
  let letters = 0;
  let batches = 0;
  let pending: NewBatch[] = [];
  const flush = (): void => {
    if (pending.length > 0 && !errors.any) ledger.addBatches(pending);
    pending = [];
  };
  const push = (b: NewBatch): void => {
    letters += b.letters.length;
    batches++;
    pending.push(b);
    if (pending.length >= BATCHES_PER_TX) flush();
  };

  if (input.kind === 'xml') {
    const files: InputFile[] = [];
    for (const r of readXmlFolder(input.path, population, errors)) {
      files.push(r.file);
      const b = r.batch;
      if (b) push({ batchId: b.batchId, source: 'xml', fileNo: b.file, aanmaakDatum: b.aanmaakDatum, leverancierId: b.leverancierId, bytes: b.bytes, letters: b.letters });
    }
    flush();
    if (!errors.any) ledger.addFiles(files, 0);
  } else {
    const filePath = input.kind === 'ndjson' ? input.path : '(generated)';
    const former = new BatchFormer(batchSize, BYTES_PER_BATCH, errors, (l: InputLetter) => ({
      file: filePath, line: l.source.kind === 'generated' ? l.source.index + 1 : l.source.line,
    }));
    const take = (formed: readonly FormedBatch[]): void => {
      for (const f of formed) {
        push({ batchId: f.batchId ?? randomUUID(), source: 'formed', fileNo: null, aanmaakDatum: f.aanmaakDatum ?? null, leverancierId: f.leverancierId ?? null, bytes: f.bytes, letters: f.letters });
      }
    };
    if (input.kind === 'ndjson') {
      const reader = readNdjson(input.path, 0, errors);
      let r = reader.next();
      for (; !r.done; r = reader.next()) take(former.add(r.value));
      take(former.finish());
      flush();
      if (!errors.any) ledger.addFiles([r.value.file], 0);
    } else {
      for (const l of generateLetters(input.spec)) take(former.add(l));
      take(former.finish());
      flush();
    }
  }
  if (errors.any) ledger.clear();
  else ledger.setMeta('ingested', true);
  return { errors, letters, batches };
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
