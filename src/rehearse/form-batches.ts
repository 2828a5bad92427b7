/**
 * Forms batches from loose letters (NDJSON or generated), streaming: letters that must share a batch
 * header (the same explicit BatchID, AanmaakDatum or BerichtLeverancierID) go together; each group
 * is cut into batches of at most `maxLetters` letters and `maxBytes` estimated bytes, in input order.
 * A group with an explicit BatchID is one batch (the afnemer chose it), and must fit.
 */
import type { InputErrors } from './input-errors.ts';
import type { InputLetter } from './input-types.ts';
import type { BatchKey } from './letter-json.ts';

export interface FormedBatch {
  /** The explicit BatchID of its letters, if they carry one. */
  readonly batchId: string | undefined;
  readonly aanmaakDatum: string | undefined;
  readonly leverancierId: string | undefined;
  readonly bytes: number;
  readonly letters: readonly InputLetter[];
}

interface OpenBatch {
  key: BatchKey;
  letters: InputLetter[];
  bytes: number;
  /** An explicit batch that did not fit (reported once; the input is refused anyway). */
  overflowed: boolean;
}

const keyString = (k: BatchKey): string =>
  JSON.stringify([k.batchId?.toLowerCase() ?? null, k.aanmaakDatum ?? null, k.leverancierId ?? null]);

export class BatchFormer {
  readonly #open = new Map<string, OpenBatch>();
  readonly #explicit = new Map<string, { where: string }>();

  constructor(
    private readonly maxLetters: number,
    private readonly maxBytes: number,
    private readonly errors: InputErrors,
    private readonly where: (l: InputLetter) => { file: string; line: number | undefined },
  ) {}

  /** Adds a letter; returns the batches it closed (zero or one). */
  add(letter: InputLetter): FormedBatch[] {
    const k = keyString(letter.key);
    let open = this.#open.get(k);
    const explicitId = letter.key.batchId;
    if (explicitId !== undefined) {
      // One batch per explicit BatchID: it must fit as a whole.
      if (!open) {
        const seen = this.#explicit.get(explicitId.toLowerCase());
        if (seen) {
          const w = this.where(letter);
          this.errors.push({
            ...w,
            field: 'BerichtInformatie.BatchID',
            rule: 'letters of one BatchID agree on AanmaakDatum and BerichtLeverancierID',
            message: `BatchID ${explicitId} was used before (${seen.where}) with another AanmaakDatum or BerichtLeverancierID`,
          });
          return [];
        }
        const w = this.where(letter);
        this.#explicit.set(explicitId.toLowerCase(), { where: `${w.file}:${w.line ?? ''}` });
        open = { key: letter.key, letters: [], bytes: 0, overflowed: false };
        this.#open.set(k, open);
      }
      if (open.overflowed) return [];
      if (open.letters.length + 1 > this.maxLetters || open.bytes + letter.bytes > this.maxBytes) {
        const w = this.where(letter);
        this.errors.push({
          ...w,
          field: 'BerichtInformatie.BatchID',
          rule: `a batch holds at most ${this.maxLetters} letters and ${this.maxBytes} bytes`,
          message: `the letters with BatchID ${explicitId} do not fit in one batch; leave BatchID out and rehearse forms the batches`,
        });
        open.overflowed = true;
        return [];
      }
      open.letters.push(letter);
      open.bytes += letter.bytes;
      return [];
    }
    const closed: FormedBatch[] = [];
    if (open && (open.letters.length >= this.maxLetters || open.bytes + letter.bytes > this.maxBytes)) {
      closed.push(this.close(k, open));
      open = undefined;
    }
    if (!open) {
      open = { key: letter.key, letters: [], bytes: 0, overflowed: false };
      this.#open.set(k, open);
    }
    open.letters.push(letter);
    open.bytes += letter.bytes;
    return closed;
  }

  /** Closes every open batch (at the end of the input), oldest first. */
  finish(): FormedBatch[] {
    const out: FormedBatch[] = [];
    for (const [k, open] of this.#open) if (open.letters.length > 0 && !open.overflowed) out.push(this.close(k, open));
    this.#open.clear();
    return out.sort((a, b) => firstOf(a) - firstOf(b));
  }

  private close(k: string, open: OpenBatch): FormedBatch {
    this.#open.delete(k);
    return {
      batchId: open.key.batchId,
      aanmaakDatum: open.key.aanmaakDatum,
      leverancierId: open.key.leverancierId,
      bytes: open.bytes,
      letters: open.letters,
    };
  }
}

function firstOf(b: FormedBatch): number {
  const s = b.letters[0]?.source;
  if (!s) return 0;
  return s.kind === 'generated' ? s.index : s.kind === 'ndjson' ? s.offset : s.index;
}
