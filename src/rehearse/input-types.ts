import type { BatchKey } from './letter-json.ts';

/**
 * Where a letter comes from. The ledger stores this reference, not the letter: 2 million letters
 * with attachments would be gigabytes, and the input is there anyway (its size and hash are checked
 * on resume).
 */
export type LetterSource =
  | {
      readonly kind: 'ndjson';
      readonly file: number;
      readonly offset: number;
      readonly length: number;
      readonly line: number;
    }
  | { readonly kind: 'xml'; readonly file: number; readonly index: number; readonly line: number }
  | { readonly kind: 'generated'; readonly index: number };

export interface InputLetter {
  /** As in the input ('' when absent); the service echoes it in the verwerkingsbericht. */
  readonly berichtId: string;
  /** Estimated bytes in a rendered batch. */
  readonly bytes: number;
  readonly source: LetterSource;
  /** Explicit batch fields of the letter (they decide which batch it can go in). */
  readonly key: BatchKey;
}

/** An input file, identified so that a resumed run can tell it has not changed. */
export interface InputFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** A batch the afnemer formed itself (one XML file): sent as it is. */
export interface FixedBatch {
  readonly file: number;
  readonly batchId: string;
  readonly aanmaakDatum: string;
  readonly leverancierId: string;
  readonly bytes: number;
  readonly letters: readonly InputLetter[];
}

/** A problem with the input that stops the run before anything is sent: where, and the rule. */
export interface InputError {
  readonly file: string;
  /** 1-based line; undefined when the problem is not at one place (a whole file or batch). */
  readonly line: number | undefined;
  readonly column?: number;
  readonly field?: string;
  readonly rule: string;
  readonly message: string;
}

export function formatInputError(e: InputError): string {
  const where = e.line === undefined ? e.file : `${e.file}:${e.line}${e.column !== undefined ? `:${e.column}` : ''}`;
  return `${where}: ${e.message} (rule: ${e.rule})`;
}
