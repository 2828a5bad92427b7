/**
 * Reads letters back from their source at send time (and for the reject file): an NDJSON line by
 * its byte range, a letter of an XML batch by its index, a generated letter by regenerating it.
 * Holds at most a few open files and one parsed XML batch.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import {
  mapBerichtenDocument,
  scanXml,
  type BerichtInput,
  type BijlageInput,
  type RawBatch,
  type RawLetter,
} from '../berichten/index.ts';
import { generatedLetter, type GenerateSpec } from './generate-letters.ts';
import type { LetterSource } from './input-types.ts';
import { letterFromJson } from './letter-json.ts';

export class LetterLoader {
  readonly #fds = new Map<number, number>();
  #xml: { file: number; bytes: Buffer; raw: RawBatch } | undefined;

  constructor(
    private readonly filePath: (fileNo: number) => string,
    private readonly spec: GenerateSpec | undefined,
  ) {}

  load(source: LetterSource): BerichtInput {
    switch (source.kind) {
      case 'generated': {
        if (!this.spec) throw new Error('a generated letter, but no generation spec');
        return generatedLetter(this.spec, source.index).letter;
      }
      case 'ndjson': {
        const buf = Buffer.allocUnsafe(source.length);
        const n = readSync(this.fd(source.file), buf, 0, source.length, source.offset);
        const r = letterFromJson(JSON.parse(buf.subarray(0, n).toString('utf8')));
        if (!r.ok)
          throw new Error(
            `${this.filePath(source.file)}:${source.line}: ${r.error.message} (the file changed since it was read)`,
          );
        return r.letter;
      }
      case 'xml': {
        const letter = this.xml(source.file).raw.letters[source.index];
        if (!letter)
          throw new Error(
            `${this.filePath(source.file)}: no letter ${source.index} (the file changed since it was read)`,
          );
        return fromRaw(letter);
      }
    }
  }

  /** The bytes of an XML batch file, to send it as the afnemer made it. */
  xmlBytes(file: number): Buffer {
    return this.xml(file).bytes;
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
    this.#xml = undefined;
  }

  private fd(file: number): number {
    let fd = this.#fds.get(file);
    if (fd === undefined) {
      if (this.#fds.size >= 16) this.close();
      fd = openSync(this.filePath(file), 'r');
      this.#fds.set(file, fd);
    }
    return fd;
  }

  private xml(file: number): { file: number; bytes: Buffer; raw: RawBatch } {
    if (this.#xml?.file !== file) {
      const bytes = readFileSync(this.filePath(file));
      this.#xml = { file, bytes, raw: mapBerichtenDocument(scanXml(bytes.toString('utf8'))) };
    }
    return this.#xml;
  }
}

/** A parsed XML letter as a letter to render again (a partial redelivery): every value as sent. */
function fromRaw(l: RawLetter): BerichtInput {
  const info: Record<string, string> = {};
  for (const [k, v] of Object.entries(l.fields)) if (v !== undefined) info[k] = v;
  const bijlagen = l.bijlagen.map((b) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(b)) if (typeof v === 'string') out[k] = v;
    return out as unknown as BijlageInput;
  });
  const letter = { BerichtInformatie: info as unknown as BerichtInput['BerichtInformatie'] };
  return bijlagen.length > 0 ? { ...letter, Bijlagen: bijlagen } : letter;
}
