/**
 * One letter as rehearse reads it from an NDJSON file and writes it to the reject file: a `Bericht`
 * with the Berichten names (BerichtInformatie, Bijlagen), every value a JSON string. The reject
 * file adds a `Verwerking` member (code, toelichting, source); it is ignored on input, so a fixed
 * reject file can be fed back as it is.
 *
 * Only the shape is checked here. Values (GUIDs, lengths, BSNs, dates) are sent as they are: judging
 * them is the service's job, and the rehearsal exists to show which letters it would reject.
 */
import {
  BATCH_FIELDS,
  BIJLAGE_FIELDS,
  LETTER_FIELDS,
  type BerichtInput,
  type BijlageInput,
} from '../berichten/index.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** The member the reject file adds to each letter; skipped when reading. */
export const ANNOTATION_KEY = 'Verwerking';

const INFO_FIELDS: ReadonlySet<string> = new Set<string>([...BATCH_FIELDS, ...LETTER_FIELDS]);
const BIJLAGE_FIELD_SET: ReadonlySet<string> = new Set<string>(BIJLAGE_FIELDS);
const LETTER_KEYS = ['BerichtInformatie', 'Bijlagen', ANNOTATION_KEY] as const;

export interface ShapeError {
  /** Where in the letter, e.g. `BerichtInformatie.GebruikerID` or `Bijlagen[1].Inhoud`. */
  readonly field: string;
  /** The rule it breaks, e.g. 'JSON string'. */
  readonly rule: string;
  readonly message: string;
}

export type LetterJsonResult =
  | { readonly ok: true; readonly letter: BerichtInput }
  | { readonly ok: false; readonly error: ShapeError };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

class Bad extends CodedError {
  readonly code = ERROR_CODES.LETTER_SHAPE;
  constructor(readonly shape: ShapeError) {
    super(shape.message);
  }
}

function bad(field: string, rule: string, message: string): never {
  throw new Bad({ field, rule, message: `${field}: ${message}` });
}

/** The string members of `o` (null = absent); unknown members and non-strings are errors. */
function textFields(o: Obj, allowed: ReadonlySet<string>, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(o)) {
    if (!allowed.has(key)) bad(`${path}.${key}`, `one of ${[...allowed].join(', ')}`, `unknown field '${key}'`);
    if (v === null) continue;
    if (typeof v !== 'string')
      bad(
        `${path}.${key}`,
        'JSON string',
        `must be a string, got ${kind(v)} (write numbers and BSNs as text, e.g. "012345678")`,
      );
    out[key] = v;
  }
  return out;
}

function bijlagen(v: unknown): BijlageInput[] | undefined {
  if (v === null || v === undefined) return undefined;
  // Also the shape `berichtenJson` writes (and XML-to-JSON converters): { "Bijlage": [ … ] }.
  let list: unknown = v;
  if (isObject(v)) {
    for (const k of Object.keys(v)) if (k !== 'Bijlage') bad(`Bijlagen.${k}`, "only 'Bijlage'", `unknown field '${k}'`);
    list = isObject(v['Bijlage']) ? [v['Bijlage']] : v['Bijlage'];
  }
  if (!Array.isArray(list)) bad('Bijlagen', 'array of Bijlage objects', `must be an array, got ${kind(list)}`);
  return list.map((b, k) => {
    if (!isObject(b)) bad(`Bijlagen[${k}]`, 'Bijlage object', `must be an object, got ${kind(b)}`);
    // Fields may be missing: the service judges that (XmlValidatieTegenXsdValtNegatiefUit).
    return textFields(b, BIJLAGE_FIELD_SET, `Bijlagen[${k}]`) as unknown as BijlageInput;
  });
}

/** Checks the shape of one parsed NDJSON value and returns it as a letter to send. */
export function letterFromJson(value: unknown): LetterJsonResult {
  try {
    if (!isObject(value))
      bad('(letter)', 'JSON object per line', `a line must hold one letter object, got ${kind(value)}`);
    for (const k of Object.keys(value)) {
      if (!(LETTER_KEYS as readonly string[]).includes(k))
        bad(k, `one of ${LETTER_KEYS.join(', ')}`, `unknown field '${k}'`);
    }
    const infoValue = value['BerichtInformatie'];
    if (!isObject(infoValue))
      bad(
        'BerichtInformatie',
        'required object',
        infoValue === undefined ? 'required field is missing' : `must be an object, got ${kind(infoValue)}`,
      );
    // Required elements may be missing or malformed: they are sent so, and the service codes them.
    const info = textFields(
      infoValue,
      INFO_FIELDS,
      'BerichtInformatie',
    ) as unknown as BerichtInput['BerichtInformatie'];
    const b = bijlagen(value['Bijlagen']);
    return {
      ok: true,
      letter: b !== undefined && b.length > 0 ? { BerichtInformatie: info, Bijlagen: b } : { BerichtInformatie: info },
    };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, error: err.shape };
    throw err;
  }
}

/** The explicit batch fields a letter carries in its BerichtInformatie (BatchID, AanmaakDatum, BerichtLeverancierID). */
export interface BatchKey {
  readonly batchId?: string;
  readonly aanmaakDatum?: string;
  readonly leverancierId?: string;
}

export function batchKeyOf(letter: BerichtInput): BatchKey {
  const i = letter.BerichtInformatie;
  return {
    ...(i.BatchID !== undefined ? { batchId: i.BatchID } : {}),
    ...(i.AanmaakDatum !== undefined ? { aanmaakDatum: i.AanmaakDatum } : {}),
    ...(i.BerichtLeverancierID !== undefined ? { leverancierId: i.BerichtLeverancierID } : {}),
  };
}

/**
 * Bytes a letter takes in a rendered batch, over-estimated: XML writes every name twice, JSON
 * escapes backslashes; base64 attachments (most of a big letter) are the same in both.
 */
export function estimateBytes(letter: BerichtInput): number {
  let n = 512;
  for (const v of Object.values(letter.BerichtInformatie)) if (typeof v === 'string') n += 2 * v.length + 64;
  for (const b of letter.Bijlagen ?? []) {
    n += 256;
    for (const v of Object.values(b)) if (typeof v === 'string') n += v.length;
  }
  return n;
}
