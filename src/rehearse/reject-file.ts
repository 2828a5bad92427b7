/**
 * The reject file: every rejected letter (also those of batches refused whole) as one NDJSON line,
 * grouped by code. By default small: the BerichtID, the code and why, where the letter came from
 * (file and line, or the generated letter's number) and its BatchID; 20,000 rejects are a few MB,
 * not the 623 MB of the whole letters again. With the loader (`--rejects-full`) each line is the
 * letter in the input's shape (BerichtInformatie, Bijlagen) so the afnemer can fix it and feed the
 * file back to `bbsim rehearse`; `Verwerking` (the code, why, where) is skipped by the input reader.
 * BatchID is left out of the letter: a fixed letter goes in a new batch. AanmaakDatum and
 * BerichtLeverancierID are kept where the letter carried them, and added from the batch when the
 * rejection is about them. Written to a temporary file and renamed, so it is whole. The letters
 * are read in input order, into one part per code, and the parts joined in the order of the codes.
 */
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { VERWERKINGS_CODES, type BerichtInput, type VerwerkingsCode } from '../berichten/index.ts';
import { ANNOTATION_KEY } from './letter-json.ts';
import type { LetterSource } from './input-types.ts';
import type { BatchRow, Ledger } from './ledger.ts';
import type { LetterLoader } from './letter-loader.ts';

export interface RejectFileResult {
  readonly path: string;
  readonly lines: number;
  readonly byCode: Partial<Record<VerwerkingsCode, number>>;
}

function bron(s: LetterSource, filePath: (n: number) => string): string {
  if (s.kind === 'generated') return `generated letter #${s.index + 1}`;
  return `${filePath(s.file)}:${s.line}`;
}

export function writeRejectFile(
  path: string,
  ledger: Ledger,
  loader: LetterLoader | undefined,
  filePath: (n: number) => string,
): RejectFileResult {
  const batches = new Map<number, BatchRow>(ledger.batches().map((b) => [b.batchNo, b]));
  const parts = new Map<VerwerkingsCode, { path: string; fd: number }>();
  const byCode: Partial<Record<VerwerkingsCode, number>> = {};
  let lines = 0;
  try {
    for (const r of ledger.rejectedLetters()) {
      const b = batches.get(r.batchNo);
      const verwerking = {
        VerwerkingsCode: r.code,
        Toelichting: r.toelichting,
        Bron: bron(r.source, filePath),
        BatchID: b?.batchId ?? null,
        ...(r.via === 'geweigerd' ? { Geweigerd: 'the batch was refused whole' } : {}),
      };
      let line: string;
      if (loader === undefined) line = JSON.stringify({ BerichtID: r.berichtId, ...verwerking });
      else line = JSON.stringify(fullLetter(loader, r, b, verwerking));
      let part = parts.get(r.code);
      if (!part) {
        const partPath = `${path}.${r.code}.part`;
        part = { path: partPath, fd: openSync(partPath, 'w') };
        parts.set(r.code, part);
      }
      writeSync(part.fd, `${line}\n`);
      lines++;
      byCode[r.code] = (byCode[r.code] ?? 0) + 1;
    }
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (const code of VERWERKINGS_CODES) {
        const part = parts.get(code);
        if (!part) continue;
        closeSync(part.fd);
        part.fd = openSync(part.path, 'r');
        for (let n = readSync(part.fd, buf); n > 0; n = readSync(part.fd, buf)) writeSync(fd, buf, 0, n);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } finally {
    for (const part of parts.values()) {
      try {
        closeSync(part.fd);
      } catch {
        // already closed
      }
      rmSync(part.path, { force: true });
    }
  }
  return { path, lines, byCode };
}

type RejectedLetter = ReturnType<Ledger['rejectedLetters']> extends Generator<infer T> ? T : never;

/** The rejected letter in the input's shape, to fix and feed back. */
function fullLetter(
  loader: LetterLoader,
  r: RejectedLetter,
  b: BatchRow | undefined,
  verwerking: Record<string, unknown>,
): Record<string, unknown> {
  const letter = loader.load(r.source);
  const info: Record<string, string> = {};
  for (const [k, v] of Object.entries(letter.BerichtInformatie))
    if (typeof v === 'string' && k !== 'BatchID') info[k] = v;
  if (r.code === 'AanmaakDatumLigtTeVerInHetVerleden' && info['AanmaakDatum'] === undefined && b?.aanmaakDatum)
    info['AanmaakDatum'] = b.aanmaakDatum;
  if (
    r.code === 'OinInCPAKomtNietOvereenMetOinInBericht' &&
    info['BerichtLeverancierID'] === undefined &&
    b?.leverancierId
  )
    info['BerichtLeverancierID'] = b.leverancierId;
  const out: Record<string, unknown> = { BerichtInformatie: info as unknown as BerichtInput['BerichtInformatie'] };
  if (letter.Bijlagen && letter.Bijlagen.length > 0) out['Bijlagen'] = letter.Bijlagen;
  out[ANNOTATION_KEY] = verwerking;
  return out;
}
