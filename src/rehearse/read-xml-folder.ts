/**
 * Reads a folder of `Berichten` XML batches (every *.xml file, in name order; or one .xml file).
 * Each file is a batch the afnemer formed itself and is sent as it is, so everything that would
 * make the service refuse the batch whole (malformed XML, a DOCTYPE, the wrong root, a batch header
 * failing the schema, 0 or more than 1000 letters, more than 100 MB, an AanmaakDatum ahead of the
 * target's clock, a BatchID another file or an earlier run already used) is reported here, with the
 * file, the line and the rule, before anything is sent. Per-letter problems are left to the service.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BerichtenParseError,
  UnsafeXmlError,
  mapBerichtenDocument,
  scanXml,
  validateBatch,
  type RawBatch,
  type XmlElement,
} from '../berichten/index.ts';
import { BATCH_BYTES } from '../norms/index.ts';
import type { Population } from '../population/index.ts';
import { TextDecodingError, decodeXml } from '../xml/index.ts';
import type { InputErrors } from './input-errors.ts';
import type { FixedBatch, InputError, InputFile } from './input-types.ts';

/** One file read: its identity, and its batch when it is usable. */
export interface XmlFileReading {
  readonly file: InputFile;
  readonly batch: FixedBatch | undefined;
}

/** The *.xml files of a folder in name order, or the one file given. */
export function xmlFilesOf(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .filter((f) => f.toLowerCase().endsWith('.xml'))
    .sort()
    .map((f) => join(path, f));
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

/** What the batch-level checks compare against: the target's clock and how far ahead it tolerates. */
export interface XmlCheckContext {
  /** The target's now (sim epoch ms). */
  readonly now: number;
  /** How far AanmaakDatum may lie ahead of it (the mock's intake.futureSkewMs). */
  readonly futureSkewMs: number;
  /** BatchIDs (lower case) already in the ledger, with their file: a new file must not reuse one. */
  readonly knownBatchIds?: ReadonlyMap<string, string>;
}

/** The line of a header field ('BatchInformatie.AanmaakDatum'): in BatchInformatie, else the first letter carrying it. */
function lineOfField(text: string, root: XmlElement, field: string | undefined): number | undefined {
  const name = field?.split('.').at(-1);
  if (name === undefined) return undefined;
  const header = root.children.find((c) => c.local === 'BatchInformatie')?.children.find((c) => c.local === name);
  const inLetter = header
    ? undefined
    : root.children
        .filter((c) => c.local === 'Bericht')
        .map((b) => b.children.find((c) => c.local === 'BerichtInformatie')?.children.find((c) => c.local === name))
        .find((e) => e !== undefined);
  const el = header ?? inLetter;
  return el === undefined ? undefined : linesOf(text, [el.pos])[0];
}

/** One folder (or file): every *.xml file in name order. */
export function* readXmlFolder(
  path: string,
  population: Population,
  errors: InputErrors,
  check: XmlCheckContext,
  firstFileNo = 0,
): Generator<XmlFileReading> {
  const paths = xmlFilesOf(path);
  if (paths.length === 0)
    errors.push({
      file: path,
      line: undefined,
      rule: 'a folder of *.xml Berichten batches',
      message: 'the folder holds no .xml files',
    });
  yield* readXmlFiles(paths, population, errors, check, firstFileNo);
}

/** One file at a time, so a folder of 2,000 batches is never in memory at once. */
export function* readXmlFiles(
  paths: readonly string[],
  population: Population,
  errors: InputErrors,
  check: XmlCheckContext,
  firstFileNo = 0,
): Generator<XmlFileReading> {
  const seenBatchIds = new Map<string, string>(check.knownBatchIds ?? []);
  for (const [k, file] of paths.entries()) {
    const fileNo = firstFileNo + k;
    let bytes: Buffer;
    let stat;
    try {
      bytes = readFileSync(file);
      stat = statSync(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      errors.push({
        file,
        line: undefined,
        rule: 'a readable file',
        message: `cannot read the file (${e.code ?? e.message})`,
      });
      // Its size and time still identify it, so a resumed run sees whether it changed.
      const st = statSync(file, { throwIfNoEntry: false });
      yield { file: { path: file, size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? 0, sha256: '' }, batch: undefined };
      continue;
    }
    const identity: InputFile = {
      path: file,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    const fail = (e: InputError): XmlFileReading => {
      errors.push(e);
      return { file: identity, batch: undefined };
    };
    if (bytes.length > BATCH_BYTES.max) {
      yield fail({
        file,
        line: undefined,
        rule: `a batch is at most ${BATCH_BYTES.max} bytes`,
        message: `the batch has ${bytes.length} bytes; split it`,
      });
      continue;
    }
    let text: string;
    try {
      // As the service decodes it (src/xml): the BOM or the XML declaration, else UTF-8.
      text = decodeXml(bytes).text;
    } catch (err) {
      if (!(err instanceof TextDecodingError)) throw err;
      yield fail({
        file,
        line: undefined,
        rule: err.encoding === 'UTF-8' ? 'UTF-8' : `valid ${err.encoding}`,
        message: err.message,
      });
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
        yield fail({
          file,
          line: err.line,
          ...(err.column !== undefined ? { column: err.column } : {}),
          rule: 'well-formed Berichten XML',
          message: err.message,
        });
        continue;
      }
      throw err;
    }
    // The service's own batch-level checks, on the target's clock: everything that refuses the batch
    // whole (an AanmaakDatum ahead of that clock included). No afnemer, so the per-letter codes are
    // ignored here: the service answers those letter by letter.
    const v = validateBatch(raw, {
      now: check.now,
      headerOin: '',
      berichtTypes: new Set(),
      population,
      futureSkewMs: check.futureSkewMs,
    });
    if (!v.ok) {
      const message =
        v.field === 'BatchInformatie.AanmaakDatum' && /future/.test(v.rule)
          ? `${v.detail.replace('the time of receipt', "the target's clock")}; the service would refuse the whole batch`
          : v.detail;
      yield fail({ file, line: lineOfField(text, root, v.field), field: v.field, rule: v.rule, message });
      continue;
    }
    const other = seenBatchIds.get(v.header.batchId);
    if (other !== undefined) {
      yield fail({
        file,
        line: lineOfField(text, root, 'BatchInformatie.BatchID'),
        field: 'BatchInformatie.BatchID',
        rule: 'one BatchID per batch',
        message: `BatchID ${v.header.batchId} is also the BatchID of ${other}; the service would take this file for a redelivery of that batch`,
      });
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
