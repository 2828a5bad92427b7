/**
 * Reads an NDJSON file of letters (one `Bericht` object per line, see letter-json.ts) in chunks,
 * without holding the file in memory: per letter its byte range and line, so the ledger can refer
 * to it and the sender can read it back. The file's SHA-256 is computed on the way.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { InputErrors } from './input-errors.ts';
import type { InputFile, InputLetter } from './input-types.ts';
import { batchKeyOf, estimateBytes, letterFromJson } from './letter-json.ts';

const CHUNK_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const BLANK = /^[ \t\r]*$/;

export interface NdjsonReading {
  readonly file: InputFile;
  readonly letters: number;
}

/** Yields every well-formed letter; problems (file, line, rule) go to `errors`. Returns the file's identity. */
export function* readNdjson(path: string, fileNo: number, errors: InputErrors): Generator<InputLetter, NdjsonReading> {
  const fd = openSync(path, 'r');
  const hash = createHash('sha256');
  const stat = fstatSync(fd);
  let letters = 0;
  let line = 0;

  function parseLine(bytes: Buffer, offset: number): InputLetter | undefined {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      errors.push({ file: path, line, rule: 'UTF-8', message: 'the line is not valid UTF-8' });
      return undefined;
    }
    if (BLANK.test(text)) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      errors.push({
        file: path,
        line,
        rule: 'one JSON object per line (NDJSON)',
        message: `not valid JSON: ${(err as Error).message}`,
      });
      return undefined;
    }
    const r = letterFromJson(value);
    if (!r.ok) {
      errors.push({ file: path, line, field: r.error.field, rule: r.error.rule, message: r.error.message });
      return undefined;
    }
    letters++;
    return {
      berichtId: r.letter.BerichtInformatie.BerichtID ?? '',
      bytes: estimateBytes(r.letter),
      source: { kind: 'ndjson', file: fileNo, offset, length: bytes.length, line },
      key: batchKeyOf(r.letter),
    };
  }

  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    let pos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = readSync(fd, buf, 0, CHUNK_BYTES, pos);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      pos += n;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        line++;
        const l = parseLine(data.subarray(start, nl), carryOffset + start);
        if (l) yield l;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      carryOffset += start;
    }
    if (carry.length > 0) {
      line++;
      const l = parseLine(carry, carryOffset);
      if (l) yield l;
    }
  } finally {
    closeSync(fd);
  }
  if (letters === 0 && !errors.any)
    errors.push({ file: path, line: undefined, rule: 'at least one letter', message: 'the file holds no letters' });
  return { file: { path, size: stat.size, mtimeMs: stat.mtimeMs, sha256: hash.digest('hex') }, letters };
}
