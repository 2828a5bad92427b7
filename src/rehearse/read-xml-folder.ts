/**
 * Reads a folder of `Berichten` XML batches (every *.xml file, in name order; or one .xml file).
 * Each file is a batch the afnemer formed itself and is sent as it is, so everything that would
 * make the service refuse the batch whole (malformed XML, a DOCTYPE, the wrong root, a batch header
 * failing the schema, 0 or more than 1000 letters, more than 100 MB) is reported here, with the file,
 * the line and the rule, before anything is sent. Per-letter problems are left to the service.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BerichtenParseError, UnsafeXmlError, mapBerichtenDocument, scanXml, validateBatch, type RawBatch, type XmlElement,
} from '../berichten/index.ts';
import { BATCH_BYTES } from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { TextDecodingError, decodeXml } from '../xml/index.ts';
import type { InputErrors } from './input-errors.ts';
import type { FixedBatch, InputError, InputFile } from './input-types.ts';

/** The last instant a JS Date can hold (year 275760). */
const LAST_DATE = 8_640_000_000_000_000;

/** One file read: its identity, and its batch when it is usable. */
export interface XmlFileReading {
  readonly file: InputFile;
  readonly batch: FixedBatch | undefined;
}

/** The *.xml files of a folder in name order, or the one file given. */
export function xmlFilesOf(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).filter((f) => f.toLowerCase().endsWith('.xml')).sort().map((f) => join(path, f));
}

/** 1-based line of each offset in `positions` (ascending), in one pass over the text. */
function linesOf(text: string, positions: readonly number[]): number[] {
  const out: number[] = [];
  let line = 1;
  let at = 0;
  for (const p of positions) {
    for (let nl = text.indexOf('\n', at); nl >= 0 && nl < p; nl = text.indexOf('\n', nl + 1)) {
      line++;
      at = nl + 1;
    }
    out.push(line);
  }
  return out;
}

/** One file at a time, so a folder of 2,000 batches is never in memory at once. */
export function* readXmlFolder(path: string, population: Population, errors: InputErrors, firstFileNo = 0): Generator<XmlFileReading> {
  const paths = xmlFilesOf(path);
  if (paths.length === 0) errors.push({ file: path, line: undefined, rule: 'a folder of *.xml Berichten batches', message: 'the folder holds no .xml files' });
  const seenBatchIds = new Map<string, string>();
  for (const [k, file] of paths.entries()) {
    const fileNo = firstFileNo + k;
    const bytes = readFileSync(file);
    const stat = statSync(file);
    const identity: InputFile = { path: file, size: stat.size, mtimeMs: stat.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') };
    const fail = (e: InputError): XmlFileReading => {
      errors.push(e);
      return { file: identity, batch: undefined };
    };
    if (bytes.length > BATCH_BYTES.max) {
      yield fail({ file, line: undefined, rule: `a batch is at most ${BATCH_BYTES.max} bytes`, message: `the batch has ${bytes.length} bytes; split it` });
      continue;
    }
    let text: string;
    try {
      // As the service decodes it (src/xml): the BOM or the XML declaration, else UTF-8.
      text = decodeXml(bytes).text;
    } catch (err) {
      if (!(err instanceof TextDecodingError)) throw err;
      yield fail({ file, line: undefined, rule: err.encoding === 'UTF-8' ? 'UTF-8' : `valid ${err.encoding}`, message: err.message });
      continue;
    }
    let root: XmlElement;
    let raw: RawBatch;
    try {
      root = scanXml(text);
      raw = mapBerichtenDocument(root);
    } catch (err) {
      if (err instanceof UnsafeXmlError) {
        yield fail({ file, line: undefined, rule: 'no DOCTYPE or ENTITY', message: err.message });
        continue;
      }
      if (err instanceof BerichtenParseError) {
        yield fail({ file, line: err.line, ...(err.column !== undefined ? { column: err.column } : {}), rule: 'well-formed Berichten XML', message: err.message });
        continue;
      }
      throw err;
    }
    // The service's own batch-level checks; `now` far ahead and no afnemer, so that only the
    // time-independent, batch-level problems can fail here (the per-letter codes are ignored).
    const v = validateBatch(raw, { now: LAST_DATE, headerOin: '', berichtTypes: new Set(), population, futureSkewMs: 0 });
    if (!v.ok) {
      yield fail({ file, line: undefined, field: v.field, rule: v.rule, message: v.detail });
      continue;
    }
    const other = seenBatchIds.get(v.header.batchId);
    if (other !== undefined) {
      yield fail({ file, line: undefined, field: 'BatchInformatie.BatchID', rule: 'one BatchID per batch', message: `BatchID ${v.header.batchId} is also the BatchID of ${other}; the service would take this file for a redelivery of that batch` });
      continue;
    }
    seenBatchIds.set(v.header.batchId, file);
    const positions = root.children.filter((c) => c.local === 'Bericht').map((c) => c.pos);
    const lines = linesOf(text, positions);
    yield {
      file: identity,
      batch: {
      file: fileNo,
      batchId: v.header.batchId,
      aanmaakDatum: new Date(v.header.aanmaakDatum).toISOString(),
      leverancierId: v.header.berichtLeverancierId,
      bytes: bytes.length,
      letters: raw.letters.map((l, index) => ({
        berichtId: l.fields['BerichtID'] ?? '',
        bytes: 0,
        source: { kind: 'xml', file: fileNo, index, line: lines[index] ?? 1 },
        key: {},
      })),
      },
    };
  }
}
